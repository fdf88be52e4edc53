package app

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// Counts for the dry run of retention of what other packages keep, by the layout the design
// fixes for them: audit entries by their time, exports by their expiry.

// countAuditBefore counts the audit entries recorded before t.
func (a *App) countAuditBefore(ctx context.Context, t time.Time) (int, error) {
	n, err := a.db.Collection("audit_log").CountDocuments(ctx, bson.D{{Key: "at", Value: bson.D{{Key: "$lt", Value: t}}}})
	if err != nil {
		return 0, fmt.Errorf("count old audit entries: %w", err)
	}
	return int(n), nil
}

// countExportsExpired counts the exports ExpireExports(now) deletes: past their expiry, or
// never ready and older than exportsAbandoned.
func (a *App) countExportsExpired(ctx context.Context, now time.Time) (int, error) {
	n, err := a.db.Collection("privacy_exports").CountDocuments(ctx, bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: "expires", Value: bson.D{{Key: "$lte", Value: now}}}},
		bson.D{{Key: "status", Value: bson.D{{Key: "$ne", Value: ExportReady}}}, {Key: "created", Value: bson.D{{Key: "$lt", Value: now.Add(-exportsAbandoned)}}}},
	}}})
	if err != nil {
		return 0, fmt.Errorf("count expired exports: %w", err)
	}
	return int(n), nil
}
