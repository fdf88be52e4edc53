package course

// The DigComp 2.2 framework is part of the content model: a course's self-assessments rate its
// competences (framework: digcomp-2.2), and their forms show its names and levels.

// Competence is one DigComp 2.2 competence.
type Competence struct {
	ID          string
	Name        Text
	Description Text
}

// Area is one of DigComp 2.2's five competence areas.
type Area struct {
	ID          string
	Name        Text
	Competences []Competence
}

// LevelGroup is a group of DigComp 2.2's proficiency levels 1–8.
type LevelGroup struct {
	Name     Text
	From, To int
}

// LevelGroups are the groups of DigComp 2.2's proficiency levels.
var LevelGroups = []LevelGroup{
	{Text{"fi": "perustaso", "en": "foundation"}, 1, 2},
	{Text{"fi": "keskitaso", "en": "intermediate"}, 3, 4},
	{Text{"fi": "edistynyt taso", "en": "advanced"}, 5, 6},
	{Text{"fi": "erittäin edistynyt taso", "en": "highly specialised"}, 7, 8},
}

// DigComp is the European Digital Competence Framework for Citizens, version 2.2: five areas and
// 21 competences. The names follow the framework; the short descriptions are ours.
var DigComp = []Area{
	{ID: "1", Name: Text{"fi": "Informaatio- ja datalukutaito", "en": "Information and data literacy"}, Competences: []Competence{
		{"1.1", Text{"fi": "Datan, tiedon ja digitaalisen sisällön selaaminen, hakeminen ja suodattaminen", "en": "Browsing, searching and filtering data, information and digital content"},
			Text{"fi": "Löydän tarvitsemani tiedon verkosta ja rajaan hakua.", "en": "Finding what one needs online and narrowing a search."}},
		{"1.2", Text{"fi": "Datan, tiedon ja digitaalisen sisällön arviointi", "en": "Evaluating data, information and digital content"},
			Text{"fi": "Arvioin, onko lähde luotettava ja tieto ajantasaista.", "en": "Judging whether a source is reliable and information current."}},
		{"1.3", Text{"fi": "Datan, tiedon ja digitaalisen sisällön hallinta", "en": "Managing data, information and digital content"},
			Text{"fi": "Tallennan ja järjestän tiedostoja niin, että löydän ne uudelleen.", "en": "Saving and organising files so that they can be found again."}},
	}},
	{ID: "2", Name: Text{"fi": "Viestintä ja yhteistyö", "en": "Communication and collaboration"}, Competences: []Competence{
		{"2.1", Text{"fi": "Vuorovaikutus digitaalisen teknologian avulla", "en": "Interacting through digital technologies"},
			Text{"fi": "Viestin sähköpostilla, viesteillä ja videopuheluilla.", "en": "Communicating by e-mail, messages and video calls."}},
		{"2.2", Text{"fi": "Jakaminen digitaalisen teknologian avulla", "en": "Sharing through digital technologies"},
			Text{"fi": "Jaan tiedostoja ja tietoa turvallisesti oikeille ihmisille.", "en": "Sharing files and information safely with the right people."}},
		{"2.3", Text{"fi": "Kansalaisena toimiminen digitaalisen teknologian avulla", "en": "Engaging in citizenship through digital technologies"},
			Text{"fi": "Käytän julkisia ja yksityisiä sähköisiä palveluja.", "en": "Using public and private e-services."}},
		{"2.4", Text{"fi": "Yhteistyö digitaalisen teknologian avulla", "en": "Collaborating through digital technologies"},
			Text{"fi": "Teen yhteistyötä yhteisten asiakirjojen ja työtilojen avulla.", "en": "Working together in shared documents and workspaces."}},
		{"2.5", Text{"fi": "Nettietiketti", "en": "Netiquette"},
			Text{"fi": "Toimin verkossa asiallisesti ja otan muut huomioon.", "en": "Behaving appropriately online and respecting others."}},
		{"2.6", Text{"fi": "Digitaalisen identiteetin hallinta", "en": "Managing digital identity"},
			Text{"fi": "Hallitsen tunnuksiani ja sitä, mitä itsestäni näkyy verkossa.", "en": "Managing one's accounts and what is visible of oneself online."}},
	}},
	{ID: "3", Name: Text{"fi": "Digitaalisen sisällön luominen", "en": "Digital content creation"}, Competences: []Competence{
		{"3.1", Text{"fi": "Digitaalisen sisällön kehittäminen", "en": "Developing digital content"},
			Text{"fi": "Teen tekstejä, kuvia ja esityksiä digitaalisesti.", "en": "Making texts, images and presentations digitally."}},
		{"3.2", Text{"fi": "Digitaalisen sisällön yhdistäminen ja muokkaaminen", "en": "Integrating and re-elaborating digital content"},
			Text{"fi": "Muokkaan ja yhdistelen olemassa olevaa sisältöä uuteen käyttöön.", "en": "Editing and combining existing content for a new use."}},
		{"3.3", Text{"fi": "Tekijänoikeudet ja lisenssit", "en": "Copyright and licences"},
			Text{"fi": "Tiedän, mitä saan käyttää ja miten lähde merkitään.", "en": "Knowing what one may use and how to credit it."}},
		{"3.4", Text{"fi": "Ohjelmointi", "en": "Programming"},
			Text{"fi": "Annan laitteelle ohjeita, esimerkiksi automatisoin toistuvan tehtävän.", "en": "Giving a device instructions, such as automating a repeated task."}},
	}},
	{ID: "4", Name: Text{"fi": "Turvallisuus", "en": "Safety"}, Competences: []Competence{
		{"4.1", Text{"fi": "Laitteiden suojaaminen", "en": "Protecting devices"},
			Text{"fi": "Päivitän laitteet ja tunnistan haittaohjelmien riskit.", "en": "Keeping devices updated and recognising malware risks."}},
		{"4.2", Text{"fi": "Henkilötietojen ja yksityisyyden suojaaminen", "en": "Protecting personal data and privacy"},
			Text{"fi": "Suojaan omat ja asiakkaan tiedot ja tunnistan huijaukset.", "en": "Protecting one's own and clients' data and spotting scams."}},
		{"4.3", Text{"fi": "Terveyden ja hyvinvoinnin suojaaminen", "en": "Protecting health and well-being"},
			Text{"fi": "Huolehdin jaksamisesta ja tunnistan digitaalisen kiusaamisen.", "en": "Looking after well-being and recognising online harassment."}},
		{"4.4", Text{"fi": "Ympäristön suojaaminen", "en": "Protecting the environment"},
			Text{"fi": "Tiedän, miten laitteiden käyttö ja kierrätys vaikuttavat ympäristöön.", "en": "Knowing how using and recycling devices affects the environment."}},
	}},
	{ID: "5", Name: Text{"fi": "Ongelmanratkaisu", "en": "Problem solving"}, Competences: []Competence{
		{"5.1", Text{"fi": "Teknisten ongelmien ratkaiseminen", "en": "Solving technical problems"},
			Text{"fi": "Selvitän tavallisia laiteongelmia tai tiedän, keneltä kysyä.", "en": "Sorting out common device problems, or knowing whom to ask."}},
		{"5.2", Text{"fi": "Tarpeiden ja teknologisten ratkaisujen tunnistaminen", "en": "Identifying needs and technological responses"},
			Text{"fi": "Valitsen tarpeeseen sopivan välineen tai palvelun.", "en": "Choosing a tool or service that fits the need."}},
		{"5.3", Text{"fi": "Digitaalisen teknologian luova käyttö", "en": "Creatively using digital technologies"},
			Text{"fi": "Kehitän työtapoja digitaalisten välineiden avulla.", "en": "Improving ways of working with digital tools."}},
		{"5.4", Text{"fi": "Digitaalisen osaamisen puutteiden tunnistaminen", "en": "Identifying digital competence gaps"},
			Text{"fi": "Tunnistan, mitä minun tai asiakkaan pitää vielä oppia.", "en": "Recognising what oneself or a client still needs to learn."}},
	}},
}

// CompetenceByID finds a DigComp 2.2 competence by id.
func CompetenceByID(id string) (Competence, bool) {
	for _, a := range DigComp {
		for _, c := range a.Competences {
			if c.ID == id {
				return c, true
			}
		}
	}
	return Competence{}, false
}

// Level is one of DigComp 2.2's eight proficiency levels, described as the framework does: how
// complex the tasks are and how independently one does them.
type Level struct {
	Level       int
	Description Text
}

// Levels describes DigComp 2.2's proficiency levels 1–8.
var Levels = []Level{
	{1, Text{"fi": "Suoriudun yksinkertaisista tehtävistä, kun minua opastetaan.", "en": "I can do simple tasks with guidance."}},
	{2, Text{"fi": "Suoriudun yksinkertaisista tehtävistä itsenäisesti ja tarvittaessa opastettuna.", "en": "I can do simple tasks on my own, with guidance where needed."}},
	{3, Text{"fi": "Suoriudun selkeistä ja rutiininomaisista tehtävistä ja ratkaisen suoraviivaisia ongelmia itse.", "en": "I can do well-defined, routine tasks and solve straightforward problems on my own."}},
	{4, Text{"fi": "Suoriudun itsenäisesti tehtävistä ja selkeistä mutta ei-rutiininomaisista ongelmista omien tarpeideni mukaan.", "en": "I can do tasks and solve well-defined, non-routine problems independently and as I need."}},
	{5, Text{"fi": "Suoriudun erilaisista tehtävistä ja ongelmista ja opastan muita.", "en": "I can do different tasks and solve different problems, and guide others."}},
	{6, Text{"fi": "Valitsen tilanteeseen sopivimmat keinot ja mukaudun muiden tarpeisiin monimutkaisissa tilanteissa.", "en": "I can choose the most appropriate means and adapt to others in a complex context."}},
	{7, Text{"fi": "Ratkaisen monimutkaisia ongelmia, joihin on vähän ratkaisuja, ja kehitän ammatillisia käytäntöjä ja ohjaan muita.", "en": "I can solve complex problems with limited solutions, contribute to professional practice and guide others."}},
	{8, Text{"fi": "Ratkaisen monimutkaisia ongelmia, joissa moni tekijä vaikuttaa toisiinsa, ja tuon alalle uusia ajatuksia ja toimintatapoja.", "en": "I can solve complex problems with many interacting factors and propose new ideas and processes to the field."}},
}

// LevelGroupOf returns the group a proficiency level belongs to.
func LevelGroupOf(level int) LevelGroup {
	for _, g := range LevelGroups {
		if level >= g.From && level <= g.To {
			return g
		}
	}
	return LevelGroup{}
}
