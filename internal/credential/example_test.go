package credential

import (
	"time"
)

// sampleIssue is a completion with the letters that Finnish and Swedish names need.
func sampleIssue() Issue {
	completed := time.Date(2026, 2, 2, 23, 30, 0, 0, time.UTC) // 3 Feb in Helsinki
	return Issue{
		ID:        "c9Xq2LkV7pT4mRz8NbW3yA",
		VerifyURL: "https://taito.example.fi/verify/c9Xq2LkV7pT4mRz8NbW3yA",
		Locale:    "fi",
		Learner: Learner{
			ID:    "urn:uuid:4f5c1a2e-8d7b-4c3a-9e6f-1b2c3d4e5f60",
			Name:  "Åsa Ähtäri-Öhman",
			Email: "asa.ahtari-ohman@kunta.example.fi",
		},
		Course: Course{
			Slug:          "digitaidot-asiakastyossa",
			Version:       3,
			AchievementID: "https://taito.example.fi/courses/digitaidot-asiakastyossa/v3",
			Title: map[string]string{
				"fi": "Digitaidot asiakastyössä",
				"sv": "Digitala färdigheter i klientarbetet",
				"en": "Digital skills in client work",
			},
			Description: map[string]string{
				"fi": "Kurssi antaa valmiudet ohjata asiakkaita sähköisten palvelujen käytössä.",
				"sv": "Kursen ger färdigheter att handleda klienter i e-tjänster.",
				"en": "The course prepares staff to guide clients in using e-services.",
			},
			Criteria: map[string]string{
				"fi": "Kaikki osiot suoritettu ja loppukysely hyväksytty.",
				"sv": "Alla avsnitt genomförda och slutenkäten godkänd.",
				"en": "All modules completed and the final quiz passed.",
			},
			Alignments: []Alignment{{
				Name:      "Vuorovaikutus digitaalisten teknologioiden avulla",
				URL:       "https://joint-research-centre.ec.europa.eu/digcomp/digcomp-framework_en#2.1",
				Code:      "2.1",
				Framework: FrameworkDigComp,
			}},
			WorkloadHours: 3.5,
			Modules: []Module{
				{
					Title: map[string]string{"fi": "Sähköinen asiointi", "sv": "E-tjänster", "en": "E-services"},
					Outcomes: []map[string]string{
						{"fi": "Osaat neuvoa asiakasta vahvassa sähköisessä tunnistautumisessa.", "sv": "Du kan handleda klienten i stark autentisering.", "en": "You can guide a client through strong authentication."},
					},
				},
				{
					Title: map[string]string{"fi": "Tietoturva ja yksityisyys", "sv": "Informationssäkerhet och integritet", "en": "Security and privacy"},
					Outcomes: []map[string]string{
						{"fi": "Tunnistat huijausviestit.", "sv": "Du känner igen bedrägliga meddelanden.", "en": "You recognise scam messages."},
						{"fi": "Käsittelet asiakkaan tietoja turvallisesti.", "sv": "Du hanterar klientens uppgifter säkert.", "en": "You handle client data safely."},
					},
				},
			},
		},
		CompletedAt: completed,
		IssuedAt:    completed.Add(5 * time.Minute),
		Issuer: Profile{
			ID:   "https://taito.example.fi/credentials/issuer",
			Name: "Länsi-Uudenmaan hyvinvointialue",
			URL:  "https://taito.example.fi/",
		},
		Status: &StatusRef{ListURL: "https://taito.example.fi/credentials/status/1", Index: 94567},
	}
}
