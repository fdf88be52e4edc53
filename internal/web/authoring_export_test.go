package web

// SetMaxPackageBytes lowers the package upload's size limit for a test and returns what puts
// it back.
func SetMaxPackageBytes(n int64) (restore func()) {
	old := maxPackageBytes
	maxPackageBytes = n
	return func() { maxPackageBytes = old }
}
