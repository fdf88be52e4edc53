package httpapi

// routes lists the whole API. Every route here is also in openapi.yaml; a test checks both ways.
func (s *Server) routes() {
	app := s.app
	app.Use(s.requestID, s.accessLog, s.securityHeaders, s.deadline)

	app.Get("/healthz", s.healthz)
	app.Get("/readyz", s.readyz)
	app.Get("/api/openapi.yaml", s.openAPI)

}
