package outbox

import (
	"context"
	"fmt"
	"strings"
)

// erasedMark stands in an e-mail to someone else where it named a person who was erased.
const erasedMark = "[–]"

// Person is whom EraseMentions looks for: her account id, e-mail address and name.
type Person struct {
	ID, Email, Name string
}

// EraseMentions removes a person from the outbox, for her erasure (GDPR Article 17): every job
// addressed to her or about her (her id in its key or payload) is deleted with its claims, and
// an e-mail to someone else that names her (her name or address in its subject or text) keeps
// its place with those words replaced. It returns how many jobs it deleted and how many it
// changed; it can be run again. The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (o *Outbox) EraseMentions(ctx context.Context, p Person) (deleted, scrubbed int, err error) {
	after := ""
	for {
		jobs, err := o.store.page(ctx, after, 500)
		if err != nil {
			return deleted, scrubbed, fmt.Errorf("read the outbox: %w", err)
		}
		if len(jobs) == 0 {
			return deleted, scrubbed, nil
		}
		after = jobs[len(jobs)-1].ID
		for _, j := range jobs {
			switch {
			case aboutPerson(j, p):
				if err := o.store.deleteJob(ctx, j.ID); err != nil {
					return deleted, scrubbed, err
				}
				deleted++
			case j.Email != nil && scrubEmail(j.Email, p):
				if err := o.store.replaceEmail(ctx, j.ID, *j.Email); err != nil {
					return deleted, scrubbed, err
				}
				scrubbed++
			}
		}
	}
}

// aboutPerson reports whether a job is addressed to p or about her.
func aboutPerson(j Job, p Person) bool {
	if p.ID != "" && strings.Contains(j.ID, p.ID) {
		return true
	}
	if j.Email != nil && p.Email != "" && strings.EqualFold(strings.TrimSpace(j.Email.To), p.Email) {
		return true
	}
	for _, v := range j.Payload {
		if p.ID != "" && strings.Contains(v, p.ID) || p.Email != "" && strings.Contains(strings.ToLower(v), strings.ToLower(p.Email)) {
			return true
		}
	}
	return false
}

// scrubEmail replaces p's id, address and name in an e-mail to someone else; false when none
// was there.
func scrubEmail(e *Email, p Person) bool {
	changed := false
	for _, f := range []*string{&e.Subject, &e.Text, &e.HTML, &e.Unsubscribe} {
		for _, word := range []string{p.ID, p.Email, p.Name} {
			if strings.TrimSpace(word) == "" || !strings.Contains(*f, word) {
				continue
			}
			*f = strings.ReplaceAll(*f, word, erasedMark)
			changed = true
		}
	}
	return changed
}
