package cohort

import (
	"bytes"
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/apperr"
	"github.com/taito-lms/taito/internal/auth"
)

// MaxMemberRows bounds an enrolment file.
const MaxMemberRows = 10000

// MemberRow is one line of an enrolment list: its e-mail, name and org unit, or why it could not
// be read (Bad, naming the line; Email then holds what looks like its address).
type MemberRow struct {
	Email, Name, OrgUnit string
	Bad                  *apperr.Error
}

// ParseMemberRows reads an enrolment list as the JSON API's CSV upload does: email;name;org_unit
// rows, "," or ";" (whichever the first line has more of), UTF-8 with or without BOM, an
// optional header row whose first cell is "email". Every row becomes a result later, so a bad
// row is reported there; only a list that cannot be read as a whole is refused here (field
// "file"). Each line is read on its own, so that a stray quote spoils its own line only.
func ParseMemberRows(data []byte) ([]MemberRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "is not UTF-8 text: save it as \"CSV UTF-8\""})
	}
	first, _, _ := strings.Cut(string(data), "\n")
	comma := ','
	if strings.Count(first, ";") > strings.Count(first, ",") {
		comma = ';'
	}
	var out []MemberRow
	for i, text := range strings.Split(string(data), "\n") {
		row, ok := parseMemberLine(text, i+1, comma)
		if !ok {
			continue
		}
		out = append(out, row)
		if len(out) > MaxMemberRows {
			return nil, errTooManyRows
		}
	}
	if len(out) == 0 {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "has no rows"})
	}
	return out, nil
}

var errTooManyRows = apperr.New(apperr.KindTooLarge, "the file has more than {max} rows: split it", apperr.Params{"max": strconv.Itoa(MaxMemberRows)})

// parseMemberLine reads line number line of an enrolment list; ok is false for a line to skip
// (empty, the header, no cells).
func parseMemberLine(text string, line int, comma rune) (MemberRow, bool) {
	text = strings.TrimSuffix(text, "\r")
	if strings.TrimSpace(text) == "" {
		return MemberRow{}, false
	}
	r := csv.NewReader(strings.NewReader(text))
	r.Comma = comma
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	rec, err := r.Read()
	if err != nil {
		guess, _, _ := strings.Cut(text, string(comma))
		return MemberRow{Email: strings.Trim(strings.TrimSpace(guess), `"`),
			Bad: apperr.New(apperr.KindValidation, "line {line} is not valid CSV (check its quotation marks)", apperr.Params{"line": strconv.Itoa(line)})}, true
	}
	if line == 1 && len(rec) > 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "email") {
		return MemberRow{}, false // header
	}
	var cells [3]string
	for i := 0; i < 3 && i < len(rec); i++ {
		cells[i] = strings.TrimSpace(rec[i])
	}
	if cells == ([3]string{}) {
		return MemberRow{}, false
	}
	return MemberRow{Email: cells[0], Name: cells[1], OrgUnit: cells[2]}, true
}

// ParsePastedMembers reads addresses pasted into a form, line by line as ParseMemberRows reads
// a file's lines, except that each line has its own separator (whichever of "," and ";" it has
// more of), and a line of several addresses (separated by commas, semicolons or spaces) is one
// row per address. A line that is not an address list is "email;name;org unit".
func ParsePastedMembers(text string) ([]MemberRow, error) {
	var out []MemberRow
	for i, line := range strings.Split(text, "\n") {
		cells := strings.FieldsFunc(line, func(r rune) bool { return r == ',' || r == ';' || unicode.IsSpace(r) })
		addresses := 0
		for _, c := range cells {
			if strings.Contains(c, "@") {
				addresses++
			}
		}
		if addresses > 1 && addresses == len(cells) {
			for _, c := range cells {
				out = append(out, MemberRow{Email: c})
			}
		} else {
			comma := ','
			if strings.Count(line, ";") > strings.Count(line, ",") {
				comma = ';'
			}
			if row, ok := parseMemberLine(line, i+1, comma); ok {
				out = append(out, row)
			}
		}
		if len(out) > MaxMemberRows {
			return nil, errTooManyRows
		}
	}
	if len(out) == 0 {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "has no rows"})
	}
	return out, nil
}

// AddMemberRows is AddMembers for the rows of an enrolment list, with names and org units for
// the people it invites: every row gets a result in the list's order, unreadable ones invalid
// with their reason.
func (s *Service) AddMemberRows(ctx context.Context, actor auth.Principal, id string, rows []MemberRow) ([]MemberResult, error) {
	var emails []string
	names, units := map[string]string{}, map[string]string{}
	for _, r := range rows {
		if r.Bad != nil {
			continue
		}
		emails = append(emails, r.Email)
		key := strings.ToLower(strings.TrimSpace(r.Email))
		names[key], units[key] = r.Name, r.OrgUnit
	}
	res, err := s.AddMembers(ctx, actor, id, emails, names, units)
	if err != nil {
		return nil, err
	}
	out := make([]MemberResult, 0, len(rows))
	next := 0
	for _, r := range rows {
		if r.Bad != nil {
			out = append(out, notEnrolled(MemberResult{Email: r.Email}, "invalid", r.Bad))
			continue
		}
		if next < len(res) {
			out = append(out, res[next])
			next++
		}
	}
	return append(out, res[next:]...), nil
}
