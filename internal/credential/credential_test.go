package credential

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestBuildIsDeterministic(t *testing.T) {
	a, err := Build(sampleIssue())
	if err != nil {
		t.Fatal(err)
	}
	b, _ := Build(sampleIssue())
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if string(ja) != string(jb) {
		t.Fatalf("two builds of one issue differ:\n%s\n%s", ja, jb)
	}
}

func TestBuildContent(t *testing.T) {
	is := sampleIssue()
	is.Locale = "sv"
	vc, err := Build(is)
	if err != nil {
		t.Fatal(err)
	}
	if vc.Name != "Digitala färdigheter i klientarbetet" || vc.CredentialSubject.Achievement.Criteria.Narrative != "Alla avsnitt genomförda och slutenkäten godkänd." {
		t.Errorf("texts are not in the learner's language: %q, %q", vc.Name, vc.CredentialSubject.Achievement.Criteria.Narrative)
	}
	if vc.ValidFrom != "2026-02-02T23:35:00Z" || vc.AwardedDate != "2026-02-02T23:30:00Z" {
		t.Errorf("validFrom %s, awardedDate %s", vc.ValidFrom, vc.AwardedDate)
	}
	al := vc.CredentialSubject.Achievement.Alignment
	if len(al) != 1 || al[0].TargetFramework != "DigComp 2.2" || al[0].TargetCode != "2.1" || !reflect.DeepEqual(al[0].Type, []string{"Alignment"}) {
		t.Errorf("alignment %+v", al)
	}
	ids := vc.CredentialSubject.Identifier
	if len(ids) != 2 || ids[0].IdentityHash != "Åsa Ähtäri-Öhman" || !ids[1].Hashed || !strings.HasPrefix(ids[1].IdentityHash, "sha256$") {
		t.Errorf("identifiers %+v", ids)
	}
	raw, _ := json.Marshal(vc)
	if strings.Contains(string(raw), "asa.ahtari-ohman@") {
		t.Error("the e-mail address is in the credential in clear")
	}
	st := vc.CredentialStatus
	if st.Type != "BitstringStatusListEntry" || st.StatusPurpose != "revocation" || st.StatusListIndex != "94567" ||
		st.StatusListCredential != is.Status.ListURL || st.ID != is.Status.ListURL+"#94567" {
		t.Errorf("credentialStatus %+v", st)
	}
}

func TestBuildRejectsIncompleteIssue(t *testing.T) {
	for name, change := range map[string]func(*Issue){
		"no id":              func(is *Issue) { is.ID = "" },
		"no verify URL":      func(is *Issue) { is.VerifyURL = "" },
		"learner id not URI": func(is *Issue) { is.Learner.ID = "1234" },
		"no issuer":          func(is *Issue) { is.Issuer.ID = "" },
		"no title":           func(is *Issue) { is.Course.Title = nil },
		"no description":     func(is *Issue) { is.Course.Description = map[string]string{"fi": " "} },
		"no criteria":        func(is *Issue) { is.Course.Criteria = nil },
		"alignment URL":      func(is *Issue) { is.Course.Alignments[0].URL = "" },
		"negative status":    func(is *Issue) { is.Status.Index = -1 },
		"no completion date": func(is *Issue) { is.CompletedAt = time.Time{} },
		"no issue date":      func(is *Issue) { is.IssuedAt = time.Time{} },
	} {
		is := sampleIssue()
		change(&is)
		if _, err := Build(is); !errors.Is(err, ErrIncomplete) {
			t.Errorf("%s: err %v, want ErrIncomplete", name, err)
		}
	}
}

func TestTextFallback(t *testing.T) {
	m := map[string]string{"en": "English", "sv": "Svenska"}
	if Text(m, "fi") != "English" || Text(m, "sv") != "Svenska" || Text(map[string]string{"de": "Deutsch"}, "fi") != "Deutsch" {
		t.Error("Text does not fall back as documented")
	}
}

func TestIssuerProfile(t *testing.T) {
	b, err := IssuerProfile(Profile{ID: "https://taito.example.fi/credentials/issuer", Name: "Länsi-Uudenmaan hyvinvointialue", URL: "https://taito.example.fi/", ImageURL: "https://taito.example.fi/logo.png"})
	if err != nil {
		t.Fatal(err)
	}
	var p map[string]any
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	if p["id"] != "https://taito.example.fi/credentials/issuer" || p["name"] != "Länsi-Uudenmaan hyvinvointialue" ||
		!reflect.DeepEqual(p["type"], []any{"Profile"}) || p["image"].(map[string]any)["type"] != "Image" {
		t.Errorf("profile %s", b)
	}
}
