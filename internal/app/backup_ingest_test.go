package app_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/cohort"
	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/media"
	"github.com/taito-lms/taito/internal/testenv"
)

// TestBackupDuringIngest: learners keep posting statements from several goroutines, and a
// trainer keeps adding media, while the server's backup (the group commit paused while the
// collections are copied) runs; the archive restored into an empty database and bucket is
// consistent: every statement acknowledged before the backup began is in it, the projections
// it holds equal a rebuild from the log it holds, every collection has the documents the
// manifest counts, and every media record has its object.
func TestBackupDuringIngest(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, _, _ := newTaito(t)

	// The pilot: accounts, the course (with its media), a cohort of learners.
	add := func(email string, role auth.Role) auth.Principal {
		u, _, err := a.AddUser(ctx, auth.NewUser{Email: email, Name: email[:6], Roles: []auth.Role{role}, Locale: "fi", Password: "pitkä salasana 2026"})
		if err != nil {
			t.Fatal(err)
		}
		return auth.Principal{UserID: u.ID, Roles: u.Roles}
	}
	add("admin@example.fi", auth.RoleAdmin)
	trainer := add("kouluttaja@example.fi", auth.RoleTrainer)
	testenv.PublishFixture(t, a)
	c, err := a.Cohorts.Create(ctx, trainer, cohort.NewCohort{Course: "kokeilu", Name: "Syksy 2026"})
	if err != nil {
		t.Fatal(err)
	}
	const learners = 6
	var people []auth.Principal
	var emails []string
	for i := range learners {
		email := fmt.Sprintf("oppija%d@example.fi", i)
		people = append(people, add(email, auth.RoleLearner))
		emails = append(emails, email)
	}
	if _, err := a.Cohorts.AddMembers(ctx, trainer, c.ID, emails, nil, nil); err != nil {
		t.Fatal(err)
	}

	// Ingest: each learner posts statements one request at a time until told to stop; each
	// acknowledged statement is kept with the moment its request returned.
	type ack struct {
		id string
		at time.Time
	}
	var (
		mu    sync.Mutex
		acked []ack
		wg    sync.WaitGroup
		fails []error
	)
	stop := make(chan struct{})
	lessons := []string{"tervetuloa"} // the others are locked until it is done
	for i, p := range people {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				e := viewed(p.UserID, lessons[(i+n)%len(lessons)])
				st := e.Statement
				rctx, cancel := context.WithTimeout(ctx, 20*time.Second)
				_, err := a.Learning.Record(rctx, p, []learning.Entry{e})
				cancel()
				mu.Lock()
				if err != nil {
					fails = append(fails, err)
				} else {
					acked = append(acked, ack{st.ID, time.Now()})
				}
				mu.Unlock()
			}
		}()
	}
	// Media keep arriving too: each object is stored before its record names it.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			select {
			case <-stop:
				return
			default:
			}
			if _, _, err := a.Media.PutAsset(ctx, fmt.Sprintf("kuva-%d.png", n), tinyPNG(t, n), trainer.UserID); err != nil {
				mu.Lock()
				fails = append(fails, err)
				mu.Unlock()
			}
			time.Sleep(20 * time.Millisecond)
		}
	}()
	ackedSoFar := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	for deadline := time.Now().Add(10 * time.Second); ackedSoFar() < 60 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}

	var archive bytes.Buffer
	began := time.Now()
	m, err := a.BackupPaused(ctx, &archive, "test")
	ended := time.Now()
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond) // ingest goes on after the backup
	close(stop)
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("%d requests failed during the backup, the first: %v", len(fails), fails[0])
	}
	var before, during []string
	for _, k := range acked {
		switch {
		case k.at.Before(began):
			before = append(before, k.id)
		case k.at.Before(ended):
			during = append(during, k.id)
		}
	}
	t.Logf("statements acknowledged: %d before the backup, %d during it (%s), %d in all; archive %d bytes, %d objects",
		len(before), len(during), ended.Sub(began).Round(time.Millisecond), len(acked), archive.Len(), len(m.Objects))
	if len(before) == 0 {
		t.Fatal("no statement was acknowledged before the backup")
	}

	b, db2, st2 := newTaito(t)
	if _, err := b.Restore(ctx, bytes.NewReader(archive.Bytes())); err != nil {
		t.Fatal(err)
	}

	// Every statement acknowledged before the backup began is in the restored log.
	ids := bson.A{}
	for _, id := range before {
		ids = append(ids, id)
	}
	if n := count(t, db2, "statements", bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}}); n != int64(len(before)) {
		t.Errorf("the restored log has %d of the %d statements acknowledged before the backup", n, len(before))
	}
	// The projections in the archive are the ones a rebuild from its log gives (Restore rebuilt
	// them): the pause copied log and projections at one point.
	archived := archivedDocs(t, archive.Bytes(), "progress")
	rebuilt := allProjections(t, db2)
	if len(archived) != len(rebuilt) || len(archived) < learners {
		t.Fatalf("%d projections in the archive, %d rebuilt", len(archived), len(rebuilt))
	}
	byID := map[any]bson.M{}
	for _, p := range rebuilt {
		byID[p["_id"]] = p
	}
	for _, p := range archived {
		delete(p, "rev")
		if !sameDoc(p, byID[p["_id"]]) {
			t.Errorf("projection %v in the archive differs from the rebuild from its log:\n%v\n%v", p["_id"], p, byID[p["_id"]])
		}
	}
	// Every collection has what the manifest counts.
	for _, coll := range m.Collections {
		if n := count(t, db2, coll.Name, bson.D{}); n != int64(coll.Documents) {
			t.Errorf("collection %s: %d documents restored, the manifest says %d", coll.Name, n, coll.Documents)
		}
	}
	// Every media record has its object.
	items := mediaKeys(t, db2)
	if len(items) == 0 {
		t.Fatal("no media records restored")
	}
	for _, key := range items {
		if _, err := st2.Client().StatObject(ctx, st2.Bucket(), key, minio.StatObjectOptions{}); err != nil {
			t.Errorf("media record of %s without its object: %v", key, err)
		}
	}
}

// tinyPNG is a 1×1 image of a colour of its own for each n.
func tinyPNG(t *testing.T, n int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 1, 1))
	img.Set(0, 0, color.RGBA{R: uint8(n), G: uint8(n >> 8), B: uint8(n >> 16), A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Error(err)
	}
	return buf.Bytes()
}

// archivedDocs are a collection's documents as the archive holds them.
func archivedDocs(t *testing.T, archive []byte, coll string) []bson.M {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(archive))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			t.Fatalf("no %s in the archive", coll)
		}
		if err != nil {
			t.Fatal(err)
		}
		if hdr.Name != "db/"+coll+".jsonl" {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		var out []bson.M
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var m bson.M
			if err := bson.UnmarshalExtJSON([]byte(line), true, &m); err != nil {
				t.Fatal(err)
			}
			out = append(out, m)
		}
		return out
	}
}

// mediaKeys are the object keys the media records name.
func mediaKeys(t *testing.T, db *mongo.Database) []string {
	t.Helper()
	ctx := context.Background()
	cur, err := db.Collection("media").Find(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var items []media.Item
	if err := cur.All(ctx, &items); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, len(items))
	for i, it := range items {
		keys[i] = it.Key
	}
	return keys
}
