package app

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The two tables of a person's export, read from the JSON records the learning capability gave:
// progress.csv (a row per lesson and per quiz attempt) and statements.csv (a row per statement).

// progressDoc is the part of a stored progress projection the table shows.
type progressDoc struct {
	Course  string `json:"course"`
	Lessons map[string]struct {
		FirstAt  string         `json:"first_at"`
		LastAt   string         `json:"last_at"`
		ViewedAt string         `json:"viewed_at"`
		DoneAt   string         `json:"done_at"`
		Time     map[string]int `json:"time"`
	} `json:"lessons"`
	Quizzes map[string]struct {
		Attempts map[string]struct {
			Scaled  float64 `json:"scaled"`
			Success bool    `json:"success"`
			At      string  `json:"at"`
		} `json:"attempts"`
	} `json:"quizzes"`
}

// progressCSV is a row per lesson she opened and per graded quiz attempt, course by course.
func progressCSV(docs []json.RawMessage) ([]byte, error) {
	rows := [][]string{{"course", "kind", "item", "first_at", "last_at", "viewed_at", "done_at", "seconds", "score", "passed"}}
	for _, raw := range docs {
		var p progressDoc
		if err := json.Unmarshal(raw, &p); err != nil {
			return nil, fmt.Errorf("progress table: %w", err)
		}
		for _, id := range sortedKeys(p.Lessons) {
			l := p.Lessons[id]
			secs := 0
			for _, s := range l.Time {
				secs += s
			}
			rows = append(rows, []string{p.Course, "lesson", id, notZero(l.FirstAt), notZero(l.LastAt), notZero(l.ViewedAt), notZero(l.DoneAt), strconv.Itoa(secs), "", ""})
		}
		for _, id := range sortedKeys(p.Quizzes) {
			q := p.Quizzes[id]
			for _, at := range sortedKeys(q.Attempts) {
				t := q.Attempts[at]
				rows = append(rows, []string{p.Course, "quiz", id, "", notZero(t.At), "", "", "", strconv.FormatFloat(t.Scaled, 'f', -1, 64), strconv.FormatBool(t.Success)})
			}
		}
	}
	return writeCSV(rows)
}

// exportedStatementRow is the part of an exported statement the table shows.
type exportedStatementRow struct {
	ID        string `json:"id"`
	Course    string `json:"course"`
	Stored    string `json:"stored"`
	Authority string `json:"authority"`
	Voided    bool   `json:"voided"`
	Statement struct {
		Timestamp string `json:"timestamp"`
		Verb      struct {
			ID string `json:"id"`
		} `json:"verb"`
		Object struct {
			ID string `json:"id"`
		} `json:"object"`
		Result *struct {
			Score *struct {
				Scaled *float64 `json:"scaled"`
			} `json:"score"`
			Success    *bool  `json:"success"`
			Completion *bool  `json:"completion"`
			Duration   string `json:"duration"`
		} `json:"result"`
	} `json:"statement"`
}

// statementsCSV is a row per statement: when, what was done to what, the result.
func statementsCSV(docs []json.RawMessage) ([]byte, error) {
	rows := [][]string{{"id", "stored", "timestamp", "course", "verb", "object", "score", "success", "completion", "duration", "authority", "voided"}}
	for _, raw := range docs {
		var s exportedStatementRow
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, fmt.Errorf("statements table: %w", err)
		}
		var score, success, completion, duration string
		if r := s.Statement.Result; r != nil {
			if r.Score != nil && r.Score.Scaled != nil {
				score = strconv.FormatFloat(*r.Score.Scaled, 'f', -1, 64)
			}
			success, completion, duration = boolText(r.Success), boolText(r.Completion), r.Duration
		}
		rows = append(rows, []string{s.ID, s.Stored, s.Statement.Timestamp, s.Course, s.Statement.Verb.ID, s.Statement.Object.ID,
			score, success, completion, duration, s.Authority, strconv.FormatBool(s.Voided)})
	}
	return writeCSV(rows)
}

func writeCSV(rows [][]string) ([]byte, error) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	for _, r := range rows {
		for i, v := range r {
			r[i] = cellSafe(v)
		}
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("write table: %w", err)
	}
	return b.Bytes(), nil
}

// cellSafe keeps a spreadsheet from reading a value as a formula.
func cellSafe(v string) string {
	if v != "" && strings.ContainsAny(v[:1], "=+@\t\r") || strings.HasPrefix(v, "-") && len(v) > 1 && (v[1] < '0' || v[1] > '9') {
		return "'" + v
	}
	return v
}

func boolText(b *bool) string {
	if b == nil {
		return ""
	}
	return strconv.FormatBool(*b)
}

// notZero is a stored time, or "" for the zero time.
func notZero(t string) string {
	if tt, err := time.Parse(time.RFC3339Nano, t); err == nil && tt.IsZero() {
		return ""
	}
	return t
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
