package learning

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
)

// prepare fills in the server's fields of a statement and returns its log document.
func (s *Service) prepare(user, slug string, e *Entry, now time.Time, system bool) (statementDoc, error) {
	st := &e.Statement
	st.Stored = now.Format(time.RFC3339Nano)
	if st.Timestamp == "" {
		st.Timestamp = st.Time().Format(time.RFC3339Nano)
	}
	st.Version = XAPIVersion
	st.Authority = &Agent{ObjectType: "Agent", Name: "Taito", Account: &Account{HomePage: s.publicURL, Name: "taito"}}
	raw, err := json.Marshal(st)
	if err != nil {
		return statementDoc{}, fmt.Errorf("encode statement: %w", err)
	}
	return statementDoc{ID: st.ID, User: user, Course: slug, Verb: VerbName(st.Verb.ID), Object: st.Object.ID,
		Timestamp: st.Time(), Stored: now, Hash: e.Hash, System: system, JSON: string(raw)}, nil
}

// duplicate handles a statement whose id is in the log already: the same content is a
// duplicate (its stored form replaces the entry's, so the projection update is identical),
// other content is ErrConflict.
func (s *Service) duplicate(ctx context.Context, user string, e *Entry) error {
	var prev statementDoc
	if err := s.statements.FindOne(ctx, bson.D{{Key: "_id", Value: e.Statement.ID}}).Decode(&prev); err != nil {
		return fmt.Errorf("load statement %s: %w", e.Statement.ID, err)
	}
	if prev.Hash != e.Hash || prev.User != user {
		return ErrConflict
	}
	st, err := prev.statement()
	if err != nil {
		return err
	}
	e.Statement = st
	return nil
}

// commit writes a request's statements with one InsertMany and applies them to the learner's
// projections with one update per course, merged from the statements' own updates. Both are
// idempotent, so a failure part-way is healed by the client's retry with the same ids.
func (s *Service) commit(ctx context.Context, user string, targets []target, es []*Entry, now time.Time) ([]bool, error) {
	dups := make([]bool, len(es))
	docs := make([]any, len(es))
	for i, e := range es {
		d, err := s.prepare(user, targets[i].slug, e, now, false)
		if err != nil {
			return nil, err
		}
		docs[i] = d
	}
	_, err := s.statements.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err != nil {
		var bwe mongo.BulkWriteException
		if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
			return nil, fmt.Errorf("store statements: %w", err)
		}
		for _, we := range bwe.WriteErrors {
			if we.Code != 11000 || we.Index < 0 || we.Index >= len(es) {
				return nil, fmt.Errorf("store statements: %w", err)
			}
			if err := s.duplicate(ctx, user, es[we.Index]); err != nil {
				return nil, err
			}
			dups[we.Index] = true
		}
	}
	merged := map[string]*update{}
	var order []string
	for i, e := range es {
		u := s.updateFor(targets[i], &e.Statement)
		slug := targets[i].slug
		if m, ok := merged[slug]; ok {
			m.merge(u)
		} else {
			merged[slug] = u
			order = append(order, slug)
		}
	}
	for _, slug := range order {
		if err := s.applyUpdate(ctx, user, slug, merged[slug]); err != nil {
			return nil, err
		}
	}
	return dups, nil
}

// merge folds another statement's update into u, keeping for each field what applying both
// one after the other would leave: the smaller of two $min values, the larger of two $max
// values, and the later $set (values keyed by statement or attempt id, so equal when keys are).
func (u *update) merge(o *update) {
	u.min = mergeFields(u.min, o.min, func(a, b any) bool { return less(b, a) })
	u.max = mergeFields(u.max, o.max, func(a, b any) bool { return less(a, b) })
	u.set = mergeFields(u.set, o.set, func(a, b any) bool { return true })
}

// mergeFields adds b's fields to a; for a field in both, replace(old, new) says whether new wins.
func mergeFields(a, b bson.D, replace func(old, new any) bool) bson.D {
	for _, e := range b {
		found := false
		for i := range a {
			if a[i].Key == e.Key {
				found = true
				if replace(a[i].Value, e.Value) {
					a[i].Value = e.Value
				}
				break
			}
		}
		if !found {
			a = append(a, e)
		}
	}
	return a
}

// less orders the values Taito's projection updates use: times, strings and integers.
func less(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Before(y)
	case string:
		y, ok := b.(string)
		return ok && x < y
	case int:
		y, ok := b.(int)
		return ok && x < y
	}
	return false
}
