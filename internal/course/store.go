package course

import (
	"context"
	"errors"
	"strconv"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// Course states.
const (
	StatusDraft     = "draft"     // never published
	StatusPublished = "published" // has a current published version
	StatusArchived  = "archived"  // hidden from the catalogue; versions kept
)

// courseDoc is a course. Owners and Editors are its team (user ids); a course stored before
// teams existed has none, and only admins edit it.
type courseDoc struct {
	ID             string    `bson:"_id"` // slug
	Title          Text      `bson:"title"`
	Summary        Text      `bson:"summary,omitempty"`
	Status         string    `bson:"status"`
	Access         string    `bson:"access"`
	CurrentVersion int       `bson:"current_version"`
	Owners         []string  `bson:"owners,omitempty"`
	Editors        []string  `bson:"editors,omitempty"`
	CreatedBy      string    `bson:"created_by"`
	CreatedAt      time.Time `bson:"created_at"`
	UpdatedAt      time.Time `bson:"updated_at"`
}

// versionDoc is a published version (_id slug@N, immutable) or the draft (_id slug@draft).
type versionDoc struct {
	ID          string    `bson:"_id"`
	Slug        string    `bson:"slug"`
	Version     int       `bson:"version"`  // 0 for the draft
	Revision    int       `bson:"revision"` // the draft's edit counter
	Outline     Course    `bson:"outline"`
	ContentHash string    `bson:"content_hash"`
	By          string    `bson:"by"`
	At          time.Time `bson:"at"`
}

func draftID(slug string) string          { return slug + "@draft" }
func versionID(slug string, n int) string { return slug + "@" + strconv.Itoa(n) }
func byID(id string) bson.D               { return bson.D{{Key: "_id", Value: id}} }
func setDoc(fields ...bson.E) bson.D      { return bson.D{{Key: "$set", Value: bson.D(fields)}} }
func field(key string, value any) bson.E  { return bson.E{Key: key, Value: value} }
func gt(key string, value any) bson.E {
	return bson.E{Key: key, Value: bson.D{{Key: "$gt", Value: value}}}
}

type store struct {
	courses, versions *mongo.Collection
}

func newStore(db *mongo.Database) *store {
	return &store{courses: db.Collection("courses"), versions: db.Collection("course_versions")}
}

func (s *store) ensureIndexes(ctx context.Context) error {
	for _, ix := range []struct {
		coll  *mongo.Collection
		model mongo.IndexModel
	}{
		{s.courses, mongo.IndexModel{Keys: bson.D{{Key: "status", Value: 1}}}},
		{s.versions, mongo.IndexModel{Keys: bson.D{{Key: "slug", Value: 1}, {Key: "version", Value: 1}}}},
	} {
		if _, err := ix.coll.Indexes().CreateOne(ctx, ix.model); err != nil {
			return mongox.Err(ctx, ix.coll.Name()+" indexes", err)
		}
	}
	return nil
}

// course loads a course document.
//
// Returns ErrCourseNotFound.
func (s *store) course(ctx context.Context, slug string) (courseDoc, error) {
	var d courseDoc
	err := s.courses.FindOne(ctx, byID(slug)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrCourseNotFound
	}
	return d, mongox.Err(ctx, "load course "+slug, err)
}

// insertCourse stores a new course.
//
// Returns ErrCourseExists.
func (s *store) insertCourse(ctx context.Context, d courseDoc) error {
	_, err := s.courses.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return ErrCourseExists
	}
	return mongox.Err(ctx, "create course "+d.ID, err)
}

// version loads a published version or a draft.
//
// Returns ErrVersionNotFound.
func (s *store) version(ctx context.Context, id string) (versionDoc, error) {
	var d versionDoc
	err := s.versions.FindOne(ctx, byID(id)).Decode(&d)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return d, ErrVersionNotFound
	}
	return d, mongox.Err(ctx, "load course version "+id, err)
}

// insertVersion stores a new version or draft.
//
// Returns errVersionExists.
func (s *store) insertVersion(ctx context.Context, d versionDoc) error {
	_, err := s.versions.InsertOne(ctx, d)
	if mongo.IsDuplicateKeyError(err) {
		return errVersionExists
	}
	return mongox.Err(ctx, "store course version "+d.ID, err)
}

// replaceDraft writes the draft if its revision is still rev (0: no draft yet).
//
// Returns ErrStaleDraft.
func (s *store) replaceDraft(ctx context.Context, d versionDoc, rev int) error {
	if rev == 0 {
		err := s.insertVersion(ctx, d)
		if errors.Is(err, errVersionExists) {
			return ErrStaleDraft
		}
		return err
	}
	res, err := s.versions.ReplaceOne(ctx, bson.D{{Key: "_id", Value: d.ID}, {Key: "revision", Value: rev}}, d)
	if err != nil {
		return mongox.Err(ctx, "save draft "+d.ID, err)
	}
	if res.MatchedCount == 0 {
		return ErrStaleDraft
	}
	return nil
}

// setCurrentVersion moves the course to version n if it is newer than the current one.
func (s *store) setCurrentVersion(ctx context.Context, slug string, n int, title, summary Text, access string, now time.Time) error {
	_, err := s.courses.UpdateOne(ctx, bson.D{{Key: "_id", Value: slug}, {Key: "current_version", Value: bson.D{{Key: "$lt", Value: n}}}},
		setDoc(field("current_version", n), field("status", StatusPublished), field("title", title), field("summary", summary), field("access", access), field("updated_at", now)))
	return mongox.Err(ctx, "publish course "+slug, err)
}

// setStatus sets a course's status.
//
// Returns ErrCourseNotFound.
func (s *store) setStatus(ctx context.Context, slug, status string, now time.Time) error {
	res, err := s.courses.UpdateOne(ctx, byID(slug), setDoc(field("status", status), field("updated_at", now)))
	if err != nil {
		return mongox.Err(ctx, "set course "+slug+" "+status, err)
	}
	if res.MatchedCount == 0 {
		return ErrCourseNotFound
	}
	return nil
}

// setTeam replaces a course's owners and editors.
//
// Returns ErrCourseNotFound.
func (s *store) setTeam(ctx context.Context, slug string, owners, editors []string, now time.Time) error {
	res, err := s.courses.UpdateOne(ctx, byID(slug), setDoc(field("owners", owners), field("editors", editors), field("updated_at", now)))
	if err != nil {
		return mongox.Err(ctx, "set the team of course "+slug, err)
	}
	if res.MatchedCount == 0 {
		return ErrCourseNotFound
	}
	return nil
}

func (s *store) listCourses(ctx context.Context, status, after string, limit int) ([]courseDoc, error) {
	filter := bson.D{}
	if after != "" {
		filter = append(filter, gt("_id", after))
	}
	if status != "" {
		filter = append(filter, field("status", status))
	}
	cur, err := s.courses.Find(ctx, filter, options.Find().SetSort(bson.D{{Key: "_id", Value: 1}}).SetLimit(int64(limit)))
	return mongox.All[courseDoc](ctx, "list courses", cur, err)
}

// versionInfos lists the published versions of a course, newest first, without outlines.
func (s *store) versionInfos(ctx context.Context, slug string) ([]versionDoc, error) {
	cur, err := s.versions.Find(ctx, bson.D{field("slug", slug), gt("version", 0)},
		options.Find().SetSort(bson.D{{Key: "version", Value: -1}}).SetProjection(bson.D{{Key: "outline", Value: 0}}))
	return mongox.All[versionDoc](ctx, "list versions of "+slug, cur, err)
}

// eachVersion calls fn with every stored version and draft, one at a time.
func (s *store) eachVersion(ctx context.Context, fn func(*versionDoc)) error {
	cur, err := s.versions.Find(ctx, bson.D{})
	if err != nil {
		return mongox.Err(ctx, "list versions", err)
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d versionDoc
		if err := cur.Decode(&d); err != nil {
			return mongox.Err(ctx, "read version", err)
		}
		fn(&d)
	}
	return mongox.Err(ctx, "list versions", cur.Err())
}
