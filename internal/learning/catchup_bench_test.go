package learning_test

import (
	"context"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/event"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/outbox"
	"github.com/taito-lms/taito/internal/testenv"
)

// BenchmarkIngest records one statement per request from 16 clients at once, each its own
// learner, through the group commit: the cost of the log, the projections and the batch
// markers that let them catch up after a crash. It reports statements per second, statements
// per flush (one InsertMany into the log) and the writes of markers per flush.
func BenchmarkIngest(b *testing.B) {
	db, courses, _ := setup(b)
	var mu sync.Mutex
	seen := map[string]int{}
	mon := &event.CommandMonitor{Started: func(_ context.Context, e *event.CommandStartedEvent) {
		coll, _ := e.Command.Lookup(e.CommandName).StringValueOK()
		mu.Lock()
		seen[e.CommandName+" "+coll]++
		mu.Unlock()
	}}
	client, err := mongo.Connect(options.Client().ApplyURI(testenv.MongoURI(b)).SetMonitor(mon))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = client.Disconnect(context.Background()) })
	d := client.Database(db.Name())
	svc := learning.NewService(d, courses, outbox.New(d, time.Now), nil, issuer, false, time.Now, quiet)
	ctx := context.Background()
	var next atomic.Int64
	b.SetParallelism(max(1, 16/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		user := "bench-" + uuid.NewString()
		r := rand.New(rand.NewPCG(uint64(next.Add(1)), 1))
		for pb.Next() {
			if _, err := svc.Record(ctx, learner(user), randomStatements(r, user, 1)); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "statements/s")
	mu.Lock()
	defer mu.Unlock()
	if flushes := seen["insert statements"]; flushes > 0 {
		markers := seen["update statement_batches"] + seen["delete statement_batches"]
		b.ReportMetric(float64(b.N)/float64(flushes), "statements/flush")
		b.ReportMetric(float64(markers)/float64(flushes), "marker-writes/flush")
	}
}
