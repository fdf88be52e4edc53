package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/taito-lms/taito/internal/apperr"
)

// Password rules.
const (
	MinPasswordLength = 12  // characters
	MaxPasswordBytes  = 256 // bytes, to bound hashing work
)

// CheckPassword applies the password rules; any Unicode is allowed.
func CheckPassword(field, pw string) *apperr.FieldError {
	var fe apperr.FieldError
	switch {
	case !utf8.ValidString(pw):
		fe = apperr.NewField(field, "must be valid UTF-8 text")
	case len(pw) > MaxPasswordBytes:
		fe = apperr.NewField(field, "must be at most {max} bytes", apperr.Params{"max": strconv.Itoa(MaxPasswordBytes)})
	case utf8.RuneCountInString(pw) < MinPasswordLength:
		fe = apperr.NewField(field, "must be at least {min} characters", apperr.Params{"min": strconv.Itoa(MinPasswordLength)})
	default:
		return nil
	}
	return &fe
}

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Time    uint32
	Memory  uint32 // KiB
	Threads uint8
}

// DefaultArgon2 meets OWASP's argon2id minimum (m=19 MiB, t=2, p=1).
var DefaultArgon2 = Argon2Params{Time: 2, Memory: 19 * 1024, Threads: 1}

// Hasher hashes and verifies passwords with argon2id, at most a few at a time: each hash takes
// Memory KiB, so a flood of sign-ins must queue rather than exhaust memory.
type Hasher struct {
	params  Argon2Params
	slots   chan struct{}
	waiting atomic.Int32
	maxWait int32
}

// NewHasher returns a Hasher running at most concurrent hashes at once, with at most queue
// callers waiting; the rest are told to retry.
func NewHasher(params Argon2Params, concurrent, queue int) *Hasher {
	return &Hasher{params: params, slots: make(chan struct{}, concurrent), maxWait: int32(queue)}
}

var errBusy = apperr.Unavailable("sign-in", 2*time.Second, errors.New("password hashing queue full"))

func (h *Hasher) acquire(ctx context.Context) error {
	if h.waiting.Add(1) > h.maxWait {
		h.waiting.Add(-1)
		return errBusy
	}
	defer h.waiting.Add(-1)
	select {
	case h.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return apperr.Unavailable("sign-in", 2*time.Second, ctx.Err())
	}
}

func (h *Hasher) release() { <-h.slots }

// Hash returns the PHC string of pw.
func (h *Hasher) Hash(ctx context.Context, pw string) (string, error) {
	if err := h.acquire(ctx); err != nil {
		return "", err
	}
	defer h.release()
	salt := make([]byte, 16)
	_, _ = rand.Read(salt)
	p := h.params
	key := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, 32)
	enc := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Time, p.Threads, enc.EncodeToString(salt), enc.EncodeToString(key)), nil
}

// Verify reports whether pw matches the PHC string phc, and whether phc was made with weaker
// parameters than the Hasher's and should be replaced. A malformed phc never matches.
func (h *Hasher) Verify(ctx context.Context, phc, pw string) (ok, rehash bool, err error) {
	p, salt, want, perr := parsePHC(phc)
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	defer h.release()
	if perr != nil {
		// Spend the same work as a real check, so a missing or broken hash takes as long.
		p, salt, want = h.params, make([]byte, 16), make([]byte, 32)
	}
	got := argon2.IDKey([]byte(pw), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1 && perr == nil
	rehash = ok && (p.Time < h.params.Time || p.Memory < h.params.Memory || p.Threads < h.params.Threads)
	return ok, rehash, nil
}

func parsePHC(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, errors.New("not an argon2id PHC string")
	}
	var m, t, th uint64
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || m < 8 || m > 1<<22 || t < 1 || t > 16 || th < 1 || th > 16 {
		return p, nil, nil, errors.New("bad argon2id parameters")
	}
	enc := base64.RawStdEncoding
	salt, err1 := enc.DecodeString(parts[4])
	key, err2 := enc.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, errors.New("bad argon2id salt or key")
	}
	return Argon2Params{Time: uint32(t), Memory: uint32(m), Threads: uint8(th)}, salt, key, nil
}
