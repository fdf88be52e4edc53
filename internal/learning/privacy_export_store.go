package learning

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/taito-lms/taito/internal/mongox"
)

// exportedStatement is a statement of the log as a person's data export gives it: the xAPI
// statement as stored, with what Taito keeps beside it.
type exportedStatement struct {
	ID        string          `json:"id"`
	Course    string          `json:"course,omitempty"`
	Stored    time.Time       `json:"stored"`
	Authority string          `json:"authority"`
	Voided    bool            `json:"voided,omitempty"`
	System    bool            `json:"system,omitempty"`
	Statement json.RawMessage `json:"statement"`
}

// exportOf reads one learner's statements (oldest first) and progress projections.
func (s *store) exportOf(ctx context.Context, userID string) (map[string][]json.RawMessage, error) {
	byUser := bson.D{{Key: "user", Value: userID}}
	cur, err := s.statements.Find(ctx, byUser, options.Find().SetSort(byStored()))
	docs, err := mongox.All[statementDoc](ctx, "export statements", cur, err)
	if err != nil {
		return nil, err
	}
	statements := make([]json.RawMessage, 0, len(docs))
	for _, d := range docs {
		raw := json.RawMessage(d.JSON)
		if !json.Valid(raw) {
			raw, _ = json.Marshal(d.JSON)
		}
		j, err := json.Marshal(exportedStatement{ID: d.ID, Course: d.Course, Stored: d.Stored.UTC(), Authority: d.authority(), Voided: d.Voided, System: d.System, Statement: raw})
		if err != nil {
			return nil, fmt.Errorf("export statement %s: %w", d.ID, err)
		}
		statements = append(statements, j)
	}
	progress, err := mongox.ExportDocs(ctx, s.progress, byUser, "rev")
	if err != nil {
		return nil, err
	}
	return map[string][]json.RawMessage{"statements": statements, "progress": progress}, nil
}
