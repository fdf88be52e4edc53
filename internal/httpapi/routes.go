package httpapi

// routes lists the whole API. Every route here is also in openapi.yaml; a test checks both ways.
// Routes with s.authn need an access token; the others are public.
func (s *Server) routes() {
	app := s.fiber
	app.Use(s.requestID, s.accessLog, s.securityHeaders, s.deadline, s.bodyLimit, s.clientAddress)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/api/openapi.yaml", s.openAPI)
	app.Get("/.well-known/jwks.json", s.jwks)

	// Accounts and sign-in.
	app.Post("/api/v1/auth/login", s.login)
	app.Post("/api/v1/auth/refresh", s.refresh)
	app.Post("/api/v1/auth/logout", s.logout)
	app.Post("/api/v1/auth/logout-all", s.authn, s.logoutAll)
	app.Post("/api/v1/auth/invitations/accept", s.acceptInvitation)
	app.Post("/api/v1/auth/password-reset", s.passwordReset)
	app.Post("/api/v1/auth/password-reset/confirm", s.passwordResetConfirm)
	app.Get("/api/v1/me", s.authn, s.me)
	app.Patch("/api/v1/me", s.authn, s.updateMe)
	app.Post("/api/v1/users", s.authn, s.createUser)
	app.Get("/api/v1/users", s.authn, s.listUsers)
	app.Get("/api/v1/users/:id", s.authn, s.getUser)
	app.Patch("/api/v1/users/:id", s.authn, s.updateUser)
	app.Post("/api/v1/users/:id/invitation", s.authn, s.resendInvitation)
	app.Get("/api/v1/outbox", s.authn, s.listOutbox)
	app.Get("/api/v1/admin/audit", s.authn, s.auditLog)
	app.Get("/api/v1/admin/status", s.authn, s.adminStatus)

	// Courses: catalogue and delivery for every signed-in user, authoring for each course's team.
	app.Get("/api/v1/courses", s.authn, s.listCourses)
	app.Post("/api/v1/courses", s.authn, s.createCourse)
	app.Get("/api/v1/courses/:slug", s.authn, s.getCourse)
	app.Get("/api/v1/courses/:slug/lessons/:lesson", s.authn, s.getLesson)
	app.Get("/api/v1/courses/:slug/draft", s.authn, s.getDraft)
	app.Put("/api/v1/courses/:slug/draft", s.authn, s.saveDraft)
	app.Get("/api/v1/courses/:slug/draft/lessons/:lesson", s.authn, s.previewLesson)
	app.Post("/api/v1/courses/:slug/publish", s.authn, s.publishCourse)
	app.Get("/api/v1/courses/:slug/versions", s.authn, s.listVersions)
	app.Post("/api/v1/courses/:slug/archive", s.authn, s.archiveCourse)
	app.Get("/api/v1/courses/:slug/team", s.authn, s.getTeam)
	app.Put("/api/v1/courses/:slug/team", s.authn, s.setTeam)

	// Media: uploads and delivery on presigned S3 URLs, or through Taito in proxy mode.
	app.Post("/api/v1/media/uploads", s.authn, s.startUpload)
	app.Put("/api/v1/media/uploads/:id/content", s.authn, s.uploadContent)
	app.Post("/api/v1/media/uploads/:id/complete", s.authn, s.completeUpload)
	app.Get("/api/v1/media/:id", s.authn, s.getMedia)
	app.Put("/api/v1/media/:id/captions/:locale", s.authn, s.putCaptions)

	// Activities: quizzes, reflection walls, self-assessments, service-safari logs. An activity's
	// id is "course:activity" everywhere (see openapi.yaml).
	app.Get("/api/v1/quizzes/:id", s.authn, s.getQuiz)
	app.Post("/api/v1/quizzes/:id/attempts", s.authn, s.startAttempt)
	app.Get("/api/v1/quizzes/:id/stats", s.authn, s.quizStats)
	app.Get("/api/v1/attempts/:id", s.authn, s.getAttempt)
	app.Put("/api/v1/attempts/:id/answers", s.authn, s.saveAnswers)
	app.Post("/api/v1/attempts/:id/submit", s.authn, s.submitAttempt)
	app.Get("/api/v1/cohorts/:id/walls/:task/posts", s.authn, s.listPosts)
	app.Post("/api/v1/cohorts/:id/walls/:task/posts", s.authn, s.createPost)
	app.Patch("/api/v1/cohorts/:id/walls/:task/posts/:post", s.authn, s.editPost)
	app.Delete("/api/v1/cohorts/:id/walls/:task/posts/:post", s.authn, s.deletePost)
	app.Post("/api/v1/cohorts/:id/walls/:task/posts/:post/comments", s.authn, s.createComment)
	app.Put("/api/v1/cohorts/:id/walls/:task/posts/:post/reactions/:kind", s.authn, s.react(true))
	app.Delete("/api/v1/cohorts/:id/walls/:task/posts/:post/reactions/:kind", s.authn, s.react(false))
	app.Get("/api/v1/frameworks/digcomp", s.authn, s.digcomp)
	app.Post("/api/v1/assessments", s.authn, s.submitAssessment)
	app.Get("/api/v1/assessments", s.authn, s.listAssessments)
	app.Get("/api/v1/assessments/forms/:id", s.authn, s.getAssessmentForm)
	app.Get("/api/v1/assessments/:id", s.authn, s.getAssessment)
	app.Put("/api/v1/assessments/:id/coach", s.authn, s.coachAssessment)
	app.Post("/api/v1/safari-logs", s.authn, s.saveSafari(true))
	app.Get("/api/v1/safari-logs", s.authn, s.listSafaris)
	app.Get("/api/v1/safari-logs/summary", s.authn, s.safariSummary)
	app.Get("/api/v1/safari-logs/forms/:id", s.authn, s.getSafariForm)
	app.Get("/api/v1/safari-logs/:id", s.authn, s.getSafari)
	app.Put("/api/v1/safari-logs/:id", s.authn, s.saveSafari(false))

	// Cohorts.
	app.Post("/api/v1/cohorts", s.authn, s.createCohort)
	app.Get("/api/v1/cohorts", s.authn, s.listCohorts)
	app.Post("/api/v1/cohorts/join", s.authn, s.joinCohort)
	app.Get("/api/v1/cohorts/:id", s.authn, s.getCohort)
	app.Patch("/api/v1/cohorts/:id", s.authn, s.patchCohort)
	app.Post("/api/v1/cohorts/:id/members", s.authn, s.addMembers)
	app.Delete("/api/v1/cohorts/:id/members/:user", s.authn, s.removeMember)
	app.Get("/api/v1/cohorts/:id/dashboard", s.authn, s.dashboard)
	app.Get("/api/v1/cohorts/:id/learners/:user", s.authn, s.learnerProgress)
	app.Get("/api/v1/cohorts/:id/assessments", s.authn, s.cohortAssessments)
	app.Get("/api/v1/cohorts/:id/report.csv", s.authn, s.report)
	app.Get("/api/v1/reports/completion", s.authn, s.completionReport)
	app.Post("/api/v1/cohorts/:id/reminders", s.authn, s.sendReminder)
	app.Get("/api/v1/reminders/unsubscribe", s.unsubscribePage)
	app.Post("/api/v1/reminders/unsubscribe", s.unsubscribe)

	// The learning record: statements in, progress out.
	app.Post("/api/v1/statements", s.authn, s.postStatements)
	app.Post("/api/v1/courses/:slug/lessons/:lesson/events", s.authn, s.lessonEvent)
	app.Get("/api/v1/me/statements", s.authn, s.myStatements)
	app.Get("/api/v1/me/courses", s.authn, s.myCourses)
	app.Get("/api/v1/me/cohorts", s.authn, s.myCohorts)
	app.Get("/api/v1/me/progress/:slug", s.authn, s.myProgress)

	// A person's data exports (GDPR Articles 15 and 20): her own, or by an admin for a request.
	app.Post("/api/v1/me/exports", s.authn, s.requestMyExport)
	app.Get("/api/v1/me/exports", s.authn, s.myExports)
	app.Get("/api/v1/me/exports/:id", s.authn, s.myExport)
	app.Get("/api/v1/me/exports/:id/download", s.authn, s.downloadExport)
	app.Post("/api/v1/admin/users/:id/exports", s.authn, s.requestUserExport)
	// Erasure of a person (GDPR Article 17), by admins.
	app.Post("/api/v1/admin/users/:id/erasure", s.authn, s.eraseUser)
	app.Get("/api/v1/admin/erasures/:id", s.authn, s.erasure)

	// Certificates: a learner's own, public verification and the issuer's documents, revocation
	// by admins.
	app.Get("/api/v1/me/credentials", s.authn, s.myCredentials)
	app.Get("/api/v1/me/credentials/:id/certificate.pdf", s.authn, s.credentialPDF)
	app.Get("/api/v1/me/credentials/:id/credential", s.authn, s.credentialJWT)
	app.Patch("/api/v1/me/credentials/:id", s.authn, s.patchCredential)
	app.Post("/api/v1/credentials/:id/revoke", s.authn, s.revokeCredential)
	app.Get("/api/v1/verify/:id", s.verify)
	app.Get("/credentials/issuer", s.credentialIssuer)
	app.Get("/credentials/jwks.json", s.credentialJWKS)
	app.Get("/credentials/status/:list", s.credentialStatus)
}
