package embedded_test

import (
	"context"
	"database/sql"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/embedded"
)

// TestIndexIDsMakesLookupsByIDUseAnIndex checks that after IndexIDs SQLite plans FerretDB's
// own lookup by _id with the new index rather than a scan of the table, once per collection,
// and that documents are found, updated and deleted by _id as before.
func TestIndexIDsMakesLookupsByIDUseAnIndex(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "db")
	ctx := context.Background()
	m, err := embedded.StartMongo(ctx, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close(10 * time.Second)
	client, err := mongo.Connect(options.Client().ApplyURI(m.URI()))
	if err != nil {
		t.Fatal(err)
	}
	defer client.Disconnect(ctx)
	db := client.Database("idx")
	for _, coll := range []string{"a", "b"} {
		docs := make([]any, 200)
		for i := range docs {
			docs[i] = bson.D{{Key: "_id", Value: coll + string(rune('A'+i%26)) + strings.Repeat("x", i/26)}, {Key: "n", Value: i}}
		}
		if _, err := db.Collection(coll).InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
	}
	plan := func() string {
		sdb, err := sql.Open("sqlite", "file:"+filepath.Join(dir, "idx.sqlite")+"?mode=ro")
		if err != nil {
			t.Fatal(err)
		}
		defer sdb.Close()
		var table string
		if err := sdb.QueryRow(`SELECT table_name FROM _ferretdb_collections WHERE name = 'a'`).Scan(&table); err != nil {
			t.Fatal(err)
		}
		rows, err := sdb.Query(`EXPLAIN QUERY PLAN SELECT _ferretdb_sjson FROM "`+table+`" WHERE _ferretdb_sjson->'$._id' = ?`, `"aB"`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			out = append(out, detail)
		}
		return strings.Join(out, "; ")
	}
	if p := plan(); !strings.Contains(p, "SCAN") {
		t.Fatalf("before: plan %q; expected FerretDB's lookup to scan (has FerretDB changed?)", p)
	}
	n, err := embedded.IndexIDs(ctx, dir, "idx")
	if err != nil || n != 2 {
		t.Fatalf("IndexIDs = %d, %v; want 2 new indexes", n, err)
	}
	if p := plan(); !strings.Contains(p, "_taito_id") {
		t.Errorf("after: plan %q does not use the new index", p)
	}
	if n, err := m.IndexIDs(ctx, "idx"); err != nil || n != 0 {
		t.Errorf("second IndexIDs = %d, %v; want 0", n, err)
	}
	a := db.Collection("a")
	var got struct{ N int }
	if err := a.FindOne(ctx, bson.D{{Key: "_id", Value: "aB"}}).Decode(&got); err != nil || got.N != 1 {
		t.Errorf("find by _id: %+v %v", got, err)
	}
	if res, err := a.UpdateOne(ctx, bson.D{{Key: "_id", Value: "aB"}}, bson.D{{Key: "$set", Value: bson.D{{Key: "n", Value: 7}}}}); err != nil || res.ModifiedCount != 1 {
		t.Errorf("update by _id: %+v %v", res, err)
	}
	if res, err := a.DeleteOne(ctx, bson.D{{Key: "_id", Value: "aC"}}); err != nil || res.DeletedCount != 1 {
		t.Errorf("delete by _id: %+v %v", res, err)
	}
	if _, err := a.InsertOne(ctx, bson.D{{Key: "_id", Value: "aB"}}); !mongo.IsDuplicateKeyError(err) {
		t.Errorf("a second aB: %v, want a duplicate key error", err)
	}
	if err := db.Drop(ctx); err != nil {
		t.Errorf("drop a database with the extra indexes: %v", err)
	}
}
