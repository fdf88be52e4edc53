package learning

import (
	"context"
	"errors"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/mongox"
)

// The progress projections: one document per learner and course (Facts), keyed by
// progressID, changed only by the update documents updateDoc makes. FerretDB finds a document
// by _id without a scan only when _id is the whole filter, so every write on the hot path
// filters by _id alone unless it must name a revision.

func progressID(user, slug string) string { return user + ":" + slug }

// errNoProjection is a learner who has no projection in a course: she has not started it.
var errNoProjection = apperr.New(apperr.KindNotFound, "no progress in this course")

// updateDoc is the update document of u: $min, $max and $set of u's fields, the learner and
// course when it creates the document, and rev as the projection's new revision.
func updateDoc(u *update, user, course, rev string) bson.D {
	d := bson.D{{Key: "$setOnInsert", Value: bson.D{{Key: "user", Value: user}, {Key: "course", Value: course}}}}
	if len(u.min) > 0 {
		d = append(d, bson.E{Key: "$min", Value: fieldsDoc(u.min)})
	}
	if len(u.max) > 0 {
		d = append(d, bson.E{Key: "$max", Value: fieldsDoc(u.max)})
	}
	d = append(d, bson.E{Key: "$set", Value: append(fieldsDoc(u.set), bson.E{Key: "rev", Value: rev})})
	return d
}

func fieldsDoc(fs []field) bson.D {
	d := make(bson.D, len(fs), len(fs)+1)
	for i, f := range fs {
		d[i] = bson.E{Key: f.path, Value: f.value}
	}
	return d
}

// projection returns one projection; errNoProjection when there is none.
func (s *store) projection(ctx context.Context, id string) (*Facts, error) {
	var f Facts
	err := s.progress.FindOne(ctx, bson.D{{Key: "_id", Value: id}}).Decode(&f)
	if errors.Is(err, mongo.ErrNoDocuments) {
		return nil, errNoProjection
	}
	if err != nil {
		return nil, mongox.Err(ctx, "load progress "+id, err)
	}
	return &f, nil
}

// projectionsIn returns the projections in a course of the learners in want, by user id. It
// reads the course's projections in one query on the indexed course field and decodes only
// the wanted ones (FactsOf says why not _id $in).
func (s *store) projectionsIn(ctx context.Context, slug string, want map[string]bool) (map[string]*Facts, error) {
	doing := "load progress in " + slug
	cur, err := s.progress.Find(ctx, bson.D{{Key: "course", Value: slug}})
	if err != nil {
		return nil, mongox.Err(ctx, doing, err)
	}
	defer cur.Close(ctx)
	out := map[string]*Facts{}
	for cur.Next(ctx) {
		var user struct {
			User string `bson:"user"`
		}
		if err := cur.Decode(&user); err != nil {
			return nil, mongox.Err(ctx, doing, err)
		}
		if !want[user.User] {
			continue
		}
		var f Facts
		if err := cur.Decode(&f); err != nil {
			return nil, mongox.Err(ctx, doing, err)
		}
		out[f.User] = &f
	}
	if err := cur.Err(); err != nil {
		return nil, mongox.Err(ctx, doing, err)
	}
	return out, nil
}

// projectionsOf returns up to limit of a learner's projections, in no particular order.
func (s *store) projectionsOf(ctx context.Context, user string, limit int) ([]Facts, error) {
	cur, err := s.progress.Find(ctx, bson.D{{Key: "user", Value: user}}, options.Find().SetLimit(int64(limit)))
	return mongox.All[Facts](ctx, "list the courses of "+user, cur, err)
}

// startedIn returns which of the courses slugs a learner has a projection in, by _id.
func (s *store) startedIn(ctx context.Context, user string, slugs []string) ([]string, error) {
	ids := make([]string, len(slugs))
	for i, sl := range slugs {
		ids[i] = progressID(user, sl)
	}
	cur, err := s.progress.Find(ctx, bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: ids}}}},
		options.Find().SetProjection(bson.D{{Key: "course", Value: 1}}))
	rows, err := mongox.All[struct {
		Course string `bson:"course"`
	}](ctx, "load enrolments", cur, err)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Course
	}
	return out, nil
}

// updateProjection applies u to an existing projection and sets its revision to rev. With ifRev
// the write is made only while the stored revision is ifRev; matched says whether it was made.
func (s *store) updateProjection(ctx context.Context, user, slug string, u *update, rev, ifRev string) (matched bool, err error) {
	filter := bson.D{{Key: "_id", Value: progressID(user, slug)}}
	if ifRev != "" {
		filter = append(filter, bson.E{Key: "rev", Value: ifRev})
	}
	res, err := s.progress.UpdateOne(ctx, filter, updateDoc(u, user, slug, rev))
	if err != nil {
		return false, mongox.Err(ctx, "update progress of "+user+" in "+slug, err)
	}
	return res.MatchedCount == 1, nil
}

// createProjection applies u to a learner's projection, creating it if there is none; created
// says whether it did. A projection another writer created at the same moment can make it fail
// with mongox.ErrDuplicate.
func (s *store) createProjection(ctx context.Context, user, slug string, u *update, rev string) (created bool, err error) {
	res, err := s.progress.UpdateOne(ctx, bson.D{{Key: "_id", Value: progressID(user, slug)}}, updateDoc(u, user, slug, rev),
		options.UpdateOne().SetUpsert(true))
	if err != nil {
		return false, mongox.Err(ctx, "update progress of "+user+" in "+slug, err)
	}
	return res.UpsertedCount == 1, nil
}

// applyProjection applies u to a learner's projection unconditionally, creating it if need be.
func (s *store) applyProjection(ctx context.Context, user, slug string, u *update, rev string) error {
	_, err := s.createProjection(ctx, user, slug, u, rev)
	if errors.Is(err, mongox.ErrDuplicate) {
		// Two first statements of a learner raced to create her projection; it exists now.
		_, err = s.createProjection(ctx, user, slug, u, rev)
	}
	return err
}

// deleteProjection removes a learner's projection in a course, if there is one.
func (s *store) deleteProjection(ctx context.Context, id string) error {
	_, err := s.progress.DeleteOne(ctx, bson.D{{Key: "_id", Value: id}})
	return mongox.Err(ctx, "clear progress "+id, err)
}
