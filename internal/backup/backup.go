// Package backup writes and reads Taito's backup archives: a gzip-compressed tar of every
// collection of the database (its documents as canonical Extended JSON, one per line, and its
// index specifications), every object of the media bucket (with its content type) and a manifest.
//
// The archive's members, in order:
//
//	db/<collection>.jsonl          the collection's documents, canonical Extended JSON, one a line
//	db/<collection>.indexes.json   its index specifications (a JSON array, canonical Extended JSON)
//	media/<key>                    each object's bytes; its content type in the PAX record TAITO.content_type
//	manifest.json                  written last: time, Taito version, public URL, collections and counts, objects and sizes
package backup

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"time"

	"github.com/taito-lms/taito/internal/media"
)

// Format is the archive layout's version, written in the manifest.
const Format = 1

const (
	manifestName = "manifest.json"
	dbDir        = "db/"
	mediaDir     = "media/"
	paxType      = "TAITO.content_type"
)

// startup are the collections a fresh Taito fills at its first start (the keys statement and
// certificate ids are derived with): a target with only these is still empty, and the archive's
// documents replace theirs, so ids derived before the backup stay the same.
var startup = map[string]bool{"secrets": true}

// ErrNotEmpty is a restore target that already holds documents or objects.
var ErrNotEmpty = errors.New("the target is not empty")

// Manifest describes an archive.
type Manifest struct {
	Format       int          `json:"format"`
	CreatedAt    time.Time    `json:"created_at"`
	TaitoVersion string       `json:"taito_version"`
	PublicURL    string       `json:"public_url"`
	Database     string       `json:"database"`
	Bucket       string       `json:"bucket,omitempty"`
	Collections  []Collection `json:"collections"`
	Objects      []Object     `json:"objects"`
}

// Collection is one collection of the archive.
type Collection struct {
	Name      string `json:"name"`
	Documents int    `json:"documents"`
	Indexes   int    `json:"indexes"`
}

// Object is one media object of the archive.
type Object struct {
	Key         string `json:"key"`
	Size        int64  `json:"size"`
	ContentType string `json:"content_type,omitempty"`
}

// Info is what the archive says about the Taito that wrote it.
type Info struct {
	TaitoVersion string
	PublicURL    string
	Now          func() time.Time
	// Collected, if set, is called once the collections are copied, before the media objects.
	Collected func()
}

// Write writes the archive of db and storage (nil: no media) to w.
func Write(ctx context.Context, w io.Writer, db *Store, storage *media.Storage, info Info) (Manifest, error) {
	now := time.Now
	if info.Now != nil {
		now = info.Now
	}
	m := Manifest{Format: Format, CreatedAt: now().UTC(), TaitoVersion: info.TaitoVersion, PublicURL: info.PublicURL,
		Database: db.Name(), Collections: []Collection{}, Objects: []Object{}}
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	names, err := db.collections(ctx)
	if err != nil {
		return m, err
	}
	for _, name := range names {
		n, err := writeCollection(ctx, tw, db, name, m.CreatedAt)
		if err != nil {
			return m, fmt.Errorf("collection %s: %w", name, err)
		}
		specs, count, err := db.indexes(ctx, name)
		if err != nil {
			return m, fmt.Errorf("indexes of %s: %w", name, err)
		}
		if err := writeFile(tw, dbDir+name+".indexes.json", specs, m.CreatedAt); err != nil {
			return m, err
		}
		m.Collections = append(m.Collections, Collection{Name: name, Documents: n, Indexes: count})
	}
	if info.Collected != nil {
		info.Collected()
	}
	if storage != nil {
		m.Bucket = storage.Bucket()
		err := listObjects(ctx, storage, func(o Object, r io.Reader) error {
			hdr := &tar.Header{Name: mediaDir + o.Key, Mode: 0o600, Size: o.Size, ModTime: m.CreatedAt, Typeflag: tar.TypeReg,
				Format: tar.FormatPAX, PAXRecords: map[string]string{paxType: o.ContentType}}
			if err := tw.WriteHeader(hdr); err != nil {
				return err
			}
			if _, err := io.Copy(tw, r); err != nil {
				return fmt.Errorf("object %s: %w", o.Key, err)
			}
			m.Objects = append(m.Objects, o)
			return nil
		})
		if err != nil {
			return m, err
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return m, err
	}
	if err := writeFile(tw, manifestName, data, m.CreatedAt); err != nil {
		return m, err
	}
	if err := tw.Close(); err != nil {
		return m, err
	}
	return m, zw.Close()
}

// writeCollection writes the collection's documents, spooled through a temporary file (a tar
// entry needs its size first; a statement log need not fit in memory).
func writeCollection(ctx context.Context, tw *tar.Writer, db *Store, name string, mod time.Time) (int, error) {
	spool, err := os.CreateTemp("", "taito-backup-*.jsonl")
	if err != nil {
		return 0, err
	}
	defer os.Remove(spool.Name())
	defer spool.Close()
	w := bufio.NewWriter(spool)
	n, err := db.dump(ctx, name, func(line []byte) error {
		w.Write(line)
		return w.WriteByte('\n')
	})
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		return n, err
	}
	size, err := spool.Seek(0, io.SeekCurrent)
	if err != nil {
		return n, err
	}
	if _, err := spool.Seek(0, io.SeekStart); err != nil {
		return n, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: dbDir + name + ".jsonl", Mode: 0o600, Size: size, ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return n, err
	}
	_, err = io.Copy(tw, spool)
	return n, err
}

func writeFile(tw *tar.Writer, name string, data []byte, mod time.Time) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: mod, Typeflag: tar.TypeReg, Format: tar.FormatPAX}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// Check reads a whole archive from r and returns its manifest: an archive cut short, or one
// without its manifest, is an error.
func Check(r io.Reader) (Manifest, error) {
	var m Manifest
	zr, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("not a Taito backup (gzip): %w", err)
	}
	tr := tar.NewReader(zr)
	saw := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("read archive: %w", err)
		}
		if hdr.Name == manifestName {
			if err := json.NewDecoder(tr).Decode(&m); err != nil {
				return m, fmt.Errorf("manifest: %w", err)
			}
			saw = true
		}
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return m, fmt.Errorf("read archive: %w", err)
	}
	if !saw {
		return m, errors.New("archive has no manifest.json: incomplete or not a Taito backup")
	}
	return m, nil
}

// Empty reports ErrNotEmpty (naming what it found) when db has a document in any collection or
// storage (nil: none) has any object.
func Empty(ctx context.Context, db *Store, storage *media.Storage) error {
	names, err := db.collections(ctx)
	if err != nil {
		return err
	}
	for _, name := range names {
		if startup[name] {
			continue
		}
		n, err := db.count(ctx, name)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("%w: database %s has %d documents in collection %s", ErrNotEmpty, db.Name(), n, name)
		}
	}
	if storage != nil {
		if key, err := firstObject(ctx, storage); err != nil {
			return err
		} else if key != "" {
			return fmt.Errorf("%w: bucket %s has objects (%s)", ErrNotEmpty, storage.Bucket(), key)
		}
	}
	return nil
}

// Read restores the archive r into db and storage (nil: media are skipped), which must be
// empty, and returns its manifest. Collections get their documents and indexes back; the caller
// rebuilds projections afterwards.
func Read(ctx context.Context, r io.Reader, db *Store, storage *media.Storage) (Manifest, error) {
	var m Manifest
	if err := Empty(ctx, db, storage); err != nil {
		return m, err
	}
	zr, err := gzip.NewReader(r)
	if err != nil {
		return m, fmt.Errorf("not a Taito backup (gzip): %w", err)
	}
	tr := tar.NewReader(zr)
	sawManifest := false
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return m, fmt.Errorf("read archive: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := hdr.Name
		switch {
		case name == dbDir+RecordsCollection+".jsonl" || name == dbDir+RecordsCollection+".indexes.json":
			// Records of another installation's backups are not this one's (see RecordsCollection).
			continue
		case name == manifestName:
			if err := json.NewDecoder(tr).Decode(&m); err != nil {
				return m, fmt.Errorf("manifest: %w", err)
			}
			if m.Format != Format {
				return m, fmt.Errorf("archive format %d; this Taito reads format %d", m.Format, Format)
			}
			sawManifest = true
		case strings.HasPrefix(name, dbDir) && strings.HasSuffix(name, ".indexes.json"):
			coll := strings.TrimSuffix(strings.TrimPrefix(name, dbDir), ".indexes.json")
			data, err := io.ReadAll(tr)
			if err != nil {
				return m, err
			}
			if err := db.createIndexes(ctx, coll, data); err != nil {
				return m, fmt.Errorf("indexes of %s: %w", coll, err)
			}
		case strings.HasPrefix(name, dbDir) && strings.HasSuffix(name, ".jsonl"):
			coll := strings.TrimSuffix(strings.TrimPrefix(name, dbDir), ".jsonl")
			if err := db.load(ctx, coll, tr, startup[coll]); err != nil {
				return m, fmt.Errorf("collection %s: %w", coll, err)
			}
		case strings.HasPrefix(name, mediaDir):
			if storage == nil {
				continue
			}
			key := strings.TrimPrefix(name, mediaDir)
			if key == "" || path.Clean(key) != key {
				return m, fmt.Errorf("archive: bad object key %q", key)
			}
			if err := putObject(ctx, storage, key, tr, hdr.Size, hdr.PAXRecords[paxType]); err != nil {
				return m, fmt.Errorf("object %s: %w", key, err)
			}
		}
	}
	if !sawManifest {
		return m, errors.New("archive has no manifest.json: incomplete or not a Taito backup")
	}
	return m, nil
}
