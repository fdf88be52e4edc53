package certificate

import (
	"context"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// Details is what a certificate says of its course beyond a Verification, as its PDF and its
// credential say it: the achievement's description and criteria, the workload, the modules with
// their learning outcomes and the competences it aligns to. It comes from the published course
// version the certificate was issued for, which never changes.
type Details struct {
	Description   course.Text
	Criteria      course.Text
	WorkloadHours float64 // 0: the course states none
	Modules       []DetailModule
	Competences   []Competence
}

// DetailModule is a module of the course and the learning outcomes it covers.
type DetailModule struct {
	Title    course.Text
	Outcomes []course.Text
}

// Competence is a DigComp 2.2 competence the achievement aligns to.
type Competence struct {
	Code, Name, URL string
}

// Details returns the details of the certificate that v describes (a Verification that Verify
// returned).
func (s *Service) Details(ctx context.Context, v Verification) (Details, error) {
	pub, err := s.courses.Version(ctx, v.Course, v.Version)
	if err != nil {
		return Details{}, err
	}
	a := achievement(pub)
	d := Details{Description: course.Text(a.Description), Criteria: course.Text(a.Criteria), WorkloadHours: a.WorkloadHours}
	for _, m := range a.Modules {
		dm := DetailModule{Title: course.Text(m.Title)}
		for _, o := range m.Outcomes {
			dm.Outcomes = append(dm.Outcomes, course.Text(o))
		}
		d.Modules = append(d.Modules, dm)
	}
	for _, al := range a.Alignments {
		d.Competences = append(d.Competences, Competence{Code: al.Code, Name: al.Name, URL: al.URL})
	}
	return d, nil
}

// Record is a certificate as admins see it: who holds it and, when it was revoked, by whom and
// why.
type Record struct {
	Certificate
	RevokedBy    string
	RevokeReason string
}

// maxRecent bounds the list of the newest certificates.
const maxRecent = 200

// Record returns any certificate, for admins; a malformed id is not found.
//
// Returns ErrNotAdmin and ErrNotFound.
func (s *Service) Record(ctx context.Context, actor auth.Principal, id string) (Record, error) {
	if !actor.IsAdmin() {
		return Record{}, ErrNotAdmin
	}
	d, err := s.issued(ctx, id)
	if err != nil {
		return Record{}, err
	}
	return Record{Certificate: d.certificate(), RevokedBy: d.RevokedBy, RevokeReason: d.Reason}, nil
}

// Recent lists the newest certificates, at most limit (1–200), for admins.
//
// Returns ErrNotAdmin.
func (s *Service) Recent(ctx context.Context, actor auth.Principal, limit int) ([]Record, error) {
	if !actor.IsAdmin() {
		return nil, ErrNotAdmin
	}
	limit = max(1, min(limit, maxRecent))
	docs, err := s.store.newest(ctx, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Record, len(docs))
	for i, d := range docs {
		out[i] = Record{Certificate: d.certificate(), RevokedBy: d.RevokedBy, RevokeReason: d.Reason}
	}
	return out, nil
}

// IssuedTo tells, for each of users who holds a certificate of a course that is not revoked,
// when the newest of them was issued (any version of the course). Users without one are left
// out. Reports count these.
func (s *Service) IssuedTo(ctx context.Context, slug string, users []string) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	if len(users) == 0 {
		return out, nil
	}
	docs, err := s.store.ofCourse(ctx, slug, users)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		if d.RevokedAt != nil {
			continue
		}
		if t, ok := out[d.User]; !ok || d.IssuedAt.After(t) {
			out[d.User] = d.IssuedAt
		}
	}
	return out, nil
}
