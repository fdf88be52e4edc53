package auth

// userStatus is what Authenticate checks of an account on every request: cached for a short
// time (see NewService), so that it does not cost a database read each time.
type userStatus struct {
	roles    []Role
	disabled bool
}
