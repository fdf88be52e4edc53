package backup

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/minio/minio-go/v7"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/media"
)

// Store reads and writes whole collections of a database for backups.
type Store struct {
	db        *mongo.Database
	transient map[string]bool
}

// NewStore returns the backup store over db.
// transient names collections of short-lived bookkeeping (markers, leases) that archives leave
// out: a restore rebuilds what they serve.
func NewStore(db *mongo.Database, transient ...string) *Store {
	s := &Store{db: db, transient: map[string]bool{}}
	for _, n := range transient {
		s.transient[n] = true
	}
	return s
}

// Name is the database's name.
func (s *Store) Name() string { return s.db.Name() }

// collections are the database's collections, sorted, without system collections, the
// records of backups and the transient ones.
func (s *Store) collections(ctx context.Context) ([]string, error) {
	names, err := s.db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		return nil, err
	}
	out := names[:0]
	for _, n := range names {
		// The records of backups are the installation's, not its data (see RecordsCollection).
		if !strings.HasPrefix(n, "system.") && n != RecordsCollection && !s.transient[n] {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out, nil
}

func (s *Store) count(ctx context.Context, name string) (int64, error) {
	return s.db.Collection(name).CountDocuments(ctx, bson.D{})
}

// dump calls fn with every document of the collection as canonical Extended JSON, in _id order.
func (s *Store) dump(ctx context.Context, name string, fn func([]byte) error) (int, error) {
	cur, err := s.db.Collection(name).Find(ctx, bson.D{})
	if err != nil {
		return 0, err
	}
	defer cur.Close(ctx)
	n := 0
	for cur.Next(ctx) {
		line, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return n, err
		}
		if err := fn(line); err != nil {
			return n, err
		}
		n++
	}
	return n, cur.Err()
}

// indexes returns the collection's index specifications (without the _id index) as a JSON
// array of canonical Extended JSON, and how many there are.
func (s *Store) indexes(ctx context.Context, name string) ([]byte, int, error) {
	cur, err := s.db.Collection(name).Indexes().List(ctx)
	if err != nil {
		return nil, 0, err
	}
	defer cur.Close(ctx)
	var specs []json.RawMessage
	for cur.Next(ctx) {
		if n, _ := cur.Current.Lookup("name").StringValueOK(); n == "_id_" {
			continue
		}
		line, err := bson.MarshalExtJSON(cur.Current, true, false)
		if err != nil {
			return nil, 0, err
		}
		specs = append(specs, line)
	}
	if err := cur.Err(); err != nil {
		return nil, 0, err
	}
	if specs == nil {
		specs = []json.RawMessage{}
	}
	data, err := json.MarshalIndent(specs, "", "  ")
	return data, len(specs), err
}

// createIndexes creates the indexes an archive lists for the collection.
func (s *Store) createIndexes(ctx context.Context, name string, data []byte) error {
	var specs []json.RawMessage
	if err := json.Unmarshal(data, &specs); err != nil {
		return err
	}
	if len(specs) == 0 {
		return nil
	}
	// Indexes the target made at its start are kept; the rest are created one at a time (the
	// embedded FerretDB does not take several that exist already in one command).
	have := map[string]bool{}
	cur, err := s.db.Collection(name).Indexes().List(ctx)
	if err != nil {
		return err
	}
	for cur.Next(ctx) {
		if n, ok := cur.Current.Lookup("name").StringValueOK(); ok {
			have[n] = true
		}
	}
	if err := cur.Err(); err != nil {
		return err
	}
	cur.Close(ctx)
	for _, raw := range specs {
		var spec bson.D
		if err := bson.UnmarshalExtJSON(raw, true, &spec); err != nil {
			return err
		}
		kept := bson.D{}
		for _, e := range spec {
			if e.Key == "name" {
				if n, _ := e.Value.(string); have[n] {
					kept = nil
					break
				}
			}
			if e.Key != "v" && e.Key != "ns" {
				kept = append(kept, e)
			}
		}
		if kept == nil {
			continue
		}
		if err := s.db.RunCommand(ctx, bson.D{{Key: "createIndexes", Value: name}, {Key: "indexes", Value: bson.A{kept}}}).Err(); err != nil {
			return err
		}
	}
	return nil
}

// load inserts the collection's documents, canonical Extended JSON one a line, in batches; with
// replace, each replaces the document with its _id instead.
func (s *Store) load(ctx context.Context, name string, r io.Reader, replace bool) error {
	coll := s.db.Collection(name)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 64<<20)
	var batch []any
	size := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, err := coll.InsertMany(ctx, batch)
		batch, size = nil, 0
		return err
	}
	line := 0
	for sc.Scan() {
		line++
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var doc bson.Raw
		if err := bson.UnmarshalExtJSON(text, true, &doc); err != nil {
			return fmt.Errorf("line %d: %w", line, err)
		}
		if replace {
			if _, err := coll.ReplaceOne(ctx, bson.D{{Key: "_id", Value: doc.Lookup("_id")}}, doc, options.Replace().SetUpsert(true)); err != nil {
				return err
			}
			continue
		}
		batch = append(batch, doc)
		size += len(doc)
		if len(batch) >= 500 || size >= 8<<20 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if err := flush(); err != nil {
		return err
	}
	// An empty collection is still recreated, so its indexes have a home.
	if line == 0 {
		var ce mongo.CommandError
		if err := s.db.CreateCollection(ctx, name); err != nil && !(errors.As(err, &ce) && ce.Code == 48) { // NamespaceExists
			return err
		}
	}
	return nil
}

// listObjects calls fn with every object of the bucket and its bytes.
func listObjects(ctx context.Context, st *media.Storage, fn func(Object, io.Reader) error) error {
	c := st.Client()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for info := range c.ListObjects(ctx, st.Bucket(), minio.ListObjectsOptions{Recursive: true}) {
		if info.Err != nil {
			return fmt.Errorf("s3 list: %w", info.Err)
		}
		obj, err := c.GetObject(ctx, st.Bucket(), info.Key, minio.GetObjectOptions{})
		if err != nil {
			return fmt.Errorf("s3 get %s: %w", info.Key, err)
		}
		stat, err := obj.Stat()
		if err != nil {
			obj.Close()
			return fmt.Errorf("s3 stat %s: %w", info.Key, err)
		}
		err = fn(Object{Key: info.Key, Size: stat.Size, ContentType: stat.ContentType}, io.LimitReader(obj, stat.Size))
		obj.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func firstObject(ctx context.Context, st *media.Storage) (string, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for info := range st.Client().ListObjects(ctx, st.Bucket(), minio.ListObjectsOptions{Recursive: true, MaxKeys: 1}) {
		if info.Err != nil {
			return "", fmt.Errorf("s3 list: %w", info.Err)
		}
		return info.Key, nil
	}
	return "", nil
}

func putObject(ctx context.Context, st *media.Storage, key string, r io.Reader, size int64, contentType string) error {
	_, err := st.Client().PutObject(ctx, st.Bucket(), key, r, size, minio.PutObjectOptions{ContentType: contentType})
	return err
}
