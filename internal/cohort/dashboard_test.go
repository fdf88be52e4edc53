package cohort_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
)

// dashboardCohort is a cohort that started at t0, alku due on day 10 and harjoitus open from
// day 7 and due on day 20, with three learners by name: Aino (Joensuu) viewed the first lesson
// at t0, Celia (Kuopio) on day 6, Bertta (Joensuu) never.
func dashboardCohort(t *testing.T, w *world) (cohort.Cohort, map[string]auth.User) {
	t.Helper()
	people := map[string]auth.User{
		"Aino":   w.mustUser(t, auth.NewUser{Email: "aino@example.fi", Name: "Aino", OrgUnit: "Joensuu"}),
		"Bertta": w.mustUser(t, auth.NewUser{Email: "bertta@example.fi", Name: "Bertta", OrgUnit: "Joensuu"}),
		"Celia":  w.mustUser(t, auth.NewUser{Email: "celia@example.fi", Name: "Celia", OrgUnit: "Kuopio"}),
	}
	c := w.mustCohort(t, cohort.NewCohort{StartsOn: at(0), Schedule: []cohort.ModuleDates{
		{Module: "alku", Due: at(days(10))}, {Module: "harjoitus", Opens: at(days(7)), Due: at(days(20))}}},
		people["Aino"], people["Bertta"], people["Celia"])
	w.mustView(t, people["Aino"], "tervetuloa")
	w.clock.Set(t0.Add(days(6)))
	w.mustView(t, people["Celia"], "tervetuloa")
	return c, people
}

func TestDashboard(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, people := dashboardCohort(t, w)
	type row struct {
		Name    string
		State   string
		Reasons []string
		Overdue []string
	}
	type counts struct{ NotStarted, InProgress, Completed, Overdue int }
	tests := []struct {
		name    string
		now     time.Duration // since t0
		query   cohort.DashboardQuery
		rows    []row
		modules map[string]counts
		atRisk  int
	}{
		{name: "day 6: nobody at risk", now: days(6),
			rows:    []row{{"Aino", "in_progress", nil, nil}, {"Bertta", "not_started", nil, nil}, {"Celia", "in_progress", nil, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}},
		{name: "day 8: inactive and not started", now: days(8),
			rows:    []row{{"Aino", "in_progress", []string{"inactive"}, nil}, {"Bertta", "not_started", []string{"not_started"}, nil}, {"Celia", "in_progress", nil, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}, atRisk: 2},
		{name: "day 8, inactive after a day", now: days(8), query: cohort.DashboardQuery{InactiveDays: 1},
			rows: []row{{"Aino", "in_progress", []string{"inactive"}, nil}, {"Bertta", "not_started", []string{"not_started"}, nil},
				{"Celia", "in_progress", []string{"inactive"}, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}, atRisk: 3},
		{name: "day 11: alku overdue", now: days(11),
			rows: []row{{"Aino", "in_progress", []string{"inactive", "overdue"}, []string{"alku"}}, {"Bertta", "not_started", []string{"not_started", "overdue"}, []string{"alku"}},
				{"Celia", "in_progress", []string{"overdue"}, []string{"alku"}}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2, Overdue: 3}, "harjoitus": {NotStarted: 3}}, atRisk: 3},
		{name: "day 8, at risk only", now: days(8), query: cohort.DashboardQuery{State: "at_risk"},
			rows:    []row{{"Aino", "in_progress", []string{"inactive"}, nil}, {"Bertta", "not_started", []string{"not_started"}, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}, atRisk: 2},
		{name: "in progress in Kuopio", now: days(6), query: cohort.DashboardQuery{State: "in_progress", OrgUnit: "Kuopio"},
			rows:    []row{{"Celia", "in_progress", nil, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}},
		{name: "by name, descending", now: days(6), query: cohort.DashboardQuery{Sort: "-name"},
			rows:    []row{{"Celia", "in_progress", nil, nil}, {"Bertta", "not_started", nil, nil}, {"Aino", "in_progress", nil, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}},
		{name: "by last activity", now: days(6), query: cohort.DashboardQuery{Sort: "last_activity"},
			rows:    []row{{"Bertta", "not_started", nil, nil}, {"Aino", "in_progress", nil, nil}, {"Celia", "in_progress", nil, nil}},
			modules: map[string]counts{"alku": {NotStarted: 1, InProgress: 2}, "harjoitus": {NotStarted: 3}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w.clock.Set(t0.Add(tt.now))
			d, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, tt.query)
			if err != nil {
				t.Fatal(err)
			}
			var rows []row
			for _, r := range d.Learners {
				if r.AtRisk != (len(r.RiskReasons) > 0) || r.UserID != people[r.Name].ID || r.OrgUnit != people[r.Name].OrgUnit {
					t.Errorf("row %+v", r)
				}
				rows = append(rows, row{r.Name, r.State, r.RiskReasons, r.Overdue})
			}
			if diff := cmp.Diff(tt.rows, rows); diff != "" {
				t.Errorf("learners (-want +got):\n%s", diff)
			}
			modules := map[string]counts{}
			for _, m := range d.Modules {
				modules[m.ID] = counts{m.NotStarted, m.InProgress, m.Completed, m.Overdue}
			}
			if diff := cmp.Diff(tt.modules, modules); diff != "" {
				t.Errorf("modules (-want +got):\n%s", diff)
			}
			if d.Totals.Learners != 3 || d.Totals.NotStarted != 1 || d.Totals.InProgress != 2 || d.Totals.AtRisk != tt.atRisk {
				t.Errorf("totals %+v, want 3 learners, 1 not started, 2 in progress, %d at risk", d.Totals, tt.atRisk)
			}
		})
	}
}

// TestTrainerViews asks for a cohort's dashboard and a member's page as people in every role.
func TestTrainerViews(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	aino, outsider := w.learner(t, "aino"), w.learner(t, "ulkopuolinen")
	c := w.mustCohort(t, cohort.NewCohort{}, aino)
	t.Run("dashboard", func(t *testing.T) {
		tests := []struct {
			name   string
			actor  auth.Principal
			query  cohort.DashboardQuery
			err    error
			fields []string
		}{
			{name: "its trainer", actor: w.trainer, query: cohort.DashboardQuery{State: "completed", Sort: "-percent", InactiveDays: 365}},
			{name: "an admin", actor: w.admin, query: cohort.DashboardQuery{Sort: "org_unit"}},
			{name: "another trainer", actor: w.trainer2, err: cohort.ErrNotFound},
			{name: "a member", actor: as(aino), err: cohort.ErrNotFound},
			{name: "unknown state", actor: w.trainer, query: cohort.DashboardQuery{State: "stuck"}, fields: []string{"state"}},
			{name: "unknown sort", actor: w.trainer, query: cohort.DashboardQuery{Sort: "-height"}, fields: []string{"sort"}},
			{name: "inactive too long", actor: w.trainer, query: cohort.DashboardQuery{InactiveDays: 366}, fields: []string{"inactive_days"}},
			{name: "all of them", actor: w.trainer, query: cohort.DashboardQuery{State: "x", Sort: "y", InactiveDays: -1},
				fields: []string{"state", "sort", "inactive_days"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				d, err := w.a.Cohorts.Dashboard(ctx, tt.actor, c.ID, tt.query)
				checkErr(t, err, tt.err, tt.fields)
				if err == nil && (d.Cohort.ID != c.ID || d.Totals.Learners != 1) {
					t.Errorf("dashboard of %s with %d learners", d.Cohort.ID, d.Totals.Learners)
				}
			})
		}
	})
	t.Run("member", func(t *testing.T) {
		tests := []struct {
			name  string
			actor auth.Principal
			user  auth.User
			err   error
		}{
			{name: "its trainer", actor: w.trainer, user: aino},
			{name: "an admin", actor: w.admin, user: aino},
			{name: "not a member", actor: w.trainer, user: outsider, err: cohort.ErrNotMember},
			{name: "another trainer", actor: w.trainer2, user: aino, err: cohort.ErrNotFound},
			{name: "the member herself", actor: as(aino), user: aino, err: cohort.ErrNotFound},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, u, err := w.a.Cohorts.Member(ctx, tt.actor, c.ID, tt.user.ID)
				checkErr(t, err, tt.err, nil)
				if err == nil && (got.ID != c.ID || u.ID != tt.user.ID || u.Email != tt.user.Email) {
					t.Errorf("cohort %s, user %+v", got.ID, u)
				}
			})
		}
	})
}

// TestDashboardSnapshots: the other pages of a dashboard reuse its learner data while the
// snapshot is kept — the same rows even after a learner moves on — and a dashboard asked for
// without a snapshot (or with an expired or another cohort's one) reads afresh.
func TestDashboardSnapshots(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c, people := dashboardCohort(t, w)
	first, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, cohort.DashboardQuery{})
	if err != nil || first.Snapshot == "" {
		t.Fatalf("first page: snapshot %q, %v", first.Snapshot, err)
	}
	stateOf := func(d cohort.Dashboard, name string) string {
		for _, r := range d.Learners {
			if r.Name == name {
				return r.State
			}
		}
		return ""
	}
	if got := stateOf(first, "Bertta"); got != "not_started" {
		t.Fatalf("Bertta %q before she starts", got)
	}
	w.mustView(t, people["Bertta"], "tervetuloa")
	again, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, cohort.DashboardQuery{Snapshot: first.Snapshot, Sort: "-name"})
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(again, "Bertta"); got != "not_started" || again.Snapshot != first.Snapshot || again.Learners[0].Name != "Celia" {
		t.Errorf("with the snapshot: Bertta %q, snapshot %q, first row %q; want the snapshot's data, sorted anew", got, again.Snapshot, again.Learners[0].Name)
	}
	for name, q := range map[string]cohort.DashboardQuery{"no snapshot": {}, "unknown snapshot": {Snapshot: "made-up"}} {
		fresh, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, q)
		if err != nil {
			t.Fatal(err)
		}
		if got := stateOf(fresh, "Bertta"); got != "in_progress" || fresh.Snapshot == first.Snapshot {
			t.Errorf("%s: Bertta %q, snapshot %q; want fresh data and a new snapshot", name, got, fresh.Snapshot)
		}
	}
	w.clock.Advance(cohort.SnapshotTTL + time.Second)
	expired, err := w.a.Cohorts.Dashboard(ctx, w.trainer, c.ID, cohort.DashboardQuery{Snapshot: first.Snapshot})
	if err != nil {
		t.Fatal(err)
	}
	if got := stateOf(expired, "Bertta"); got != "in_progress" {
		t.Errorf("after the snapshot expired: Bertta %q, want in_progress", got)
	}
}
