package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"

	"github.com/taito-lms/taito/internal/auth"
	"github.com/taito-lms/taito/internal/httpapi"
	"github.com/taito-lms/taito/internal/links"
)

// protectedOperations lists every operation in openapi.yaml that needs a token, with its path
// parameters filled with ids nobody has.
func protectedOperations(t *testing.T) [][2]string {
	doc, _ := loadSpec(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	var ops [][2]string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Security != nil && len(*op.Security) == 0 {
				continue // public
			}
			ops = append(ops, [2]string{method, param.ReplaceAllStringFunc(path, func(string) string { return uuid.NewString() })})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i][1]+ops[i][0] < ops[j][1]+ops[j][0] })
	if len(ops) < 5 {
		t.Fatalf("only %d protected operations in openapi.yaml", len(ops))
	}
	return ops
}

func mapClaims(sub string, iss string, iat time.Time) jwt.MapClaims {
	return jwt.MapClaims{"sub": sub, "roles": []string{"admin"}, "iss": iss, "aud": auth.Audience,
		"iat": iat.Unix(), "exp": iat.Add(10 * time.Minute).Unix(), "jti": uuid.NewString()}
}

// TestEveryProtectedRouteRefusesBadTokens tries each protected operation with no token and with
// every kind of bad token. The client learns only that the token was not accepted.
func TestEveryProtectedRouteRefusesBadTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.users["admin"]
	now := e.clock.Now()
	p := auth.Principal{UserID: admin.ID, Roles: admin.Roles}

	expired, _ := auth.NewTokens(e.keys, testIssuer, 15*time.Minute, func() time.Time { return now.Add(-20 * time.Minute) }).Sign(p)
	otherKeys, _ := auth.ParseKeySet(auth.GenerateKeyPEM())
	otherKey, _ := auth.NewTokens(otherKeys, testIssuer, 15*time.Minute, e.clock.Now).Sign(p)
	wrongIssuer, _ := auth.NewTokens(e.keys, "http://elsewhere.test", 15*time.Minute, e.clock.Now).Sign(p)
	algNone, _ := jwt.NewWithClaims(jwt.SigningMethodNone, mapClaims(admin.ID, testIssuer, now)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	// Algorithm confusion: HMAC keyed with the published public key.
	jwk := e.keys.JWKS()[0]
	pub, _ := base64.RawURLEncoding.DecodeString(jwk.X)
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, mapClaims(admin.ID, testIssuer, now))
	hs.Header["kid"] = jwk.Kid
	hmacWithPublicKey, _ := hs.SignedString(pub)
	// A well-formed token for a user who does not exist.
	ghost, _ := e.auth.Tokens().Sign(auth.Principal{UserID: uuid.NewString(), Roles: []auth.Role{auth.RoleAdmin}})
	valid := e.token(t, "admin")
	tampered := valid[:len(valid)-4] + "AAAA"
	if ed25519.PublicKeySize != len(pub) {
		t.Fatalf("JWKS x is %d bytes", len(pub))
	}

	bad := map[string]map[string]string{
		"no token":             {},
		"not bearer":           {"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("admin@example.fi:"+testPassword))},
		"empty bearer":         {"Authorization": "Bearer "},
		"garbage":              {"Authorization": "Bearer abc.def.ghi"},
		"expired":              {"Authorization": "Bearer " + expired},
		"signed by other key":  {"Authorization": "Bearer " + otherKey},
		"wrong issuer":         {"Authorization": "Bearer " + wrongIssuer},
		"alg none":             {"Authorization": "Bearer " + algNone},
		"hmac with public key": {"Authorization": "Bearer " + hmacWithPublicKey},
		"tampered signature":   {"Authorization": "Bearer " + tampered},
		"unknown user":         {"Authorization": "Bearer " + ghost},
	}
	for _, op := range protectedOperations(t) {
		for name, headers := range bad {
			t.Run(op[0]+" "+op[1]+" "+name, func(t *testing.T) {
				resp, body := do(t, e.app, scenario{method: op[0], path: op[1], headers: headers, body: "{}"})
				if resp.StatusCode != http.StatusUnauthorized {
					t.Fatalf("status %d, want 401: %s", resp.StatusCode, body)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				for _, leak := range []string{"expired", "signature", "issuer", "alg", "kid", "key"} {
					if strings.Contains(strings.ToLower(string(body)), leak+" ") && !strings.Contains(string(body), "invalid or expired token") {
						t.Errorf("the reason leaks (%q): %s", leak, body)
					}
				}
			})
		}
		t.Run(op[0]+" "+op[1]+" token in query", func(t *testing.T) {
			resp, body := do(t, e.app, scenario{method: op[0], path: op[1] + "?access_token=" + valid, body: "{}"})
			if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(string(body), "Authorization header") {
				t.Fatalf("status %d, want 401 asking for the header: %s", resp.StatusCode, body)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	learner, trainer, admin := e.token(t, "learner"), e.token(t, "trainer"), e.token(t, "admin")
	adminID := e.users["admin"].ID
	learnerID := e.users["learner"].ID
	run(t, e.app, []scenario{
		{name: "learner lists users", method: "GET", path: "/api/v1/users", token: learner, status: 403},
		{name: "learner reads another user", method: "GET", path: "/api/v1/users/" + adminID, token: learner, status: 403, forbid: []string{"admin@example.fi"}},
		{name: "learner reads herself through the admin route", method: "GET", path: "/api/v1/users/" + learnerID, token: learner, status: 403},
		{name: "learner disables the admin", method: "PATCH", path: "/api/v1/users/" + adminID, token: learner, body: `{"disabled":true}`, status: 403},
		{name: "learner makes herself admin", method: "PATCH", path: "/api/v1/users/" + learnerID, token: learner, body: `{"roles":["admin"]}`, status: 403},
		{name: "learner invites", method: "POST", path: "/api/v1/users", token: learner, body: `{"email":"x@example.fi","name":"X","roles":["learner"]}`, status: 403},
		{name: "learner reads outbox", method: "GET", path: "/api/v1/outbox", token: learner, status: 403},
		{name: "trainer lists users", method: "GET", path: "/api/v1/users", token: trainer, status: 403},
		{name: "trainer reads outbox", method: "GET", path: "/api/v1/outbox", token: trainer, status: 403},
		{name: "trainer invites a trainer", method: "POST", path: "/api/v1/users", token: trainer, body: `{"email":"t2@example.fi","name":"T","roles":["trainer"]}`, status: 403, want: []string{"learners only"}},
		{name: "trainer invites an admin alongside a learner", method: "POST", path: "/api/v1/users", token: trainer, body: `{"email":"t3@example.fi","name":"T","roles":["learner","admin"]}`, status: 403},
		{name: "trainer invites a learner", method: "POST", path: "/api/v1/users", token: trainer, body: `{"email":"new.learner@example.fi","name":"Uusi Oppija","roles":["learner"]}`, status: 201, want: []string{`"pending":true`, `"invitation":{"expires_at"`}, forbid: []string{"token="}},
		{name: "admin lists users", method: "GET", path: "/api/v1/users", token: admin, status: 200, want: []string{"learner2@example.fi"}},
		{name: "admin reads one", method: "GET", path: "/api/v1/users/" + learnerID, token: admin, status: 200, want: []string{`"org_unit":"Joensuu / aikuissosiaalityö"`}, forbid: []string{"password"}},
		{name: "admin reads unknown id", method: "GET", path: "/api/v1/users/" + uuid.NewString(), token: admin, status: 404},
		{name: "admin cannot disable herself", method: "PATCH", path: "/api/v1/users/" + adminID, token: admin, body: `{"disabled":true}`, status: 409},
		{name: "admin cannot drop her own admin role", method: "PATCH", path: "/api/v1/users/" + adminID, token: admin, body: `{"roles":["trainer"]}`, status: 409},
		{name: "admin changes org unit", method: "PATCH", path: "/api/v1/users/" + learnerID, token: admin, body: `{"org_unit":"Outokumpu / työllisyyspalvelut"}`, status: 200, want: []string{"Outokumpu"}},
		{name: "admin reads outbox", method: "GET", path: "/api/v1/outbox", token: admin, status: 200, want: []string{"new.learner@example.fi", "/invitation?token="}},
	})
}

func TestSignInRefreshAndLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.login(t, "Learner@Example.fi ", testPassword) // e-mail is case-insensitive
	if tk.TokenType != "Bearer" || tk.ExpiresIn != 900 || tk.RefreshToken == "" {
		t.Fatalf("tokens: %+v", tk)
	}
	run(t, e.app, []scenario{{name: "me", method: "GET", path: "/api/v1/me", token: tk.AccessToken, status: 200,
		want: []string{`"email":"learner@example.fi"`, `"roles":["learner"]`, `"locale":"en"`}, forbid: []string{"password"}}})

	// Wrong password and unknown e-mail look the same.
	_, wrongPw := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: `{"email":"learner@example.fi","password":"wrong password!!"}`})
	_, noUser := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: `{"email":"nobody@example.fi","password":"wrong password!!"}`})
	if stripRequestID(wrongPw) != stripRequestID(noUser) {
		t.Errorf("wrong password and unknown e-mail differ:\n%s\n%s", wrongPw, noUser)
	}

	refresh := func(rt string) (int, tokens) {
		resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": rt})})
		var out tokens
		_ = json.Unmarshal(body, &out)
		return resp.StatusCode, out
	}
	status, second := refresh(tk.RefreshToken)
	if status != 200 || second.RefreshToken == tk.RefreshToken || second.AccessToken == "" {
		t.Fatalf("refresh: %d %+v", status, second)
	}
	status, third := refresh(second.RefreshToken)
	if status != 200 {
		t.Fatalf("second refresh: %d", status)
	}
	// Reuse of a used token: the whole family goes, including the newest token.
	if status, _ := refresh(tk.RefreshToken); status != 401 {
		t.Fatalf("reused refresh token: %d, want 401", status)
	}
	if status, _ := refresh(third.RefreshToken); status != 401 {
		t.Fatalf("newest token of a revoked family: %d, want 401", status)
	}

	// A fresh sign-in is a new family; logout revokes it.
	tk = e.login(t, "learner@example.fi", testPassword)
	run(t, e.app, []scenario{
		{name: "logout", method: "POST", path: "/api/v1/auth/logout", body: jsonBody(map[string]string{"refresh_token": tk.RefreshToken}), status: 204},
		{name: "logout again", method: "POST", path: "/api/v1/auth/logout", body: jsonBody(map[string]string{"refresh_token": tk.RefreshToken}), status: 204},
		{name: "refresh after logout", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": tk.RefreshToken}), status: 401},
		{name: "refresh with junk", method: "POST", path: "/api/v1/auth/refresh", body: `{"refresh_token":"junk"}`, status: 401, want: []string{"invalid or expired token"}},
	})

	// Refresh tokens expire after 30 days.
	tk = e.login(t, "learner@example.fi", testPassword)
	e.clock.Advance(auth.RefreshTokenTTL + time.Minute)
	if status, _ := refresh(tk.RefreshToken); status != 401 {
		t.Errorf("refresh after 30 days: %d, want 401", status)
	}
}

func stripRequestID(b []byte) string {
	return regexp.MustCompile(`"request_id":"[^"]*"`).ReplaceAllString(string(b), "")
}

func TestDisabledUserIsLockedOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	learner := e.login(t, "learner@example.fi", testPassword)
	admin := e.token(t, "admin")
	run(t, e.app, []scenario{
		{name: "learner works", method: "GET", path: "/api/v1/me", token: learner.AccessToken, status: 200},
		{name: "admin disables", method: "PATCH", path: "/api/v1/users/" + e.users["learner"].ID, token: admin, body: `{"disabled":true}`, status: 200, want: []string{`"disabled":true`}},
		{name: "refresh revoked at once", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": learner.RefreshToken}), status: 401},
		{name: "sign-in refused like a wrong password", method: "POST", path: "/api/v1/auth/login", body: jsonBody(map[string]string{"email": "learner@example.fi", "password": testPassword}), status: 401, want: []string{"invalid email or password"}},
	})
	// This replica forgot its cached status when it made the change; another replica's cache
	// lives at most 30 seconds, well inside the 15-minute access-token life.
	e.clock.Advance(31 * time.Second)
	run(t, e.app, []scenario{{name: "access token refused", method: "GET", path: "/api/v1/me", token: learner.AccessToken, status: 401}})

	// A second service over the same database stands for another replica with a warm cache.
	other := auth.NewService(e.db, e.auth.Tokens(), auth.NewHasher(testArgon2, 1, 4), e.outbox, links.New(testIssuer), false, auth.SessionLimits{}, e.clock.Now, nil)
	l2 := e.login(t, "learner2@example.fi", testPassword)
	if _, err := other.Authenticate(context.Background(), l2.AccessToken); err != nil {
		t.Fatal(err)
	}
	run(t, e.app, []scenario{{name: "disable learner2", method: "PATCH", path: "/api/v1/users/" + e.users["learner2"].ID, token: admin, body: `{"disabled":true}`, status: 200}})
	e.clock.Advance(31 * time.Second)
	if _, err := other.Authenticate(context.Background(), l2.AccessToken); err == nil {
		t.Error("another replica still accepts a disabled user's token after 31 seconds")
	}
}

func TestSignInThrottle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wrong := jsonBody(map[string]string{"email": "trainer@example.fi", "password": "not the password"})
	for i := 0; i < 10; i++ {
		resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: wrong})
		if resp.StatusCode != 401 {
			t.Fatalf("failure %d: status %d %s", i+1, resp.StatusCode, body)
		}
	}
	right := jsonBody(map[string]string{"email": "trainer@example.fi", "password": testPassword})
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: right})
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("after 10 failures: %d (Retry-After %q) %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// The back-off is short, not a lock: after it, the right password works.
	e.clock.Advance(31 * time.Second)
	if resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: right}); resp.StatusCode != 200 {
		t.Fatalf("after the back-off: %d %s", resp.StatusCode, body)
	}
	// Other accounts are not affected, and an unknown e-mail is throttled the same way, so the
	// throttle does not reveal which accounts exist.
	e.login(t, "learner@example.fi", testPassword)
	ghost := jsonBody(map[string]string{"email": "ghost@example.fi", "password": "not the password"})
	for i := 0; i < 10; i++ {
		do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: ghost})
	}
	if resp, _ := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/login", body: ghost}); resp.StatusCode != 429 {
		t.Errorf("unknown e-mail after 10 failures: %d, want 429", resp.StatusCode)
	}
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token(t, "admin")
	resp, body := do(t, e.app, scenario{method: "POST", path: "/api/v1/users", token: admin,
		body: `{"email":"Anna.Asiakasohjaaja@Example.fi","name":"Anna Asiakasohjaaja","roles":["learner","trainer"],"org_unit":"Kontiolahti / sosiaalityö","locale":"sv"}`})
	if resp.StatusCode != 201 || resp.Header.Get("Location") == "" {
		t.Fatalf("create: %d %s", resp.StatusCode, body)
	}
	mails := e.outboxTo(t, "anna.asiakasohjaaja@example.fi")
	if len(mails) != 1 || !strings.Contains(mails[0].Email.Subject, "Inbjudan") || !strings.Contains(mails[0].Email.Text, testIssuer+"/invitation?token=") {
		t.Fatalf("invitation e-mail: %+v", mails)
	}
	tok := linkToken(t, mails[0].Email.Text)
	run(t, e.app, []scenario{
		{name: "duplicate e-mail", method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"anna.asiakasohjaaja@example.fi","name":"A","roles":["learner"]}`, status: 409},
		{name: "pending account cannot sign in", method: "POST", path: "/api/v1/auth/login", body: jsonBody(map[string]string{"email": "anna.asiakasohjaaja@example.fi", "password": ""}), status: 422},
		{name: "weak password", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": tok, "password": "short"}), status: 422, want: []string{`"field":"password"`, "at least 12"}},
		{name: "wrong token", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": "x" + tok, "password": "Pitkä salasana 2026"}), status: 401},
		{name: "accept", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]any{"token": tok, "password": "Pitkä salasana 2026", "name": "Anna A."}), status: 200, want: []string{"access_token"}},
		{name: "accept twice", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": tok, "password": "Toinen salasana 2026"}), status: 401},
	})
	tk := e.login(t, "anna.asiakasohjaaja@example.fi", "Pitkä salasana 2026")
	run(t, e.app, []scenario{{name: "me after accepting", method: "GET", path: "/api/v1/me", token: tk.AccessToken, status: 200, want: []string{`"name":"Anna A."`, `"locale":"sv"`, `"roles":["learner","trainer"]`}}})

	// Invitations expire after seven days.
	do(t, e.app, scenario{method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"late@example.fi","name":"Late","roles":["learner"]}`})
	late := linkToken(t, e.outboxTo(t, "late@example.fi")[0].Email.Text)
	e.clock.Advance(auth.InvitationTTL + time.Minute)
	run(t, e.app, []scenario{{name: "expired invitation", method: "POST", path: "/api/v1/auth/invitations/accept", body: jsonBody(map[string]string{"token": late, "password": "Pitkä salasana 2026"}), status: 401}})
}

func TestPasswordReset(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.login(t, "learner@example.fi", testPassword)
	_, known := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"learner@example.fi"}`})
	_, unknown := do(t, e.app, scenario{method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"nobody@example.fi"}`})
	e.auth.Wait() // the lookup and the e-mail happen after the answer
	if string(known) != string(unknown) {
		t.Errorf("reset answers differ: %s vs %s", known, unknown)
	}
	mails := e.outboxTo(t, "learner@example.fi")
	if len(mails) != 1 || !strings.Contains(mails[0].Email.Text, "/password-reset?token=") {
		t.Fatalf("reset e-mail: %+v", mails)
	}
	if len(e.outboxTo(t, "nobody@example.fi")) != 0 {
		t.Error("an e-mail was queued for an unknown address")
	}
	tok := linkToken(t, mails[0].Email.Text)
	run(t, e.app, []scenario{
		{name: "weak password", method: "POST", path: "/api/v1/auth/password-reset/confirm", body: jsonBody(map[string]string{"token": tok, "password": "lyhyt"}), status: 422},
		{name: "confirm", method: "POST", path: "/api/v1/auth/password-reset/confirm", body: jsonBody(map[string]string{"token": tok, "password": "Uusi salasana talveksi"}), status: 204},
		{name: "confirm twice", method: "POST", path: "/api/v1/auth/password-reset/confirm", body: jsonBody(map[string]string{"token": tok, "password": "Kolmas salasana talveksi"}), status: 401},
		{name: "old password", method: "POST", path: "/api/v1/auth/login", body: jsonBody(map[string]string{"email": "learner@example.fi", "password": testPassword}), status: 401},
		{name: "old sessions signed out", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": old.RefreshToken}), status: 401},
	})
	e.login(t, "learner@example.fi", "Uusi salasana talveksi")
}

func TestUpdateMe(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tk := e.login(t, "learner@example.fi", testPassword)
	run(t, e.app, []scenario{
		{name: "name and locale", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"name":"Liisa Oppija","locale":"en"}`, status: 200, want: []string{`"name":"Liisa Oppija"`, `"locale":"en"`}},
		{name: "bad locale", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"locale":"de"}`, status: 422, want: []string{`"field":"locale"`}},
		{name: "empty name", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"name":"  "}`, status: 422},
		{name: "password without current", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"password":"Uusi pitkä salasana"}`, status: 422, want: []string{`"field":"current_password"`}},
		{name: "password with wrong current", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"password":"Uusi pitkä salasana","current_password":"väärä salasana"}`, status: 422, want: []string{`"field":"current_password"`}},
		{name: "roles cannot be set here", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: `{"roles":["admin"]}`, status: 422, want: []string{`"field":"roles"`, "not a known field"}},
		{name: "password", method: "PATCH", path: "/api/v1/me", token: tk.AccessToken, body: jsonBody(map[string]string{"password": "Uusi pitkä salasana", "current_password": testPassword}), status: 200},
		{name: "other sessions signed out", method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": tk.RefreshToken}), status: 401},
	})
	e.login(t, "learner@example.fi", "Uusi pitkä salasana")
}

func TestAuthBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token(t, "admin")
	long := strings.Repeat("ä", 201)
	run(t, e.app, []scenario{
		{name: "malformed JSON", method: "POST", path: "/api/v1/auth/login", body: `{"email":`, status: 400, want: []string{"malformed JSON"}},
		{name: "not an object", method: "POST", path: "/api/v1/auth/login", body: `["a"]`, status: 400},
		{name: "trailing data", method: "POST", path: "/api/v1/auth/login", body: `{"email":"a@b.fi","password":"x"} {}`, status: 400},
		{name: "unknown field", method: "POST", path: "/api/v1/auth/login", body: `{"email":"a@b.fi","password":"x","admin":true}`, status: 422, want: []string{`"field":"admin"`}},
		{name: "wrong type", method: "POST", path: "/api/v1/auth/login", body: `{"email":1,"password":"x"}`, status: 422, want: []string{`"field":"email"`, "a string"}},
		{name: "missing fields", method: "POST", path: "/api/v1/auth/login", body: `{}`, status: 422, want: []string{`"field":"email"`, `"field":"password"`}},
		{name: "empty body", method: "POST", path: "/api/v1/auth/login", headers: map[string]string{"Content-Type": "application/json"}, status: 400},
		{name: "form body", method: "POST", path: "/api/v1/auth/login", body: "email=a", headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, status: 415},
		{name: "oversize password", method: "POST", path: "/api/v1/auth/login", body: jsonBody(map[string]string{"email": "admin@example.fi", "password": strings.Repeat("x", 300)}), status: 401},
		{name: "invalid e-mail", method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"not-an-email","name":"X","roles":["learner"]}`, status: 422, want: []string{`"field":"email"`}},
		{name: "e-mail with display name", method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"X <x@example.fi>","name":"X","roles":["learner"]}`, status: 422, want: []string{`"field":"email"`}},
		{name: "every problem at once", method: "POST", path: "/api/v1/users", token: admin, body: jsonBody(map[string]any{"email": "", "name": long, "roles": []string{"root"}, "locale": "de", "org_unit": "a\x00b"}), status: 422,
			want: []string{`"field":"email"`, `"field":"name"`, `"field":"roles.0"`, `"field":"locale"`, `"field":"org_unit"`}},
		{name: "no roles", method: "POST", path: "/api/v1/users", token: admin, body: `{"email":"x@example.fi","name":"X","roles":[]}`, status: 422, want: []string{`"field":"roles"`}},
		{name: "empty patch", method: "PATCH", path: "/api/v1/users/" + e.users["learner"].ID, token: admin, body: `{}`, status: 400},
		{name: "bool as string", method: "PATCH", path: "/api/v1/users/" + e.users["learner"].ID, token: admin, body: `{"disabled":"yes"}`, status: 422, want: []string{`"field":"disabled"`}},
		{name: "bad limit", method: "GET", path: "/api/v1/users?limit=0", token: admin, status: 422, want: []string{`"field":"limit"`}},
		{name: "huge limit", method: "GET", path: "/api/v1/users?limit=100000", token: admin, status: 422},
		{name: "bad role filter", method: "GET", path: "/api/v1/users?role=root", token: admin, status: 422},
		{name: "operator as filter value is just text", method: "GET", path: "/api/v1/users?org_unit=%7B%22%24ne%22%3A%22%22%7D", token: admin, status: 200, want: []string{`"items":[]`}},
	})
}

func TestListUsersPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.token(t, "admin")
	seen := map[string]bool{}
	after := ""
	for page := 0; ; page++ {
		if page > 10 {
			t.Fatal("pagination does not end")
		}
		var out struct {
			Items []struct {
				ID    string `json:"id"`
				Email string `json:"email"`
			} `json:"items"`
			Next string `json:"next"`
		}
		_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/users?limit=1&after=" + after, token: admin})
		if err := json.Unmarshal(body, &out); err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			if seen[it.ID] {
				t.Fatalf("user %s listed twice", it.Email)
			}
			seen[it.ID] = true
		}
		if out.Next == "" {
			break
		}
		after = out.Next
	}
	if len(seen) != 4 {
		t.Errorf("listed %d users over pages, want 4", len(seen))
	}
	_, body := do(t, e.app, scenario{method: "GET", path: "/api/v1/users?role=learner&org_unit=" + strings.ReplaceAll("Lieksa / aikuissosiaalityö", " ", "%20"), token: admin})
	if !strings.Contains(string(body), "learner2@example.fi") || strings.Contains(string(body), `"learner@example.fi"`) {
		t.Errorf("filtered list: %s", body)
	}
}

func TestJWKS(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	run(t, e.app, []scenario{{name: "jwks", method: "GET", path: "/.well-known/jwks.json", status: 200, want: []string{`"kty":"OKP"`, `"alg":"EdDSA"`, `"kid":"` + e.keys.JWKS()[0].Kid + `"`}, forbid: []string{`"d":`}}})
}

// me is a scenario that uses an access token.
func me(name, token string, status int) scenario {
	return scenario{name: name, method: "GET", path: "/api/v1/me", token: token, status: status}
}

func refreshWith(name, refreshToken string, status int) scenario {
	return scenario{name: name, method: "POST", path: "/api/v1/auth/refresh", body: jsonBody(map[string]string{"refresh_token": refreshToken}), status: status}
}

func logoutWith(name, refreshToken string) scenario {
	return scenario{name: name, method: "POST", path: "/api/v1/auth/logout", body: jsonBody(map[string]string{"refresh_token": refreshToken}), status: 204}
}

// patchUser returns scenarios of the admin changing the account of who.
func (e *env) patchUser(t *testing.T, who string) func(name, body string) scenario {
	t.Helper()
	admin, path := e.token(t, "admin"), "/api/v1/users/"+e.users[who].ID
	return func(name, body string) scenario {
		return scenario{name: name, method: "PATCH", path: path, token: admin, body: body, status: 200}
	}
}

// twoDevices signs the learner in twice, as on a phone and on a laptop: two sessions.
func (e *env) twoDevices(t *testing.T) (phone, laptop tokens) {
	t.Helper()
	return e.login(t, "learner@example.fi", testPassword), e.login(t, "learner@example.fi", testPassword)
}

// TestLogoutEndsThatDevicesAccessTokenOnly: logging out ends the session's access token at
// once, not only its refresh token; the account's other device goes on.
func TestLogoutEndsThatDevicesAccessTokenOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.twoDevices(t)
	run(t, e.app, []scenario{
		me("phone works", phone.AccessToken, 200),
		me("laptop works", laptop.AccessToken, 200),
		logoutWith("phone logs out", phone.RefreshToken),
		me("phone's access token refused at once", phone.AccessToken, 401),
		refreshWith("phone's refresh token refused", phone.RefreshToken, 401),
		me("laptop still works", laptop.AccessToken, 200),
		refreshWith("laptop still refreshes", laptop.RefreshToken, 200),
	})
}

// TestSignOutEverywhereEndsEveryAccessToken: POST /auth/logout-all ends every session of the
// account, the caller's too.
func TestSignOutEverywhereEndsEveryAccessToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.twoDevices(t)
	run(t, e.app, []scenario{
		me("phone works", phone.AccessToken, 200),
		{name: "sign out everywhere from the laptop", method: "POST", path: "/api/v1/auth/logout-all", token: laptop.AccessToken, status: 204},
		me("laptop refused", laptop.AccessToken, 401),
		me("phone refused", phone.AccessToken, 401),
		refreshWith("phone cannot refresh", phone.RefreshToken, 401),
		refreshWith("laptop cannot refresh", laptop.RefreshToken, 401),
		me("other accounts go on", e.token(t, "learner2"), 200),
	})
	run(t, e.app, []scenario{me("a new sign-in works", e.token(t, "learner"), 200)})
}

// TestPasswordChangeEndsEveryAccessToken: a new password ends every session, so a stolen access
// token stops working at once.
func TestPasswordChangeEndsEveryAccessToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.twoDevices(t)
	run(t, e.app, []scenario{
		me("phone works", phone.AccessToken, 200),
		{name: "change password on the laptop", method: "PATCH", path: "/api/v1/me", token: laptop.AccessToken, body: jsonBody(map[string]string{"password": "Uusi pitkä salasana", "current_password": testPassword}), status: 200},
		me("phone refused", phone.AccessToken, 401),
		me("laptop refused", laptop.AccessToken, 401),
	})
	run(t, e.app, []scenario{me("signed in with the new password", e.login(t, "learner@example.fi", "Uusi pitkä salasana").AccessToken, 200)})
}

// TestPasswordResetEndsEveryAccessToken: setting a password with a reset link ends every
// session, whoever held it.
func TestPasswordResetEndsEveryAccessToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	old := e.login(t, "learner@example.fi", testPassword)
	run(t, e.app, []scenario{
		me("works before the reset", old.AccessToken, 200),
		{name: "ask for a reset", method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"learner@example.fi"}`, status: 202},
	})
	e.auth.Wait()
	mails := e.outboxTo(t, "learner@example.fi")
	if len(mails) != 1 {
		t.Fatalf("%d reset e-mails, want 1", len(mails))
	}
	run(t, e.app, []scenario{
		{name: "confirm", method: "POST", path: "/api/v1/auth/password-reset/confirm", body: jsonBody(map[string]string{"token": linkToken(t, mails[0].Email.Text), "password": "Uusi salasana talveksi"}), status: 204},
		me("access token from before the reset refused", old.AccessToken, 401),
	})
}

// TestRoleChangeEndsEveryAccessToken: a change of roles ends the account's sessions (a token
// must never outlive the roles it was issued for); other changes do not.
func TestRoleChangeEndsEveryAccessToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	patch := e.patchUser(t, "learner2")
	tk := e.login(t, "learner2@example.fi", testPassword)
	run(t, e.app, []scenario{
		patch("rename", `{"name":"Toinen Oppija"}`),
		me("a rename keeps the session", tk.AccessToken, 200),
		patch("same roles again", `{"roles":["learner"]}`),
		me("unchanged roles keep the session", tk.AccessToken, 200),
		patch("make a trainer", `{"roles":["learner","trainer"]}`),
		me("access token of the old roles refused", tk.AccessToken, 401),
		refreshWith("refresh token of the old roles refused", tk.RefreshToken, 401),
	})
	fresh := e.login(t, "learner2@example.fi", testPassword)
	run(t, e.app, []scenario{{name: "a new sign-in has the new roles", method: "GET", path: "/api/v1/me", token: fresh.AccessToken, status: 200, want: []string{`"roles":["learner","trainer"]`}}})
}

// TestDisablingEndsAccessTokensForGood: disabling ends every session; enabling the account
// again does not bring them back.
func TestDisablingEndsAccessTokensForGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	patch := e.patchUser(t, "learner")
	tk := e.login(t, "learner@example.fi", testPassword)
	run(t, e.app, []scenario{
		me("works", tk.AccessToken, 200),
		patch("disable", `{"disabled":true}`),
		me("refused while disabled", tk.AccessToken, 401),
		patch("enable again", `{"disabled":false}`),
		me("still refused after enabling", tk.AccessToken, 401),
		refreshWith("refresh still refused after enabling", tk.RefreshToken, 401),
	})
	run(t, e.app, []scenario{me("a new sign-in works", e.token(t, "learner"), 200)})
}

// TestEndedSessionsReachOtherReplicasWithin30Seconds: another replica with warm caches refuses
// a logged-out session's token, and every token after signing out everywhere, within 30 s.
func TestEndedSessionsReachOtherReplicasWithin30Seconds(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	other := auth.NewService(e.db, e.auth.Tokens(), auth.NewHasher(testArgon2, 1, 4), e.outbox, links.New(testIssuer), false, auth.SessionLimits{}, e.clock.Now, nil)
	ctx := context.Background()
	phone, laptop := e.twoDevices(t)
	for _, tk := range []string{phone.AccessToken, laptop.AccessToken} {
		if _, err := other.Authenticate(ctx, tk); err != nil {
			t.Fatal(err)
		}
	}
	run(t, e.app, []scenario{logoutWith("phone logs out", phone.RefreshToken)})
	e.clock.Advance(31 * time.Second)
	if _, err := other.Authenticate(ctx, phone.AccessToken); err == nil {
		t.Error("another replica accepts a logged-out session's access token after 31 s")
	}
	if _, err := other.Authenticate(ctx, laptop.AccessToken); err != nil {
		t.Errorf("another replica refuses the other device after a logout: %v", err)
	}
	run(t, e.app, []scenario{{name: "sign out everywhere", method: "POST", path: "/api/v1/auth/logout-all", token: laptop.AccessToken, status: 204}})
	// A new sign-in works on the other replica at once, although its cache has not caught up.
	if _, err := other.Authenticate(ctx, e.token(t, "learner")); err != nil {
		t.Errorf("another replica refuses a sign-in made after signing out everywhere: %v", err)
	}
	e.clock.Advance(31 * time.Second)
	if _, err := other.Authenticate(ctx, laptop.AccessToken); err == nil {
		t.Error("another replica accepts an access token 31 s after signing out everywhere")
	}
}

// postFrom sends a request as the test client does, from a given client address.
// It may run outside the test's goroutine: a failure to send is reported as status 0.
func postFrom(t *testing.T, app *fiber.App, path, body, clientIP string) int {
	t.Helper()
	req := httptest.NewRequest("POST", path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if clientIP != "" {
		req.Header.Set("X-Forwarded-For", clientIP)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Error(err)
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestParallelWrongPasswordsAreThrottled: every attempt is counted before its password is
// checked, so 30 guesses at once for one account cannot all be checked.
func TestParallelWrongPasswordsAreThrottled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	wrong := jsonBody(map[string]string{"email": "trainer@example.fi", "password": "not the password"})
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for range 30 {
		wg.Go(func() {
			status := postFrom(t, e.app, "/api/v1/auth/login", wrong, "")
			mu.Lock()
			statuses[status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if statuses[429] == 0 || statuses[401] > 10 || statuses[401]+statuses[429] != 30 {
		t.Errorf("30 parallel wrong passwords: %v; want at most 10 checked (401) and the rest 429", statuses)
	}
	right := jsonBody(map[string]string{"email": "trainer@example.fi", "password": testPassword})
	if status := postFrom(t, e.app, "/api/v1/auth/login", right, ""); status != 429 {
		t.Errorf("the right password during the back-off: %d, want 429", status)
	}
}

// TestPasswordResetIsLimitedPerAddress: at most 5 reset e-mails an hour to one address.
func TestPasswordResetIsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sc []scenario
	for i := range 5 {
		sc = append(sc, scenario{name: fmt.Sprintf("request %d", i+1), method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"learner@example.fi"}`, status: 202})
	}
	sc = append(sc,
		scenario{name: "request 6 refused", method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"Learner@example.fi"}`, status: 429, want: []string{"too many password-reset requests"},
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if resp.Header.Get("Retry-After") == "" {
					t.Error("429 without Retry-After")
				}
			}},
		scenario{name: "another address goes on", method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"learner2@example.fi"}`, status: 202},
	)
	run(t, e.app, sc)
	e.auth.Wait()
	if n := len(e.outboxTo(t, "learner@example.fi")); n != 5 {
		t.Errorf("%d reset e-mails queued for one address, want 5", n)
	}
	e.clock.Advance(time.Hour + time.Second)
	run(t, e.app, []scenario{{name: "an hour later", method: "POST", path: "/api/v1/auth/password-reset", body: `{"email":"learner@example.fi"}`, status: 202}})
	e.auth.Wait()
}

// TestPasswordResetIsLimitedPerClientAddress: one client asks for at most 20 resets an hour,
// whatever the addresses; another client is not affected.
func TestPasswordResetIsLimitedPerClientAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	proxied := httpapi.New(e.a, httpapi.Options{Log: quietLog(), Now: e.clock.Now, TrustedProxies: []string{"0.0.0.0"}}).App()
	for i := range 20 {
		if status := postFrom(t, proxied, "/api/v1/auth/password-reset", fmt.Sprintf(`{"email":"nobody%d@example.fi"}`, i), "203.0.113.7"); status != 202 {
			t.Fatalf("request %d: %d, want 202", i+1, status)
		}
	}
	if status := postFrom(t, proxied, "/api/v1/auth/password-reset", `{"email":"learner@example.fi"}`, "203.0.113.7"); status != 429 {
		t.Errorf("request 21 from one client: %d, want 429", status)
	}
	if status := postFrom(t, proxied, "/api/v1/auth/password-reset", `{"email":"learner@example.fi"}`, "203.0.113.8"); status != 202 {
		t.Errorf("another client: %d, want 202", status)
	}
	e.auth.Wait()
}
