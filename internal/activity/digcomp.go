package activity

import "github.com/taito-lms/taito/internal/course"

// The DigComp 2.2 framework lives with the content model (course), whose assessment forms show
// it; these names keep the activity package's own vocabulary.
type (
	// Competence is one DigComp 2.2 competence.
	Competence = course.Competence
	// Area is one of DigComp 2.2's five competence areas.
	Area = course.Area
)

// LevelGroups are the groups of DigComp 2.2's proficiency levels 1–8.
var LevelGroups = course.LevelGroups

// DigComp is the European Digital Competence Framework for Citizens, version 2.2.
var DigComp = course.DigComp

// competence finds a DigComp competence by id.
func competence(id string) (Competence, bool) { return course.CompetenceByID(id) }
