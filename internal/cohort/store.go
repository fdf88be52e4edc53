package cohort

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// Collection names.
const (
	cohortsColl     = "cohorts"
	enrolmentsColl  = "enrolments"
	membershipsColl = "memberships" // course:user → the learner's active cohort in the course
)

// Enrolment states.
const (
	enrolmentActive  = "active"
	enrolmentRemoved = "removed"
)

type cohortDoc struct {
	ID               string        `bson:"_id"`
	Course           string        `bson:"course"`
	Name             string        `bson:"name"`
	Trainers         []string      `bson:"trainers"`
	StartsOn         *time.Time    `bson:"starts_on,omitempty"`
	EndsOn           *time.Time    `bson:"ends_on,omitempty"`
	Schedule         []scheduleDoc `bson:"schedule"`
	Status           string        `bson:"status"`
	JoinCode         string        `bson:"join_code,omitempty"`
	AutoReminderDays int           `bson:"auto_reminder_days,omitempty"`
	CreatedBy        string        `bson:"created_by"`
	CreatedAt        time.Time     `bson:"created_at"`
}

type scheduleDoc struct {
	Module string     `bson:"module"`
	Opens  *time.Time `bson:"opens,omitempty"`
	Due    *time.Time `bson:"due,omitempty"`
}

type enrolmentDoc struct {
	ID         string    `bson:"_id"` // cohort:user
	Cohort     string    `bson:"cohort"`
	User       string    `bson:"user"`
	Course     string    `bson:"course"`
	Status     string    `bson:"status"` // active | removed
	EnrolledAt time.Time `bson:"enrolled_at"`
}

type membershipDoc struct {
	ID     string    `bson:"_id"` // course:user
	Cohort string    `bson:"cohort"`
	At     time.Time `bson:"at"`
}

func enrolmentID(cohort, user string) string { return cohort + ":" + user }

func membershipID(course, user string) string { return course + ":" + user }

func newCohortDoc(c Cohort) cohortDoc {
	return cohortDoc{ID: c.ID, Course: c.Course, Name: c.Name, Trainers: c.Trainers, StartsOn: c.StartsOn, EndsOn: c.EndsOn, Schedule: scheduleDocs(c.Schedule),
		Status: c.Status, JoinCode: c.JoinCode, AutoReminderDays: c.AutoReminderDays, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt}
}

// cohort is the stored cohort with its status as it is at now (see Cohort.statusAt).
func (d cohortDoc) cohort(now time.Time) Cohort {
	c := Cohort{ID: d.ID, Course: d.Course, Name: d.Name, Trainers: d.Trainers, StartsOn: d.StartsOn, EndsOn: d.EndsOn, Status: d.Status, JoinCode: d.JoinCode,
		AutoReminderDays: d.AutoReminderDays, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
	if d.Schedule != nil {
		c.Schedule = make([]ModuleDates, len(d.Schedule))
		for i, s := range d.Schedule {
			c.Schedule[i] = ModuleDates(s)
		}
	}
	c.Status = c.statusAt(now)
	return c
}

// scheduleDocs keeps a nil schedule nil, as it was stored before the document types.
func scheduleDocs(sched []ModuleDates) []scheduleDoc {
	if sched == nil {
		return nil
	}
	out := make([]scheduleDoc, len(sched))
	for i, d := range sched {
		out[i] = scheduleDoc(d)
	}
	return out
}

// store keeps cohorts, their enrolments and the learners' memberships in MongoDB.
type store struct {
	cohorts, enrolments, memberships *mongo.Collection
	now                              func() time.Time // the moment a cohort's status is read at
}

func newStore(db *mongo.Database, now func() time.Time) *store {
	return &store{cohorts: db.Collection(cohortsColl), enrolments: db.Collection(enrolmentsColl), memberships: db.Collection(membershipsColl), now: now}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	indexes := []struct {
		coll *mongo.Collection
		keys bson.D
	}{
		{s.cohorts, bson.D{{Key: "join_code", Value: 1}}},
		{s.cohorts, bson.D{{Key: "trainers", Value: 1}}},
		{s.enrolments, bson.D{{Key: "user", Value: 1}, {Key: "course", Value: 1}}},
		{s.enrolments, bson.D{{Key: "cohort", Value: 1}}},
		{s.memberships, bson.D{{Key: "cohort", Value: 1}}},
	}
	// One at a time: FerretDB 1.24 drops the connection when CreateMany meets existing indexes.
	for _, ix := range indexes {
		if _, err := ix.coll.Indexes().CreateOne(ctx, mongo.IndexModel{Keys: ix.keys}); err != nil {
			return mongox.Err(ctx, ix.coll.Name()+" indexes", err)
		}
	}
	return nil
}

func byID(id string) bson.D { return bson.D{{Key: "_id", Value: id}} }

func inIDs(ids []string) bson.E { return bson.E{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}} }

func activeEnrolment(cohort, user string) bson.D {
	return bson.D{{Key: "_id", Value: enrolmentID(cohort, user)}, {Key: "status", Value: enrolmentActive}}
}

func (s *store) insertCohort(ctx context.Context, c Cohort) error {
	_, err := s.cohorts.InsertOne(ctx, newCohortDoc(c))
	return mongox.Err(ctx, "create cohort", err)
}

// cohort returns ErrNotFound for an id that names no cohort.
func (s *store) cohort(ctx context.Context, id string) (Cohort, error) {
	return s.findCohort(ctx, "load cohort", byID(id))
}

// cohortByCode returns ErrNotFound when no cohort has the join code.
func (s *store) cohortByCode(ctx context.Context, code string) (Cohort, error) {
	return s.findCohort(ctx, "find cohort by code", bson.D{{Key: "join_code", Value: code}})
}

func (s *store) findCohort(ctx context.Context, doing string, filter bson.D) (Cohort, error) {
	var d cohortDoc
	err := s.cohorts.FindOne(ctx, filter).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Cohort{}, ErrNotFound
	}
	if err != nil {
		return Cohort{}, mongox.Err(ctx, doing, err)
	}
	return d.cohort(s.now()), nil
}

// cohortsOf lists the newest 500 cohorts that trainer runs (trainer "": every cohort).
func (s *store) cohortsOf(ctx context.Context, trainer string) ([]Cohort, error) {
	filter := bson.D{}
	if trainer != "" {
		filter = bson.D{{Key: "trainers", Value: trainer}}
	}
	return s.findCohorts(ctx, "list cohorts", filter, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}).SetLimit(500))
}

// remindingCohorts lists the running cohorts that remind their members automatically: those
// not closed by a trainer are read, and those whose dates do not make them running left out.
func (s *store) remindingCohorts(ctx context.Context) ([]Cohort, error) {
	list, err := s.findCohorts(ctx, "list reminding cohorts",
		bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: StatusClosed}}}, {Key: "auto_reminder_days", Value: bson.D{{Key: "$gt", Value: 0}}}})
	return slices.DeleteFunc(list, func(c Cohort) bool { return c.Status != StatusRunning }), err
}

func (s *store) findCohorts(ctx context.Context, doing string, filter bson.D, opts ...options.Lister[options.FindOptions]) ([]Cohort, error) {
	cur, err := s.cohorts.Find(ctx, filter, opts...)
	docs, err := mongox.All[cohortDoc](ctx, doing, cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]Cohort, len(docs))
	now := s.now()
	for i, d := range docs {
		out[i] = d.cohort(now)
	}
	return out, nil
}

// updateCohort sets the patch's non-nil fields and returns the cohort as it is after; ErrNotFound
// when the cohort is gone.
func (s *store) updateCohort(ctx context.Context, id string, p Patch) (Cohort, error) {
	set := bson.D{}
	if p.Name != nil {
		set = append(set, bson.E{Key: "name", Value: *p.Name})
	}
	if p.Status != nil {
		set = append(set, bson.E{Key: "status", Value: *p.Status})
	}
	if p.Schedule != nil {
		set = append(set, bson.E{Key: "schedule", Value: scheduleDocs(*p.Schedule)})
	}
	if p.Trainers != nil {
		set = append(set, bson.E{Key: "trainers", Value: *p.Trainers})
	}
	if p.StartsOn != nil {
		set = append(set, bson.E{Key: "starts_on", Value: *p.StartsOn})
	}
	if p.EndsOn != nil {
		set = append(set, bson.E{Key: "ends_on", Value: *p.EndsOn})
	}
	if p.AutoReminderDays != nil {
		set = append(set, bson.E{Key: "auto_reminder_days", Value: *p.AutoReminderDays})
	}
	var d cohortDoc
	err := s.cohorts.FindOneAndUpdate(ctx, byID(id), bson.D{{Key: "$set", Value: set}},
		options.FindOneAndUpdate().SetReturnDocument(options.After)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Cohort{}, ErrNotFound
	}
	if err != nil {
		return Cohort{}, mongox.Err(ctx, "update cohort", err)
	}
	return d.cohort(s.now()), nil
}

// insertEnrolments makes users active members of c in one write and returns the indexes of
// those who have an enrolment in it already (active or removed).
func (s *store) insertEnrolments(ctx context.Context, c Cohort, users []string, now time.Time) ([]int, error) {
	docs := make([]any, len(users))
	for i, u := range users {
		docs[i] = enrolmentDoc{ID: enrolmentID(c.ID, u), Cohort: c.ID, User: u, Course: c.Course, Status: enrolmentActive, EnrolledAt: now}
	}
	dups, err := mongox.InsertAll(ctx, s.enrolments, docs) // translated already
	if err != nil {
		return nil, fmt.Errorf("enrol: %w", err)
	}
	return dups, nil
}

// reactivateEnrolments makes those of the users whose enrolment in the cohort was removed active
// members again, and returns them.
func (s *store) reactivateEnrolments(ctx context.Context, cohort string, users []string, now time.Time) (map[string]bool, error) {
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = enrolmentID(cohort, u)
	}
	notActive := bson.D{inIDs(ids), {Key: "status", Value: bson.D{{Key: "$ne", Value: enrolmentActive}}}}
	cur, err := s.enrolments.Find(ctx, notActive, options.Find().SetProjection(bson.D{{Key: "user", Value: 1}}))
	former, err := mongox.All[enrolmentDoc](ctx, "find former members", cur, err)
	if err != nil {
		return nil, err
	}
	back := make(map[string]bool, len(former))
	for _, f := range former {
		back[f.User] = true
	}
	if len(back) > 0 {
		_, err := s.enrolments.UpdateMany(ctx, notActive,
			bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: enrolmentActive}, {Key: "enrolled_at", Value: now}}}})
		if err != nil {
			return nil, mongox.Err(ctx, "re-enrol former members", err)
		}
	}
	return back, nil
}

// endEnrolment marks an active enrolment removed; ErrNotMember when there is none.
func (s *store) endEnrolment(ctx context.Context, cohort, user string) error {
	res, err := s.enrolments.UpdateOne(ctx, activeEnrolment(cohort, user), bson.D{{Key: "$set", Value: bson.D{{Key: "status", Value: enrolmentRemoved}}}})
	if err != nil {
		return mongox.Err(ctx, "remove member", err)
	}
	if res.MatchedCount == 0 {
		return ErrNotMember
	}
	return nil
}

// isActive reports whether the user is an active member of the cohort.
func (s *store) isActive(ctx context.Context, cohort, user string) (bool, error) {
	err := s.enrolments.FindOne(ctx, activeEnrolment(cohort, user)).Err()
	if errors.Is(err, mongo.ErrNoDocuments) {
		return false, nil
	}
	return err == nil, mongox.Err(ctx, "check membership", err)
}

// members returns the user ids of a cohort's active members.
func (s *store) members(ctx context.Context, cohort string) ([]string, error) {
	return s.activeUsers(ctx, "list members", bson.D{{Key: "cohort", Value: cohort}, {Key: "status", Value: enrolmentActive}})
}

// learnersOf returns the user ids of every active member of every cohort of a course, each once.
func (s *store) learnersOf(ctx context.Context, slug string) ([]string, error) {
	return s.activeUsers(ctx, "list the course's learners", bson.D{{Key: "course", Value: slug}, {Key: "status", Value: enrolmentActive}})
}

func (s *store) activeUsers(ctx context.Context, doing string, filter bson.D) ([]string, error) {
	cur, err := s.enrolments.Find(ctx, filter)
	rows, err := mongox.All[enrolmentDoc](ctx, doing, cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rows))
	seen := make(map[string]bool, len(rows))
	for _, r := range rows {
		if !seen[r.User] {
			seen[r.User] = true
			out = append(out, r.User)
		}
	}
	return out, nil
}

// membership returns the learner's active cohort in a course, or "".
func (s *store) membership(ctx context.Context, slug, user string) (string, error) {
	var m membershipDoc
	err := s.memberships.FindOne(ctx, byID(membershipID(slug, user))).Decode(&m)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return "", nil
	}
	if err != nil {
		return "", mongox.Err(ctx, "find cohort", err)
	}
	return m.Cohort, nil
}

// membershipsOf returns, of the users, each one's active cohort in a course; users without one
// are left out.
func (s *store) membershipsOf(ctx context.Context, slug string, users []string) (map[string]string, error) {
	if len(users) == 0 {
		return map[string]string{}, nil
	}
	ids := make([]string, len(users))
	for i, u := range users {
		ids[i] = membershipID(slug, u)
	}
	cur, err := s.memberships.Find(ctx, bson.D{inIDs(ids)})
	docs, err := mongox.All[membershipDoc](ctx, "find memberships", cur, err)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(docs))
	for _, d := range docs {
		out[strings.TrimPrefix(d.ID, slug+":")] = d.Cohort
	}
	return out, nil
}

// claimMemberships makes c the users' cohort in its course: new memberships in one write, and
// memberships in the cohorts from (those the caller may take members from) moved to c. It
// returns the users whose membership is in another cohort still, because it was there or moved
// there meanwhile.
func (s *store) claimMemberships(ctx context.Context, c Cohort, users, from []string, now time.Time) ([]string, error) {
	docs := make([]any, len(users))
	for i, u := range users {
		docs[i] = membershipDoc{ID: membershipID(c.Course, u), Cohort: c.ID, At: now}
	}
	dups, err := mongox.InsertAll(ctx, s.memberships, docs) // translated already
	if err != nil {
		return nil, fmt.Errorf("record membership: %w", err)
	}
	if len(dups) == 0 {
		return nil, nil
	}
	had := make([]string, len(dups))
	ids := make([]string, len(dups))
	for k, i := range dups {
		had[k], ids[k] = users[i], membershipID(c.Course, users[i])
	}
	if len(from) > 0 {
		err = rewrite(ctx, s.memberships, "move membership", bson.D{inIDs(ids), {Key: "cohort", Value: bson.D{{Key: "$in", Value: from}}}},
			func(d *membershipDoc) (string, *membershipDoc) { d.Cohort, d.At = c.ID, now; return d.ID, d })
		if err != nil {
			return nil, err
		}
	}
	held, err := s.membershipsOf(ctx, c.Course, had)
	if err != nil {
		return nil, err
	}
	var elsewhere []string
	for _, u := range had {
		if held[u] != c.ID {
			elsewhere = append(elsewhere, u)
		}
	}
	return elsewhere, nil
}

// endEnrolments marks the users' active enrolments in cohorts removed; enrolments names each as
// cohort and user.
func (s *store) endEnrolments(ctx context.Context, enrolments [][2]string) error {
	if len(enrolments) == 0 {
		return nil
	}
	ids := make([]string, len(enrolments))
	for i, e := range enrolments {
		ids[i] = enrolmentID(e[0], e[1])
	}
	return rewrite(ctx, s.enrolments, "end former enrolments", bson.D{inIDs(ids), {Key: "status", Value: enrolmentActive}},
		func(d *enrolmentDoc) (string, *enrolmentDoc) { d.Status = enrolmentRemoved; return d.ID, d })
}

// rewrite changes every document filter selects by reading them, deleting them and inserting
// the changed copies, where one updateMany would do on MongoDB: FerretDB 1.24 updates many
// documents one at a time (about 1.8 s for 1,000 on two cores, measured) but deletes and
// inserts them in bulk (about 50 ms), and moving a whole organisation between cohorts must fit
// in a request. Between the delete and the insert a reader may briefly find none of them; a
// document written again meanwhile by someone else wins (its insert comes first), which the
// callers re-read for.
func rewrite[T any](ctx context.Context, coll *mongo.Collection, doing string, filter bson.D, change func(*T) (string, *T)) error {
	cur, err := coll.Find(ctx, filter)
	docs, err := mongox.All[T](ctx, doing, cur, err)
	if err != nil || len(docs) == 0 {
		return err
	}
	ids := make([]string, len(docs))
	changed := make([]any, len(docs))
	for i := range docs {
		var d *T
		ids[i], d = change(&docs[i])
		changed[i] = d
	}
	// Only the documents read, and only while they still match (filter may hold _id too).
	if _, err := coll.DeleteMany(ctx, bson.D{{Key: "$and", Value: bson.A{bson.D{inIDs(ids)}, filter}}}); err != nil {
		return mongox.Err(ctx, doing, err)
	}
	_, err = mongox.InsertAll(ctx, coll, changed)
	return err
}

// courseEnrolments returns the active enrolments in every cohort of a course.
func (s *store) courseEnrolments(ctx context.Context, slug string) ([]enrolmentDoc, error) {
	cur, err := s.enrolments.Find(ctx, bson.D{{Key: "course", Value: slug}, {Key: "status", Value: enrolmentActive}})
	return mongox.All[enrolmentDoc](ctx, "list the course's enrolments", cur, err)
}

// cohortsRunBy lists the cohorts of a course that trainer runs.
func (s *store) cohortsRunBy(ctx context.Context, slug, trainer string) ([]Cohort, error) {
	return s.findCohorts(ctx, "list a trainer's cohorts of a course", bson.D{{Key: "course", Value: slug}, {Key: "trainers", Value: trainer}})
}

// deleteMembership ends the learner's membership in a course if it is the cohort's.
func (s *store) deleteMembership(ctx context.Context, c Cohort, user string) error {
	_, err := s.memberships.DeleteOne(ctx, bson.D{{Key: "_id", Value: membershipID(c.Course, user)}, {Key: "cohort", Value: c.ID}})
	return mongox.Err(ctx, "remove membership", err)
}

// cohortsWith lists the cohorts the user is an active member of.
func (s *store) cohortsWith(ctx context.Context, user string) ([]Cohort, error) {
	cur, err := s.enrolments.Find(ctx, bson.D{{Key: "user", Value: user}, {Key: "status", Value: enrolmentActive}})
	rows, err := mongox.All[enrolmentDoc](ctx, "list the learner's enrolments", cur, err)
	if err != nil || len(rows) == 0 {
		return nil, err
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.Cohort
	}
	return s.findCohorts(ctx, "list the learner's cohorts", bson.D{inIDs(ids)}, options.Find().SetSort(bson.D{{Key: "created_at", Value: -1}}))
}
