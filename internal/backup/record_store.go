package backup

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// RecordsCollection keeps a record of every backup written whole. The records describe this
// installation's backups, not its data: archives leave the collection out and a restore target
// holding only records is still empty, so a restored installation never shows the backup it
// came from (or an older one) as its own last backup; it shows none until its first.
const RecordsCollection = "backups"

// Record is one backup archive that was written whole and checked.
type Record struct {
	ID          string    `bson:"_id"`
	At          time.Time `bson:"at"`          // when the archive was finished
	File        string    `bson:"file"`        // the archive's base name, never a path
	Bytes       int64     `bson:"bytes"`       // the archive's size
	Collections int       `bson:"collections"` // collections in it
	Documents   int       `bson:"documents"`   // documents in them
	Objects     int       `bson:"objects"`     // media objects in it
	Via         string    `bson:"via"`         // ViaServer or ViaDirect
}

// How a backup was taken.
const (
	// ViaServer: the running server wrote it, its group commit paused.
	ViaServer = "server"
	// ViaDirect: the command read the database itself.
	ViaDirect = "direct"
)

// AddRecord stores the record of a backup.
func (s *Store) AddRecord(ctx context.Context, r Record) error {
	if _, err := s.db.Collection(RecordsCollection).InsertOne(ctx, r); err != nil {
		return fmt.Errorf("record the backup %s: %w", r.File, err)
	}
	return nil
}

// LastRecord returns the latest backup's record; ok is false when none was taken.
func (s *Store) LastRecord(ctx context.Context) (r Record, ok bool, err error) {
	err = s.db.Collection(RecordsCollection).FindOne(ctx, bson.D{},
		options.FindOne().SetSort(bson.D{{Key: "at", Value: -1}, {Key: "_id", Value: -1}})).Decode(&r)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return Record{}, false, nil
	}
	if err != nil {
		return Record{}, false, fmt.Errorf("read the last backup's record: %w", err)
	}
	return r, true, nil
}
