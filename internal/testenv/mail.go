package testenv

import (
	"bytes"
	"io"
	"net"
	"net/mail"
	"slices"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"
)

// MailServer is a real SMTP server on loopback for tests that send e-mail: it keeps every
// message it accepts, and can refuse a recipient's next deliveries with a temporary error, as a
// busy server does. Safe for concurrent use.
type MailServer struct {
	addr string

	mu       sync.Mutex
	received []received
	refusals map[string]int    // recipient → deliveries still to refuse
	tries    int               // recipients tried, refused ones included
	onData   func(to []string) // called before a message is accepted (nil: nothing)
}

// received is one accepted message: its envelope recipients and its bytes.
type received struct {
	to  []string
	raw []byte
}

// StartMailServer starts a mail server that stops when the test ends.
func StartMailServer(t testing.TB) *MailServer {
	t.Helper()
	ms := &MailServer{refusals: map[string]int{}}
	srv := smtp.NewServer(ms)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ms.addr = ln.Addr().String()
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	return ms
}

// Addr is the server's host:port (for an smtp:// URL).
func (ms *MailServer) Addr() string { return ms.addr }

// Refuse makes the server refuse the next n deliveries to a recipient.
func (ms *MailServer) Refuse(to string, n int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.refusals[to] = n
}

// OnData sets a function called with a message's recipients before it is accepted, under the
// server's lock.
func (ms *MailServer) OnData(fn func(to []string)) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	ms.onData = fn
}

// To returns the messages accepted for a recipient, in order.
func (ms *MailServer) To(addr string) []*mail.Message {
	var out []*mail.Message
	for _, raw := range ms.Raw(addr) {
		m, err := mail.ReadMessage(bytes.NewReader([]byte(raw)))
		if err == nil {
			out = append(out, m)
		}
	}
	return out
}

// Raw returns the messages accepted for a recipient as they were sent, in order.
func (ms *MailServer) Raw(addr string) []string {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	var out []string
	for _, r := range ms.received {
		if slices.Contains(r.to, addr) {
			out = append(out, string(r.raw))
		}
	}
	return out
}

// ByMessageID counts the accepted messages per Message-ID.
func (ms *MailServer) ByMessageID() map[string]int {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	n := map[string]int{}
	for _, r := range ms.received {
		if m, err := mail.ReadMessage(bytes.NewReader(r.raw)); err == nil {
			n[m.Header.Get("Message-ID")]++
		}
	}
	return n
}

// Counts returns how many messages were accepted and how many recipients were tried, refused
// ones included.
func (ms *MailServer) Counts() (accepted, tries int) {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return len(ms.received), ms.tries
}

// NewSession starts an SMTP session (go-smtp's Backend).
func (ms *MailServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{ms: ms}, nil }

// mailSession is one SMTP session: the recipients named so far, then the message.
type mailSession struct {
	ms *MailServer
	to []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	s.ms.tries++
	if s.ms.refusals[to] > 0 {
		s.ms.refusals[to]--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "busy, try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *mailSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.ms.mu.Lock()
	defer s.ms.mu.Unlock()
	if s.ms.onData != nil {
		s.ms.onData(s.to)
	}
	s.ms.received = append(s.ms.received, received{to: slices.Clone(s.to), raw: raw})
	return nil
}

func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }
