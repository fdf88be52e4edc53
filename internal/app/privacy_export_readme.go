package app

// exportReadme is README.txt of a person's data export, in Finnish, Swedish and English.
const exportReadme = `TAITO – OMAT TIETOSI (suomeksi)
================================

Tässä paketissa ovat kaikki tiedot, jotka Taito on tallentanut sinusta. Tiedostot ovat
JSON-muodossa (avautuvat esimerkiksi tekstieditorissa tai selaimessa). Kaksi taulukkoa on myös
CSV-muodossa, ja ne avautuvat taulukkolaskentaohjelmassa. Ajat ovat UTC-aikaa.

account.json                 Käyttäjätilisi: nimi, sähköposti, roolit, yksikkö, kieli. Salasanaa ei
                             ole mukana (Taito ei tallenna sitä, vain siitä lasketun tarkisteen).
sessions_api.json            Kirjautumisesi sovelluksiin: milloin alkoi, vanhenee, käytettiin.
sessions_browser.json        Kirjautumisesi selaimella: milloin alkoi, milloin viimeksi käytössä.
sessions_ended.json          Kirjautumiset, jotka lopetettiin ennen aikaa.
links_sent.json              Sinulle lähetetyt kutsu- ja salasanalinkit (vain ajat, ei linkkejä).
statements.json              Oppimistapahtumasi (xAPI-lausumat) kokonaisina, vanhin ensin.
statements.csv               Sama lyhyesti taulukkona: aika, mitä tehtiin, tulos.
progress.json                Edistymisesi kursseittain sellaisena kuin se on tallennettu.
progress.csv                 Sama taulukkona: oppitunnit ja testien yritykset.
quiz_attempts.json           Testien yrityksesi ja vastauksesi.
wall_posts.json              Seinille kirjoittamasi viestit ja kommentit sekä niiden reaktioiden määrä.
wall_comments_on_my_posts.json
                             Muiden kommentit viesteihisi. Kommentin teksti on mukana, kirjoittajaa
                             ei: hänen tilallaan lukee "another person" (toinen henkilö).
wall_reactions_given.json    Reaktiot, jotka annoit muiden viesteihin.
assessments.json             Osaamisen itsearviointisi ja valmentajan arviot ja muistiinpanot sinusta
                             (valmentajan nimi ei ole mukana).
assessment_drafts.json       Keskeneräiset, lähettämättömät itsearviointisi.
safari_logs.json             Palvelusafarin päiväkirjasi.
enrolments.json              Ryhmät, joihin sinut on liitetty.
cohort_memberships.json      Kullakin kurssilla voimassa oleva ryhmäsi.
cohorts.json                 Ryhmiesi nimet ja kurssit (muut jäsenet eivät ole mukana).
reminders_sent.json          Kouluttajana lähettämäsi muistutukset (vain määrät).
certificates.json            Todistuksesi ja niiden allekirjoitettu sähköinen todiste (JWT).
emails.json                  Sinulle lähetetyt ja lähtevät sähköpostit.
accessibility_feedback.json  Saavutettavuuspalautteet, joihin annoit sähköpostiosoitteesi.
media_uploads.json           Lataamasi tiedostot (vain tiedot, ei itse tiedostoja).
data_exports.json            Pyynnöt tietojesi viennistä (myös tämä).
audit_log.json               Lokimerkinnät siitä, mitä teit ja mitä tiedoillesi tehtiin. Jos joku
                             muu teki jotain, hänen tilallaan lukee "another person".

Paketissa ei ole toisten ihmisten nimiä, sähköpostiosoitteita eikä tunnisteita.


TAITO – DINA UPPGIFTER (på svenska)
===================================

Det här paketet innehåller alla uppgifter som Taito har sparat om dig. Filerna är i JSON-format
(de öppnas till exempel i en textredigerare eller en webbläsare). Två tabeller finns också i
CSV-format och öppnas i ett kalkylprogram. Tiderna är i UTC.

account.json                 Ditt konto: namn, e-post, roller, enhet, språk. Lösenordet finns inte med.
sessions_api.json            Dina inloggningar i appar: när de började, går ut och användes.
sessions_browser.json        Dina inloggningar i webbläsaren: när de började och senast användes.
sessions_ended.json          Inloggningar som avslutades i förtid.
links_sent.json              Inbjudnings- och lösenordslänkar som skickats till dig (bara tider).
statements.json              Dina lärandehändelser (xAPI-utsagor) i sin helhet, den äldsta först.
statements.csv               Samma i korthet som en tabell: tid, vad som gjordes, resultat.
progress.json                Dina framsteg per kurs så som de har sparats.
progress.csv                 Samma som en tabell: lektioner och försök i test.
quiz_attempts.json           Dina försök och svar i test.
wall_posts.json              Inlägg och kommentarer du skrivit på väggarna och antalet reaktioner.
wall_comments_on_my_posts.json
                             Andras kommentarer på dina inlägg. Texten finns med men inte vem som
                             skrev: i stället står det "another person" (en annan person).
wall_reactions_given.json    Reaktioner du gett på andras inlägg.
assessments.json             Dina självvärderingar och coachens bedömningar och anteckningar om dig
                             (utan coachens namn).
assessment_drafts.json       Dina osända utkast till självvärderingar.
safari_logs.json             Dina dagböcker från servicesafarin.
enrolments.json              Grupper du har lagts till i.
cohort_memberships.json      Din gällande grupp i varje kurs.
cohorts.json                 Dina gruppers namn och kurser (utan de andra medlemmarna).
reminders_sent.json          Påminnelser du skickat som utbildare (bara antal).
certificates.json            Dina intyg och deras undertecknade elektroniska bevis (JWT).
emails.json                  E-postmeddelanden som skickats eller ska skickas till dig.
accessibility_feedback.json  Respons om tillgänglighet där du gav din e-postadress.
media_uploads.json           Filer du laddat upp (bara uppgifter om dem, inte filerna).
data_exports.json            Begäranden om export av dina uppgifter (även den här).
audit_log.json               Loggposter om vad du gjort och vad som gjorts med dina uppgifter. Om
                             någon annan gjorde något står det "another person" i stället.

Paketet innehåller inga andra personers namn, e-postadresser eller id:n.


TAITO – YOUR DATA (in English)
==============================

This archive holds all the data Taito has stored about you. The files are JSON (they open in a
text editor or a web browser). Two tables are also given as CSV, which opens in a spreadsheet.
Times are in UTC.

account.json                 Your account: name, e-mail, roles, unit, language. No password.
sessions_api.json            Your sign-ins in apps: when each started, expires, was used.
sessions_browser.json        Your sign-ins in a browser: when each started and was last used.
sessions_ended.json          Sign-ins that were ended early.
links_sent.json              Invitation and password links sent to you (times only, no links).
statements.json              Your learning events (xAPI statements) in full, oldest first.
statements.csv               The same in short as a table: when, what was done, the result.
progress.json                Your progress in each course as it is stored.
progress.csv                 The same as a table: lessons and quiz attempts.
quiz_attempts.json           Your quiz attempts and answers.
wall_posts.json              Posts and comments you wrote on walls, with how many reactions each got.
wall_comments_on_my_posts.json
                             Other people's comments on your posts. Their text is included but not
                             who wrote them: "another person" stands in their place.
wall_reactions_given.json    The reactions you gave to posts.
assessments.json             Your self-assessments and your coach's ratings and notes about you
                             (without the coach's name).
assessment_drafts.json       Your unsent self-assessment drafts.
safari_logs.json             Your service-safari logs.
enrolments.json              The groups you were added to.
cohort_memberships.json      Your current group in each course.
cohorts.json                 Your groups' names and courses (without the other members).
reminders_sent.json          Reminders you sent as a trainer (counts only).
certificates.json            Your certificates and their signed digital credentials (JWT).
emails.json                  E-mails sent, or waiting to be sent, to you.
accessibility_feedback.json  Accessibility feedback for which you gave your e-mail address.
media_uploads.json           Files you uploaded (their details, not the files).
data_exports.json            Requests to export your data (this one too).
audit_log.json               Log entries of what you did and what was done with your data. Where
                             someone else acted, "another person" stands in their place.

The archive holds no other person's name, e-mail address or id.
`
