package cohort

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/course"
)

// LearnerRow is one learner's line on the dashboard.
type LearnerRow struct {
	UserID        string
	Name          string
	Email         string
	OrgUnit       string
	Invited       bool // has not accepted her invitation yet
	Percent       int
	State         string
	CurrentModule string
	LastActivity  *time.Time
	CompletedAt   *time.Time // when she completed the course
	Overdue       []string   // modules past their due date and not complete
	AtRisk        bool
	RiskReasons   []string           // inactive, overdue, not_started
	QuizBest      map[string]float64 // quiz id → best scaled score
	Posts         int
	Comments      int
	SkillChange   *float64
	Modules       map[string]string // module → state

	// CertificateIssuedAt is when her newest certificate of the course that is not revoked was
	// issued; nil when she holds none.
	CertificateIssuedAt *time.Time
}

// ModuleCounts are how many learners are where in one module.
type ModuleCounts struct {
	ID         string
	Title      course.Text
	Due        *time.Time
	NotStarted int
	InProgress int
	Completed  int
	Overdue    int
}

// QuizColumn is a quiz of the course, a column of best scores in the report.
type QuizColumn struct {
	ID    string // as in LearnerRow.QuizBest
	Title course.Text
}

// Dashboard is a cohort at a glance.
type Dashboard struct {
	Cohort      Cohort
	CourseTitle course.Text
	Modules     []ModuleCounts
	Quizzes     []QuizColumn // in the course's order
	Learners    []LearnerRow
	// Certificates is how many of the cohort's learners hold a certificate of the course that
	// is not revoked (whatever the query's filter).
	Certificates int
	// Snapshot names the learner data this dashboard was computed from, for DashboardQuery.
	Snapshot string
	Totals   struct {
		Learners, NotStarted, InProgress, Completed, AtRisk int
		AveragePercent                                      int
	}
}

// DashboardQuery filters and sorts learner rows.
type DashboardQuery struct {
	State        string // not_started | in_progress | completed | at_risk
	OrgUnit      string
	Sort         string // name | percent | last_activity | org_unit (prefix - for descending)
	InactiveDays int    // "at risk" after this many days without activity (default 7)
	// Snapshot names the learners' data of an earlier Dashboard of the same cohort
	// (Dashboard.Snapshot): while it is kept (SnapshotTTL), another page, sort or filter of it
	// is computed from the same data instead of reading every learner again, so that paging
	// through 2,000 learners stays quick and rows do not move between pages. Empty or expired:
	// read afresh.
	Snapshot string
}

// SnapshotTTL is how long a dashboard's learner data is kept for its other pages.
const SnapshotTTL = 2 * time.Minute

// dashInputs is what a dashboard reads of every learner; a snapshot keeps it.
type dashInputs struct {
	pub      course.Published
	members  []string
	users    map[string]auth.User
	progress map[string]Summary
	issued   map[string]time.Time
	changes  map[string]float64
}

var sortFields = []string{"name", "percent", "last_activity", "org_unit", "email"}

// Dashboard computes a cohort's dashboard from the learners' progress projections (never from
// the statement log): per module the counts, per learner a row, totals.
func (s *Service) Dashboard(ctx context.Context, actor auth.Principal, id string, q DashboardQuery) (Dashboard, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Dashboard{}, err
	}
	return s.dashboard(ctx, c, q, true)
}

// dashboard computes the dashboard of a cohort whose access was checked (or of every running
// cohort, for automatic reminders); keep keeps its learner data as a snapshot for other pages.
func (s *Service) dashboard(ctx context.Context, c Cohort, q DashboardQuery, keep bool) (Dashboard, error) {
	var f apperr.Fields
	if q.State != "" && !slices.Contains([]string{StateNotStarted, StateInProgress, StateCompleted, "at_risk"}, q.State) {
		f.Add("state", "must be not_started, in_progress, completed or at_risk")
	}
	if q.Sort != "" && !slices.Contains(sortFields, strings.TrimPrefix(q.Sort, "-")) {
		f.Add("sort", "must be one of {values} (prefix - to reverse)", apperr.Params{"values": strings.Join(sortFields, ", ")})
	}
	if q.InactiveDays == 0 {
		q.InactiveDays = 7
	}
	if q.InactiveDays < 1 || q.InactiveDays > 365 {
		f.Add("inactive_days", "must be from 1 to 365")
	}
	if err := f.Err(); err != nil {
		return Dashboard{}, err
	}
	in, snap, err := s.dashboardInputs(ctx, c, q.Snapshot, keep)
	if err != nil {
		return Dashboard{}, err
	}
	pub, members, users, progress, issued, changes := in.pub, in.members, in.users, in.progress, in.issued, in.changes
	dues := map[string]*time.Time{}
	for _, d := range c.Schedule {
		dues[d.Module] = d.Due
	}
	now := s.now()
	d := Dashboard{Cohort: c, CourseTitle: pub.Course.Title, Quizzes: []QuizColumn{}, Snapshot: snap}
	for _, q := range pub.Course.Quizzes {
		d.Quizzes = append(d.Quizzes, QuizColumn{ID: q.ID, Title: q.Title})
	}
	counts := make([]ModuleCounts, len(pub.Course.Modules))
	index := map[string]int{}
	for i, m := range pub.Course.Modules {
		counts[i] = ModuleCounts{ID: m.ID, Title: m.Title, Due: dues[m.ID]}
		index[m.ID] = i
	}
	percentSum := 0
	for _, uid := range members {
		u := users[uid]
		p := progress[uid]
		row := LearnerRow{UserID: uid, Name: u.Name, Email: u.Email, OrgUnit: u.OrgUnit, Invited: u.Pending, Percent: p.Percent, State: p.State,
			LastActivity: p.LastActivity, CompletedAt: p.CompletedAt, QuizBest: p.QuizBest, Posts: p.Posts, Comments: p.Comments, Modules: map[string]string{}}
		if row.QuizBest == nil {
			row.QuizBest = map[string]float64{}
		}
		for _, m := range p.Modules {
			row.Modules[m.ID] = m.State
			i, ok := index[m.ID]
			if !ok {
				continue
			}
			switch m.State {
			case StateNotStarted:
				counts[i].NotStarted++
			case StateInProgress:
				counts[i].InProgress++
			case StateCompleted:
				counts[i].Completed++
			}
			if m.Due != nil && now.After(*m.Due) && m.State != StateCompleted {
				counts[i].Overdue++
				row.Overdue = append(row.Overdue, m.ID)
			}
			if row.CurrentModule == "" && m.State != StateCompleted && !m.Locked {
				row.CurrentModule = m.ID
			}
		}
		if ch, ok := changes[uid]; ok {
			row.SkillChange = &ch
		}
		if at, ok := issued[uid]; ok {
			row.CertificateIssuedAt = &at
			d.Certificates++
		}
		if p.State != StateCompleted {
			switch {
			case p.LastActivity == nil && c.StartsOn != nil && now.After(c.StartsOn.AddDate(0, 0, q.InactiveDays)):
				row.RiskReasons = append(row.RiskReasons, "not_started")
			case p.LastActivity != nil && now.Sub(*p.LastActivity) > time.Duration(q.InactiveDays)*24*time.Hour:
				row.RiskReasons = append(row.RiskReasons, "inactive")
			}
			if len(row.Overdue) > 0 {
				row.RiskReasons = append(row.RiskReasons, "overdue")
			}
		}
		row.AtRisk = len(row.RiskReasons) > 0
		d.Totals.Learners++
		percentSum += p.Percent
		switch p.State {
		case StateInProgress:
			d.Totals.InProgress++
		case StateCompleted:
			d.Totals.Completed++
		default:
			d.Totals.NotStarted++
		}
		if row.AtRisk {
			d.Totals.AtRisk++
		}
		if (q.State == "" || q.State == row.State || (q.State == "at_risk" && row.AtRisk)) && (q.OrgUnit == "" || q.OrgUnit == row.OrgUnit) {
			d.Learners = append(d.Learners, row)
		}
	}
	if d.Totals.Learners > 0 {
		d.Totals.AveragePercent = percentSum / d.Totals.Learners
	}
	d.Modules = counts
	sortRows(d.Learners, q.Sort)
	return d, nil
}

// dashboardInputs reads every learner's data for a cohort's dashboard, or takes it from the
// snapshot named (of this cohort, still kept), and returns the snapshot's name; keep keeps
// what it read as a new snapshot.
func (s *Service) dashboardInputs(ctx context.Context, c Cohort, snapshot string, keep bool) (dashInputs, string, error) {
	if snapshot != "" && len(snapshot) <= 40 {
		if in, ok := s.snapshots.Get(c.ID + "|" + snapshot); ok {
			return in, snapshot, nil
		}
	}
	var in dashInputs
	var err error
	if in.pub, err = s.courses.Published(ctx, c.Course); err != nil {
		return in, "", err
	}
	if in.members, err = s.Members(ctx, c.ID); err != nil {
		return in, "", err
	}
	if in.users, err = s.users.UsersByIDs(ctx, in.members); err != nil {
		return in, "", err
	}
	if in.progress, err = s.progress.Summaries(ctx, c.Course, in.members, c.Schedule); err != nil {
		return in, "", err
	}
	if in.issued, err = s.issuedTo(ctx, c.Course, in.members); err != nil {
		return in, "", err
	}
	in.changes = map[string]float64{}
	if s.skills != nil {
		if in.changes, err = s.skills.SkillChanges(ctx, c.Course, in.members); err != nil {
			return in, "", err
		}
	}
	if !keep {
		return in, "", nil
	}
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	snap := base64.RawURLEncoding.EncodeToString(b)
	s.snapshots.Put(c.ID+"|"+snap, in)
	return in, snap, nil
}

func sortRows(rows []LearnerRow, by string) {
	desc := strings.HasPrefix(by, "-")
	by = strings.TrimPrefix(by, "-")
	less := func(a, b LearnerRow) bool {
		switch by {
		case "percent":
			if a.Percent != b.Percent {
				return a.Percent < b.Percent
			}
		case "last_activity":
			at, bt := time.Time{}, time.Time{}
			if a.LastActivity != nil {
				at = *a.LastActivity
			}
			if b.LastActivity != nil {
				bt = *b.LastActivity
			}
			if !at.Equal(bt) {
				return at.Before(bt)
			}
		case "org_unit":
			if a.OrgUnit != b.OrgUnit {
				return a.OrgUnit < b.OrgUnit
			}
		case "email":
			return a.Email < b.Email
		}
		if a.Name != b.Name {
			return strings.ToLower(a.Name) < strings.ToLower(b.Name)
		}
		return a.UserID < b.UserID
	}
	sort.SliceStable(rows, func(i, j int) bool {
		if desc {
			return less(rows[j], rows[i])
		}
		return less(rows[i], rows[j])
	})
}

// Member returns a cohort and one of its members' account, to the cohort's trainers and
// admins, for a coaching conversation about her progress.
//
// Returns ErrNotFound (also for a cohort the actor does not run) and ErrNotMember.
func (s *Service) Member(ctx context.Context, actor auth.Principal, id, user string) (Cohort, auth.User, error) {
	c, err := s.Get(ctx, actor, id)
	if err != nil {
		return Cohort{}, auth.User{}, err
	}
	member, err := s.IsMember(ctx, user, id)
	if err != nil {
		return Cohort{}, auth.User{}, err
	}
	if !member {
		return Cohort{}, auth.User{}, ErrNotMember
	}
	users, err := s.users.UsersByIDs(ctx, []string{user})
	if err != nil {
		return Cohort{}, auth.User{}, err
	}
	return c, users[user], nil
}

// OrgUnitRow is one organisation unit's completion in a course, across its cohorts.
type OrgUnitRow struct {
	OrgUnit    string
	Learners   int
	NotStarted int
	InProgress int
	Completed  int
}

// CompletionReport summarises, for admins, completion of a course per organisation unit across
// every cohort of it.
func (s *Service) CompletionReport(ctx context.Context, actor auth.Principal, slug, orgUnit string) ([]OrgUnitRow, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return nil, err
	}
	if _, err := s.courses.Published(ctx, slug); err != nil {
		return nil, err
	}
	members, err := s.store.learnersOf(ctx, slug)
	if err != nil {
		return nil, err
	}
	users, err := s.users.UsersByIDs(ctx, members)
	if err != nil {
		return nil, err
	}
	progress, err := s.progress.Summaries(ctx, slug, members, nil)
	if err != nil {
		return nil, err
	}
	by := map[string]*OrgUnitRow{}
	for _, uid := range members {
		ou := users[uid].OrgUnit
		if orgUnit != "" && ou != orgUnit {
			continue
		}
		r := by[ou]
		if r == nil {
			r = &OrgUnitRow{OrgUnit: ou}
			by[ou] = r
		}
		r.Learners++
		switch progress[uid].State {
		case StateCompleted:
			r.Completed++
		case StateInProgress:
			r.InProgress++
		default:
			r.NotStarted++
		}
	}
	out := make([]OrgUnitRow, 0, len(by))
	for _, r := range by {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].OrgUnit < out[j].OrgUnit })
	return out, nil
}

// Reach is whom a trainer reaches in a course through its cohorts: the active members of the
// cohorts of the course she runs (Mine), and those of the other cohorts of it (Others), each
// once and never in both.
type Reach struct {
	Mine, Others []string
}

// Reach returns whom the actor reaches in a course through its cohorts; an admin runs every
// cohort.
//
// Returns auth.ErrForbidden to learners.
func (s *Service) Reach(ctx context.Context, actor auth.Principal, slug string) (Reach, error) {
	if err := auth.RequireTrainer(actor); err != nil {
		return Reach{}, err
	}
	rows, err := s.store.courseEnrolments(ctx, slug)
	if err != nil {
		return Reach{}, err
	}
	runs := map[string]bool{}
	if !actor.IsAdmin() {
		cs, err := s.store.cohortsRunBy(ctx, slug, actor.UserID)
		if err != nil {
			return Reach{}, err
		}
		for _, c := range cs {
			runs[c.ID] = true
		}
	}
	mine := map[string]bool{}
	for _, r := range rows {
		if actor.IsAdmin() || runs[r.Cohort] {
			mine[r.User] = true
		}
	}
	r := Reach{Mine: []string{}, Others: []string{}}
	seen := map[string]bool{}
	for _, row := range rows {
		if seen[row.User] {
			continue
		}
		seen[row.User] = true
		if mine[row.User] {
			r.Mine = append(r.Mine, row.User)
		} else {
			r.Others = append(r.Others, row.User)
		}
	}
	return r, nil
}
