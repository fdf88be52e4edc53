package learning

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

// taitoExtensions are the extensions Taito writes and its projections read; they hold ids,
// numbers and times, never free text, and erasure keeps them.
var taitoExtensions = []string{ExtPosition, ExtAttempt, ExtPeer, ExtQuestion, ExtSince}

// PseudonymiseLearner replaces a learner by a pseudonym in the learning record, for her
// erasure (GDPR Article 17): every statement of hers keeps its place in the log under the
// pseudonym, with its free text removed (the actor's name and mailbox, result.response, and
// extensions that are not Taito's own), the markers of statement batches that name her name the
// pseudonym, and each of her progress projections is stored again under the pseudonym's key and
// the old one deleted, so that cohort counts and a rebuild from the log stay the same. Every part can be run again: what is done already is not found again.
// The caller decides who may ask.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) PseudonymiseLearner(ctx context.Context, userID, pseudonym string) error {
	docs, err := s.store.allStatementsOf(ctx, userID)
	if err != nil {
		return fmt.Errorf("read the statements of %s: %w", userID, err)
	}
	for _, d := range docs {
		js, err := scrubStatement(d.JSON, userID, pseudonym)
		if err != nil {
			return fmt.Errorf("pseudonymise statement %s: %w", d.ID, err)
		}
		if err := s.store.pseudonymiseStatement(ctx, d.ID, pseudonym, js, strings.ReplaceAll(d.Hash, userID, pseudonym)); err != nil {
			return err
		}
	}
	if err := s.store.rekeyBatchMarkers(ctx, userID, pseudonym); err != nil {
		return fmt.Errorf("re-key the statement markers of %s: %w", userID, err)
	}
	ids, err := s.store.rekeyProjections(ctx, userID, pseudonym)
	for _, id := range ids {
		s.cache.drop(id)
	}
	if err != nil {
		return fmt.Errorf("re-key the progress of %s: %w", userID, err)
	}
	return nil
}

// scrubStatement returns a stored statement's JSON with the actor (and the authority, where she
// asserted it herself) replaced by the pseudonym's account on the same home page, and every
// free text removed.
func scrubStatement(raw, userID, pseudonym string) (string, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.UseNumber()
	var st map[string]any
	if err := dec.Decode(&st); err != nil {
		return "", err
	}
	home := ""
	if actor, ok := st["actor"].(map[string]any); ok {
		if acc, ok := actor["account"].(map[string]any); ok {
			home, _ = acc["homePage"].(string)
		}
	}
	st["actor"] = map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": home, "name": pseudonym}}
	if authority, ok := st["authority"].(map[string]any); ok {
		acc, _ := authority["account"].(map[string]any)
		if acc == nil || acc["name"] == userID {
			authHome, _ := acc["homePage"].(string)
			st["authority"] = map[string]any{"objectType": "Agent", "account": map[string]any{"homePage": authHome, "name": pseudonym}}
		}
	}
	if res, ok := st["result"].(map[string]any); ok {
		delete(res, "response")
		scrubExtensions(res)
	}
	if c, ok := st["context"].(map[string]any); ok {
		scrubExtensions(c)
		delete(c, "instructor")
		delete(c, "team")
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return "", err
	}
	return strings.TrimSpace(b.String()), nil
}

// scrubExtensions removes the extensions of a result or context that are not Taito's own and
// hold text (a third party's content may put anything there).
func scrubExtensions(m map[string]any) {
	ext, ok := m["extensions"].(map[string]any)
	if !ok {
		return
	}
	for k, v := range ext {
		if isTaitoExtension(k) {
			continue
		}
		if _, isNumber := v.(json.Number); isNumber {
			continue
		}
		if _, isBool := v.(bool); isBool {
			continue
		}
		delete(ext, k)
	}
	if len(ext) == 0 {
		delete(m, "extensions")
	}
}

func isTaitoExtension(iri string) bool {
	for _, path := range taitoExtensions {
		if strings.HasSuffix(iri, path) {
			return true
		}
	}
	return false
}

// erasedMark stands in a statement's text where it named a person who was erased.
const erasedMark = "[–]"

// ScrubMentions removes words (a person's name and e-mail address, matched in any case) from
// the statements of other people that name her, for her erasure: the words are replaced in the
// stored JSON; nothing else changes. It can be run again.
//
// Returns apperr.KindUnavailable and apperr.KindTimeout errors.
func (s *Service) ScrubMentions(ctx context.Context, words []string) error {
	pattern := MentionPattern(words)
	if pattern == "" {
		return nil
	}
	re := regexp.MustCompile("(?i)" + pattern)
	docs, err := s.store.statementsMatching(ctx, pattern)
	if err != nil {
		return fmt.Errorf("find statements that name an erased person: %w", err)
	}
	for _, d := range docs {
		if err := s.store.setStatementJSON(ctx, d.ID, re.ReplaceAllString(d.JSON, erasedMark)); err != nil {
			return err
		}
	}
	return nil
}

// MentionPattern is a regular expression that matches any of the words (blank ones left out),
// each as it is; "" when there is none. Match it in any case.
func MentionPattern(words []string) string {
	var alts []string
	for _, w := range words {
		if w = strings.TrimSpace(w); w != "" {
			alts = append(alts, regexp.QuoteMeta(w))
		}
	}
	return strings.Join(alts, "|")
}
