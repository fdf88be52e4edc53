package app_test

import (
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/learning"
	"github.com/taito-lms/taito/internal/testenv"
)

// viewed is a learner's statement, with a fresh id, that she experienced a lesson of the test
// course; change may add to it before it is hashed.
func viewed(user, lesson string, change ...func(*learning.Statement)) learning.Entry {
	st := learning.Statement{ID: uuid.NewString(), Actor: learning.Agent{ObjectType: "Agent", Account: &learning.Account{HomePage: testenv.Issuer, Name: user}},
		Verb: learning.Verb{ID: learning.VerbExperienced}, Object: learning.Object{ObjectType: "Activity", ID: testenv.Issuer + "/courses/kokeilu/lessons/" + lesson}}
	for _, c := range change {
		c(&st)
	}
	return learning.Entry{Statement: st, Hash: learning.HashOf(st)}
}
