package auth_test

import (
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/auth"
)

func BenchmarkVerifyAccessToken(b *testing.B) {
	keys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tok := auth.NewTokens(keys, "https://taito.example.fi", 15*time.Minute, func() time.Time { return now })
	s, _ := tok.Sign(auth.Principal{UserID: "0190c0de-0000-7000-8000-000000000001", Roles: []auth.Role{auth.RoleLearner}})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tok.Verify(s); err != nil {
			b.Fatal(err)
		}
	}
}
