package app

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/outbox"
)

// Status is the state of the installation as an admin's status page shows it.
type Status struct {
	Version   string    // "" when the process did not say (see SetRunInfo)
	StartedAt time.Time // zero when the process did not say
	Now       time.Time
	Outbox    outbox.Backlog
	// LastBackup is the latest backup's record, nil when none was taken.
	LastBackup *BackupRecord
	Stores     []StoreHealth
	// CatchUp is how many group-commit batches still wait for their projection writes, nil
	// where the database keeps no such markers.
	CatchUp *int
}

// StoreHealth is one store's answer to a probe.
type StoreHealth struct {
	Name    string // mongodb, s3
	OK      bool
	Latency time.Duration // how long the probe took
	Error   string        // why it failed, in plain words; "" when OK
}

// BackupMaxAge is how old the latest backup may be before the status page warns.
const BackupMaxAge = 48 * time.Hour

// BackupOverdue reports whether the status should warn about backups: none taken, or the
// latest older than BackupMaxAge.
func (s Status) BackupOverdue() bool {
	return s.LastBackup == nil || s.Now.Sub(s.LastBackup.At) > BackupMaxAge
}

// Healthy reports whether every store answered.
func (s Status) Healthy() bool {
	for _, h := range s.Stores {
		if !h.OK {
			return false
		}
	}
	return true
}

// runInfo is what the serving process says about itself.
type runInfo struct {
	version string
	started time.Time
}

// SetRunInfo tells Taito its version and when the serving process started, for the status page.
// Call it before serving.
func (a *App) SetRunInfo(version string, started time.Time) {
	a.run.version, a.run.started = version, started
}

// statusProbeTimeout bounds each store's probe.
const statusProbeTimeout = 2 * time.Second

// Status reads the outbox's backlog, the latest backup, the catch-up backlog and probes every
// store (in parallel, two seconds each), for admins. A store that does not answer is reported,
// not an error; the outbox and the backup's record are read from the database, so an
// unreachable database is an error (apperr unavailable).
//
// Returns auth.ErrForbidden.
func (a *App) Status(ctx context.Context, actor auth.Principal) (Status, error) {
	if err := auth.RequireAdmin(actor); err != nil {
		return Status{}, err
	}
	st := Status{Version: a.run.version, StartedAt: a.run.started, Now: a.now()}
	st.Stores = a.probeStores(ctx)
	var err error
	if st.Outbox, err = a.Outbox.Backlog(ctx); err != nil {
		return st, fmt.Errorf("outbox backlog: %w", err)
	}
	last, ok, err := a.LastBackup(ctx)
	if err != nil {
		return st, err
	}
	if ok {
		st.LastBackup = &last
	}
	n, ok, err := a.catchUpBacklog(ctx)
	if err != nil {
		return st, err
	}
	if ok {
		st.CatchUp = &n
	}
	return st, nil
}

// storeChecks are the probes of the stores: those Open connected to (as /readyz uses), or, for
// an App built by New, a ping of its database and a check of its bucket.
func (a *App) storeChecks() []Check {
	if checks := a.Checks(); checks != nil {
		return checks
	}
	checks := []Check{{Name: "mongodb", Ping: a.pingDatabase}}
	if a.storage != nil {
		checks = append(checks, Check{Name: "s3", Ping: a.storage.Ping})
	}
	return checks
}

// probeStores runs every store's probe at once and times it.
func (a *App) probeStores(ctx context.Context) []StoreHealth {
	checks := a.storeChecks()
	out := make([]StoreHealth, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pctx, cancel := context.WithTimeout(ctx, statusProbeTimeout)
			defer cancel()
			start := time.Now()
			err := c.Ping(pctx)
			h := StoreHealth{Name: c.Name, OK: err == nil, Latency: time.Since(start)}
			if err != nil {
				h.Error = "unreachable or not answering"
				if pctx.Err() != nil {
					h.Error = "no answer within " + statusProbeTimeout.String()
				}
				a.log.Warn("status: a store did not answer", "store", c.Name, "err", err)
			}
			out[i] = h
		}()
	}
	wg.Wait()
	return out
}
