package auth

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taito-lms/taito/internal/apperr"
)

// MaxInviteRows bounds a file of accounts to invite.
const MaxInviteRows = 10000

// InviteRow is one line of a file of accounts to invite: the account, or why the line could
// not be read (Bad, naming the line; User.Email then holds what looks like its address).
type InviteRow struct {
	Line int
	User NewUser
	Bad  *apperr.Error
}

// roleWords are the role names a file may use besides learner, trainer and admin: the words of
// the pages in Finnish, Swedish and English.
var roleWords = map[string]Role{
	"oppija": RoleLearner, "deltagare": RoleLearner,
	"kouluttaja": RoleTrainer, "utbildare": RoleTrainer,
	"pääkäyttäjä": RoleAdmin, "administratör": RoleAdmin, "administrator": RoleAdmin,
}

// ParseInviteRows reads a file of accounts to invite, read as an enrolment list is (see
// cohort.ParseMemberRows): name;email;role;org_unit;language rows, "," or ";" (whichever the
// first line has more of), UTF-8 with or without BOM, an optional header row whose second cell
// is "email" (or sähköposti, e-post). An empty role is a learner, an empty language Finnish;
// a role may be written as learner, trainer, admin or as the pages' words (Kouluttaja…). A bad
// line becomes its row's result later; only a file that cannot be read as a whole is refused
// here (field "file").
func ParseInviteRows(data []byte) ([]InviteRow, error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	if !utf8.Valid(data) {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "is not UTF-8 text: save it as \"CSV UTF-8\""})
	}
	first, _, _ := strings.Cut(string(data), "\n")
	comma := ','
	if strings.Count(first, ";") > strings.Count(first, ",") {
		comma = ';'
	}
	var out []InviteRow
	for i, text := range strings.Split(string(data), "\n") {
		line := i + 1
		text = strings.TrimSuffix(text, "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		r := csv.NewReader(strings.NewReader(text))
		r.Comma = comma
		r.FieldsPerRecord = -1
		r.TrimLeadingSpace = true
		rec, err := r.Read()
		if err != nil {
			out = append(out, InviteRow{Line: line,
				Bad: apperr.New(apperr.KindValidation, "line {line} is not valid CSV (check its quotation marks)", apperr.Params{"line": strconv.Itoa(line)})})
			continue
		}
		var cells [5]string
		for i := 0; i < len(cells) && i < len(rec); i++ {
			cells[i] = strings.TrimSpace(rec[i])
		}
		if line == 1 && isEmailHeading(cells[1]) {
			continue
		}
		if cells == ([5]string{}) {
			continue
		}
		u := NewUser{Name: cells[0], Email: cells[1], OrgUnit: cells[3], Locale: strings.ToLower(cells[4])}
		switch role := strings.ToLower(cells[2]); {
		case role == "":
			u.Roles = []Role{RoleLearner}
		case roleWords[role] != "":
			u.Roles = []Role{roleWords[role]}
		default:
			u.Roles = []Role{Role(role)} // refused by the invitation, as the row's own problem
		}
		out = append(out, InviteRow{Line: line, User: u})
		if len(out) > MaxInviteRows {
			return nil, apperr.New(apperr.KindTooLarge, "the file has more than {max} rows: split it", apperr.Params{"max": strconv.Itoa(MaxInviteRows)})
		}
	}
	if len(out) == 0 {
		return nil, apperr.Validation(apperr.FieldError{Field: "file", Message: "has no rows"})
	}
	return out, nil
}

func isEmailHeading(cell string) bool {
	switch strings.ToLower(cell) {
	case "email", "e-mail", "sähköposti", "sähköpostiosoite", "e-post", "e-postadress":
		return true
	}
	return false
}
