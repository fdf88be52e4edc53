package credential

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// JSON-LD contexts of an Open Badges 3.0 credential, in the order the specification requires.
const (
	ContextVC2  = "https://www.w3.org/ns/credentials/v2"
	ContextOB30 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
)

// FrameworkDigComp is the framework name for alignments to DigComp 2.2 competences.
const FrameworkDigComp = "DigComp 2.2"

// Issue is everything needed to issue one certificate: plain values, no storage.
type Issue struct {
	// ID is the public, unguessable id of the certificate (it appears in VerifyURL).
	ID string
	// VerifyURL is the public verification page; it is also the credential's id.
	VerifyURL string
	// Locale is the learner's language: "fi", "sv" or "en".
	Locale      string
	Learner     Learner
	Course      Course
	CompletedAt time.Time
	IssuedAt    time.Time
	Issuer      Profile
	// Status is the revocation entry; nil issues a credential that cannot be revoked.
	Status *StatusRef
}

// Learner is the person who completed the course.
type Learner struct {
	// ID is a URI for the learner that reveals nothing about her, such as "urn:uuid:…".
	ID   string
	Name string
	// Email, when set, is put in the credential only as a salted SHA-256 hash, so that she
	// can prove the credential is hers by showing the address.
	Email string
}

// Course is one published version of a course.
type Course struct {
	Slug    string
	Version int
	// AchievementID is a stable URI for this course version; when empty a URN is made of the
	// slug and version.
	AchievementID string
	// Title, Description and Criteria map a locale to text; Text picks one.
	Title       map[string]string
	Description map[string]string
	Criteria    map[string]string
	Alignments  []Alignment
	// WorkloadHours is the workload as the course states it; 0 leaves it out.
	WorkloadHours float64
	Modules       []Module
}

// Module is a part of the course and the learning outcomes it covers.
type Module struct {
	Title    map[string]string
	Outcomes []map[string]string
}

// Alignment ties the achievement to a competence of a framework such as DigComp 2.2.
type Alignment struct {
	Name      string
	URL       string
	Code      string
	Framework string
}

// Profile is the issuing organisation.
type Profile struct {
	ID       string // a URL that answers with the profile JSON
	Name     string
	URL      string // the organisation's home page
	Email    string
	ImageURL string
}

// StatusRef points a credential at its entry in a revocation status list.
type StatusRef struct {
	ListURL string
	Index   int
}

// Text returns m's text for locale, falling back to Finnish, English, Swedish and then any
// text in a fixed order.
func Text(m map[string]string, locale string) string {
	for _, l := range []string{locale, "fi", "en", "sv"} {
		if s := strings.TrimSpace(m[l]); s != "" {
			return s
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if s := strings.TrimSpace(m[k]); s != "" {
			return s
		}
	}
	return ""
}

// The JSON shape of an OpenBadgeCredential. Field order follows the specification's examples.

// OpenBadgeCredential is an Open Badges 3.0 credential (Verifiable Credentials Data Model 2.0).
type OpenBadgeCredential struct {
	Context           []string           `json:"@context"`
	ID                string             `json:"id"`
	Type              []string           `json:"type"`
	Issuer            ProfileJSON        `json:"issuer"`
	ValidFrom         string             `json:"validFrom"`
	AwardedDate       string             `json:"awardedDate,omitempty"`
	Name              string             `json:"name"`
	CredentialSubject AchievementSubject `json:"credentialSubject"`
	CredentialStatus  *StatusEntry       `json:"credentialStatus,omitempty"`
}

// ProfileJSON is an Open Badges 3.0 Profile.
type ProfileJSON struct {
	Context []string   `json:"@context,omitempty"`
	ID      string     `json:"id"`
	Type    []string   `json:"type"`
	Name    string     `json:"name,omitempty"`
	URL     string     `json:"url,omitempty"`
	Email   string     `json:"email,omitempty"`
	Image   *ImageJSON `json:"image,omitempty"`
}

// ImageJSON is an Open Badges 3.0 Image.
type ImageJSON struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

// AchievementSubject is the credentialSubject: the learner and what she achieved.
type AchievementSubject struct {
	ID          string           `json:"id,omitempty"`
	Type        []string         `json:"type"`
	Identifier  []IdentityObject `json:"identifier,omitempty"`
	Achievement Achievement      `json:"achievement"`
}

// IdentityObject identifies the learner by a name or a hashed address.
type IdentityObject struct {
	Type         string `json:"type"`
	IdentityHash string `json:"identityHash"`
	IdentityType string `json:"identityType"`
	Hashed       bool   `json:"hashed"`
	Salt         string `json:"salt,omitempty"`
}

// Achievement describes the course version.
type Achievement struct {
	ID          string          `json:"id"`
	Type        []string        `json:"type"`
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Criteria    Criteria        `json:"criteria"`
	Alignment   []AlignmentJSON `json:"alignment,omitempty"`
	Creator     *ProfileJSON    `json:"creator,omitempty"`
	HumanCode   string          `json:"humanCode,omitempty"`
	InLanguage  string          `json:"inLanguage,omitempty"`
	Version     string          `json:"version,omitempty"`
}

// Criteria says how the achievement is earned.
type Criteria struct {
	Narrative string `json:"narrative"`
}

// AlignmentJSON is an Open Badges 3.0 Alignment.
type AlignmentJSON struct {
	Type            []string `json:"type"`
	TargetName      string   `json:"targetName"`
	TargetURL       string   `json:"targetUrl"`
	TargetCode      string   `json:"targetCode,omitempty"`
	TargetFramework string   `json:"targetFramework,omitempty"`
}

// StatusEntry is a BitstringStatusListEntry.
type StatusEntry struct {
	ID                   string `json:"id"`
	Type                 string `json:"type"`
	StatusPurpose        string `json:"statusPurpose"`
	StatusListIndex      string `json:"statusListIndex"`
	StatusListCredential string `json:"statusListCredential"`
}

// Index returns the entry's statusListIndex as a number.
func (e *StatusEntry) Index() (int, error) {
	n, err := strconv.Atoi(e.StatusListIndex)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("statusListIndex %q is not a non-negative integer", e.StatusListIndex)
	}
	return n, nil
}

// ErrIncomplete reports an Issue that lacks something a credential requires.
var ErrIncomplete = errors.New("credential: incomplete issue")

// Build returns the OpenBadgeCredential for is. The same Issue always gives the same
// credential, so issuing again after a crash gives the same document.
func Build(is Issue) (*OpenBadgeCredential, error) {
	var missing []string
	need := func(ok bool, what string) {
		if !ok {
			missing = append(missing, what)
		}
	}
	name := Text(is.Course.Title, is.Locale)
	desc := Text(is.Course.Description, is.Locale)
	crit := Text(is.Course.Criteria, is.Locale)
	need(is.ID != "", "ID")
	need(isURI(is.VerifyURL), "VerifyURL")
	need(isURI(is.Learner.ID), "Learner.ID")
	need(isURI(is.Issuer.ID), "Issuer.ID")
	need(is.Issuer.Name != "", "Issuer.Name")
	need(name != "", "Course.Title")
	need(desc != "", "Course.Description")
	need(crit != "", "Course.Criteria")
	need(!is.IssuedAt.IsZero(), "IssuedAt")
	need(!is.CompletedAt.IsZero(), "CompletedAt")
	for i, a := range is.Course.Alignments {
		need(a.Name != "" && isURI(a.URL), fmt.Sprintf("Course.Alignments[%d] name and URL", i))
	}
	if is.Status != nil {
		need(isURI(is.Status.ListURL) && is.Status.Index >= 0, "Status")
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrIncomplete, strings.Join(missing, ", "))
	}

	achievementID := is.Course.AchievementID
	if achievementID == "" {
		achievementID = fmt.Sprintf("urn:taito:course:%s:v%d", is.Course.Slug, is.Course.Version)
	}
	issuer := ProfileJSON{ID: is.Issuer.ID, Type: []string{"Profile"}, Name: is.Issuer.Name, URL: is.Issuer.URL}
	if is.Issuer.ImageURL != "" {
		issuer.Image = &ImageJSON{ID: is.Issuer.ImageURL, Type: "Image"}
	}
	creator := issuer

	subject := AchievementSubject{
		ID:   is.Learner.ID,
		Type: []string{"AchievementSubject"},
		Achievement: Achievement{
			ID:          achievementID,
			Type:        []string{"Achievement"},
			Name:        name,
			Description: desc,
			Criteria:    Criteria{Narrative: crit},
			Creator:     &creator,
			HumanCode:   is.Course.Slug,
			InLanguage:  is.Locale,
			Version:     strconv.Itoa(is.Course.Version),
		},
	}
	if is.Learner.Name != "" {
		subject.Identifier = append(subject.Identifier, IdentityObject{
			Type: "IdentityObject", IdentityHash: is.Learner.Name, IdentityType: "name", Hashed: false,
		})
	}
	if is.Learner.Email != "" {
		salt := is.ID
		sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(is.Learner.Email)) + salt))
		subject.Identifier = append(subject.Identifier, IdentityObject{
			Type: "IdentityObject", IdentityHash: "sha256$" + hex.EncodeToString(sum[:]),
			IdentityType: "emailAddress", Hashed: true, Salt: salt,
		})
	}
	for _, a := range is.Course.Alignments {
		subject.Achievement.Alignment = append(subject.Achievement.Alignment, AlignmentJSON{
			Type: []string{"Alignment"}, TargetName: a.Name, TargetURL: a.URL,
			TargetCode: a.Code, TargetFramework: a.Framework,
		})
	}

	vc := &OpenBadgeCredential{
		Context:           []string{ContextVC2, ContextOB30},
		ID:                is.VerifyURL,
		Type:              []string{"VerifiableCredential", "OpenBadgeCredential"},
		Issuer:            issuer,
		ValidFrom:         is.IssuedAt.UTC().Truncate(time.Second).Format(time.RFC3339),
		AwardedDate:       is.CompletedAt.UTC().Truncate(time.Second).Format(time.RFC3339),
		Name:              name,
		CredentialSubject: subject,
	}
	if is.Status != nil {
		idx := strconv.Itoa(is.Status.Index)
		vc.CredentialStatus = &StatusEntry{
			ID:                   is.Status.ListURL + "#" + idx,
			Type:                 "BitstringStatusListEntry",
			StatusPurpose:        "revocation",
			StatusListIndex:      idx,
			StatusListCredential: is.Status.ListURL,
		}
	}
	return vc, nil
}

// IssuerProfile returns the issuer's Profile document, to be published at p.ID.
func IssuerProfile(p Profile) ([]byte, error) {
	doc := ProfileJSON{
		Context: []string{ContextVC2, ContextOB30},
		ID:      p.ID, Type: []string{"Profile"}, Name: p.Name, URL: p.URL, Email: p.Email,
	}
	if p.ImageURL != "" {
		doc.Image = &ImageJSON{ID: p.ImageURL, Type: "Image"}
	}
	return marshal(doc)
}

func isURI(s string) bool {
	i := strings.IndexByte(s, ':')
	return i > 0 && i < len(s)-1 && !strings.ContainsAny(s, " \t\n")
}
