// Package mongox holds what every store shares over the MongoDB driver: the translation of
// driver errors into apperr kinds at the source, and small write patterns.
//
// Only stores use it; nothing above a store sees a driver error or type.
package mongox

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver/topology"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/metrics"
)

// Err translates a driver error into what the layers above a store understand: nil stays nil;
// a database that cannot be reached becomes apperr.KindUnavailable (503 with Retry-After); the
// request's own deadline passing becomes apperr.KindTimeout; a duplicate key becomes
// ErrDuplicate (wrapped, so errors.Is works). Anything else is returned as it is, wrapped with
// what was being done. mongo.ErrNoDocuments is for the store itself to turn into its own
// not-found error before calling Err.
//
// Every driver error is counted by the kind it becomes (internal/metrics' store errors); an
// error that is an apperr already was counted where it was translated.
func Err(ctx context.Context, doing string, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()) || errors.Is(err, context.DeadlineExceeded) && ctx.Err() != nil:
		metrics.StoreError(apperr.KindTimeout)
		return apperr.Timeout(doing, err)
	case Unreachable(err):
		metrics.StoreError(apperr.KindUnavailable)
		return apperr.Unavailable("the database", retryAfter, fmt.Errorf("%s: %w", doing, err))
	case mongo.IsDuplicateKeyError(err):
		metrics.StoreError(apperr.KindConflict)
		return ErrDuplicate.With(fmt.Errorf("%s: %w", doing, err))
	}
	var ae *apperr.Error
	if errors.As(err, &ae) {
		return err
	}
	metrics.StoreError(apperr.KindInternal)
	return fmt.Errorf("%s: %w", doing, err)
}

// ErrDuplicate is a write refused because its unique key exists already.
var ErrDuplicate = apperr.New(apperr.KindConflict, "this exists already")

// retryAfter is what a client is told to wait when the database cannot be reached.
const retryAfter = 5 * time.Second

// Unreachable reports whether err means the database could not be reached in time (down,
// network cut, no server selectable), as opposed to a refused or failed operation.
func Unreachable(err error) bool {
	if mongo.IsTimeout(err) || mongo.IsNetworkError(err) {
		return true
	}
	if errors.As(err, &topology.ServerSelectionError{}) || errors.As(err, &topology.WaitQueueTimeoutError{}) {
		return true
	}
	// A pool cleared because another operation on it met a network error.
	var cleared driver.RetryablePoolError
	if errors.As(err, &cleared) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne)
}

// All decodes every document of a query's cursor: cur, err := coll.Find(ctx, filter); then
// All[T](ctx, "list users", cur, err). Errors of the query and of reading it are translated
// with Err.
func All[T any](ctx context.Context, doing string, cur *mongo.Cursor, err error) ([]T, error) {
	if err != nil {
		return nil, Err(ctx, doing, err)
	}
	var out []T
	if err := cur.All(ctx, &out); err != nil {
		return nil, Err(ctx, doing, err)
	}
	return out, nil
}

// InsertAll inserts docs in one unordered write and returns the indexes of those whose unique
// key (the _id or a unique index) existed already; any other failure is the error.
func InsertAll(ctx context.Context, coll *mongo.Collection, docs []any) ([]int, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	_, err := coll.InsertMany(ctx, docs, options.InsertMany().SetOrdered(false))
	if err == nil {
		return nil, nil
	}
	var bwe mongo.BulkWriteException
	if !errors.As(err, &bwe) || bwe.WriteConcernError != nil {
		return nil, Err(ctx, "insert into "+coll.Name(), err)
	}
	var dups []int
	for _, we := range bwe.WriteErrors {
		if we.Code != 11000 || we.Index < 0 || we.Index >= len(docs) {
			return nil, Err(ctx, "insert into "+coll.Name(), err)
		}
		dups = append(dups, we.Index)
	}
	return dups, nil
}
