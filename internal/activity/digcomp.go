package activity

import "github.com/taito-lms/taito/internal/course"

// Competence is one DigComp 2.2 competence.
type Competence struct {
	ID          string
	Name        course.Text
	Description course.Text
}

// Area is one of DigComp 2.2's five competence areas.
type Area struct {
	ID          string
	Name        course.Text
	Competences []Competence
}

// Level groups of DigComp 2.2's proficiency levels 1–8.
var LevelGroups = []struct {
	Name     course.Text
	From, To int
}{
	{course.Text{"fi": "perustaso", "en": "foundation"}, 1, 2},
	{course.Text{"fi": "keskitaso", "en": "intermediate"}, 3, 4},
	{course.Text{"fi": "edistynyt taso", "en": "advanced"}, 5, 6},
	{course.Text{"fi": "erittäin edistynyt taso", "en": "highly specialised"}, 7, 8},
}

// DigComp is the European Digital Competence Framework for Citizens, version 2.2: five areas and
// 21 competences. The names follow the framework; the short descriptions are ours.
var DigComp = []Area{
	{ID: "1", Name: course.Text{"fi": "Informaatio- ja datalukutaito", "en": "Information and data literacy"}, Competences: []Competence{
		{"1.1", course.Text{"fi": "Datan, tiedon ja digitaalisen sisällön selaaminen, hakeminen ja suodattaminen", "en": "Browsing, searching and filtering data, information and digital content"},
			course.Text{"fi": "Löydän tarvitsemani tiedon verkosta ja rajaan hakua.", "en": "Finding what one needs online and narrowing a search."}},
		{"1.2", course.Text{"fi": "Datan, tiedon ja digitaalisen sisällön arviointi", "en": "Evaluating data, information and digital content"},
			course.Text{"fi": "Arvioin, onko lähde luotettava ja tieto ajantasaista.", "en": "Judging whether a source is reliable and information current."}},
		{"1.3", course.Text{"fi": "Datan, tiedon ja digitaalisen sisällön hallinta", "en": "Managing data, information and digital content"},
			course.Text{"fi": "Tallennan ja järjestän tiedostoja niin, että löydän ne uudelleen.", "en": "Saving and organising files so that they can be found again."}},
	}},
	{ID: "2", Name: course.Text{"fi": "Viestintä ja yhteistyö", "en": "Communication and collaboration"}, Competences: []Competence{
		{"2.1", course.Text{"fi": "Vuorovaikutus digitaalisen teknologian avulla", "en": "Interacting through digital technologies"},
			course.Text{"fi": "Viestin sähköpostilla, viesteillä ja videopuheluilla.", "en": "Communicating by e-mail, messages and video calls."}},
		{"2.2", course.Text{"fi": "Jakaminen digitaalisen teknologian avulla", "en": "Sharing through digital technologies"},
			course.Text{"fi": "Jaan tiedostoja ja tietoa turvallisesti oikeille ihmisille.", "en": "Sharing files and information safely with the right people."}},
		{"2.3", course.Text{"fi": "Kansalaisena toimiminen digitaalisen teknologian avulla", "en": "Engaging in citizenship through digital technologies"},
			course.Text{"fi": "Käytän julkisia ja yksityisiä sähköisiä palveluja.", "en": "Using public and private e-services."}},
		{"2.4", course.Text{"fi": "Yhteistyö digitaalisen teknologian avulla", "en": "Collaborating through digital technologies"},
			course.Text{"fi": "Teen yhteistyötä yhteisten asiakirjojen ja työtilojen avulla.", "en": "Working together in shared documents and workspaces."}},
		{"2.5", course.Text{"fi": "Nettietiketti", "en": "Netiquette"},
			course.Text{"fi": "Toimin verkossa asiallisesti ja otan muut huomioon.", "en": "Behaving appropriately online and respecting others."}},
		{"2.6", course.Text{"fi": "Digitaalisen identiteetin hallinta", "en": "Managing digital identity"},
			course.Text{"fi": "Hallitsen tunnuksiani ja sitä, mitä itsestäni näkyy verkossa.", "en": "Managing one's accounts and what is visible of oneself online."}},
	}},
	{ID: "3", Name: course.Text{"fi": "Digitaalisen sisällön luominen", "en": "Digital content creation"}, Competences: []Competence{
		{"3.1", course.Text{"fi": "Digitaalisen sisällön kehittäminen", "en": "Developing digital content"},
			course.Text{"fi": "Teen tekstejä, kuvia ja esityksiä digitaalisesti.", "en": "Making texts, images and presentations digitally."}},
		{"3.2", course.Text{"fi": "Digitaalisen sisällön yhdistäminen ja muokkaaminen", "en": "Integrating and re-elaborating digital content"},
			course.Text{"fi": "Muokkaan ja yhdistelen olemassa olevaa sisältöä uuteen käyttöön.", "en": "Editing and combining existing content for a new use."}},
		{"3.3", course.Text{"fi": "Tekijänoikeudet ja lisenssit", "en": "Copyright and licences"},
			course.Text{"fi": "Tiedän, mitä saan käyttää ja miten lähde merkitään.", "en": "Knowing what one may use and how to credit it."}},
		{"3.4", course.Text{"fi": "Ohjelmointi", "en": "Programming"},
			course.Text{"fi": "Annan laitteelle ohjeita, esimerkiksi automatisoin toistuvan tehtävän.", "en": "Giving a device instructions, such as automating a repeated task."}},
	}},
	{ID: "4", Name: course.Text{"fi": "Turvallisuus", "en": "Safety"}, Competences: []Competence{
		{"4.1", course.Text{"fi": "Laitteiden suojaaminen", "en": "Protecting devices"},
			course.Text{"fi": "Päivitän laitteet ja tunnistan haittaohjelmien riskit.", "en": "Keeping devices updated and recognising malware risks."}},
		{"4.2", course.Text{"fi": "Henkilötietojen ja yksityisyyden suojaaminen", "en": "Protecting personal data and privacy"},
			course.Text{"fi": "Suojaan omat ja asiakkaan tiedot ja tunnistan huijaukset.", "en": "Protecting one's own and clients' data and spotting scams."}},
		{"4.3", course.Text{"fi": "Terveyden ja hyvinvoinnin suojaaminen", "en": "Protecting health and well-being"},
			course.Text{"fi": "Huolehdin jaksamisesta ja tunnistan digitaalisen kiusaamisen.", "en": "Looking after well-being and recognising online harassment."}},
		{"4.4", course.Text{"fi": "Ympäristön suojaaminen", "en": "Protecting the environment"},
			course.Text{"fi": "Tiedän, miten laitteiden käyttö ja kierrätys vaikuttavat ympäristöön.", "en": "Knowing how using and recycling devices affects the environment."}},
	}},
	{ID: "5", Name: course.Text{"fi": "Ongelmanratkaisu", "en": "Problem solving"}, Competences: []Competence{
		{"5.1", course.Text{"fi": "Teknisten ongelmien ratkaiseminen", "en": "Solving technical problems"},
			course.Text{"fi": "Selvitän tavallisia laiteongelmia tai tiedän, keneltä kysyä.", "en": "Sorting out common device problems, or knowing whom to ask."}},
		{"5.2", course.Text{"fi": "Tarpeiden ja teknologisten ratkaisujen tunnistaminen", "en": "Identifying needs and technological responses"},
			course.Text{"fi": "Valitsen tarpeeseen sopivan välineen tai palvelun.", "en": "Choosing a tool or service that fits the need."}},
		{"5.3", course.Text{"fi": "Digitaalisen teknologian luova käyttö", "en": "Creatively using digital technologies"},
			course.Text{"fi": "Kehitän työtapoja digitaalisten välineiden avulla.", "en": "Improving ways of working with digital tools."}},
		{"5.4", course.Text{"fi": "Digitaalisen osaamisen puutteiden tunnistaminen", "en": "Identifying digital competence gaps"},
			course.Text{"fi": "Tunnistan, mitä minun tai asiakkaan pitää vielä oppia.", "en": "Recognising what oneself or a client still needs to learn."}},
	}},
}

// competence finds a DigComp competence by id.
func competence(id string) (Competence, bool) {
	for _, a := range DigComp {
		for _, c := range a.Competences {
			if c.ID == id {
				return c, true
			}
		}
	}
	return Competence{}, false
}
