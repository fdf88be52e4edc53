package outbox

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/smtp"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SMTP sends e-mail through one SMTP server.
type SMTP struct {
	addr, host  string
	user, pass  string
	implicitTLS bool
	from        string
}

// ParseSMTP reads smtp://[user:pass@]host:port (STARTTLS when offered) or smtps://… (TLS from the
// start).
func ParseSMTP(raw, from string) (*SMTP, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
		return nil, errors.New("want smtp://[user:pass@]host:port or smtps://…")
	}
	s := &SMTP{addr: u.Host, host: u.Hostname(), implicitTLS: u.Scheme == "smtps", from: from}
	if u.Port() == "" {
		s.addr = net.JoinHostPort(u.Hostname(), map[bool]string{true: "465", false: "587"}[s.implicitTLS])
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
	}
	return s, nil
}

func randomID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// MessageID is the Message-ID of the e-mail queued under key: the same for every attempt, so
// that a message delivered twice (a worker that died after sending and before recording it)
// is recognised by mail clients as one.
func MessageID(key string) string {
	sum := sha256.Sum256([]byte("taito-outbox\x00" + key))
	return "<" + hex.EncodeToString(sum[:16]) + "@taito>"
}

// message renders an e-mail as a MIME message with text and HTML alternatives.
func (s *SMTP) message(e Email, messageID string, now time.Time) []byte {
	boundary := "taito-" + randomID()
	var b strings.Builder
	h := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	h("From", s.from)
	h("To", e.To)
	h("Subject", mime.QEncoding.Encode("utf-8", e.Subject))
	h("Date", now.Format(time.RFC1123Z))
	if messageID == "" {
		messageID = "<" + randomID() + "@taito>"
	}
	h("Message-ID", messageID)
	h("MIME-Version", "1.0")
	if e.Unsubscribe != "" {
		h("List-Unsubscribe", "<"+e.Unsubscribe+">")
	}
	if e.HTML == "" {
		h("Content-Type", `text/plain; charset="utf-8"`)
		h("Content-Transfer-Encoding", "8bit")
		b.WriteString("\r\n" + strings.ReplaceAll(e.Text, "\n", "\r\n"))
		return []byte(b.String())
	}
	h("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n--" + boundary + "\r\nContent-Type: text/plain; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(e.Text, "\n", "\r\n"))
	b.WriteString("\r\n--" + boundary + "\r\nContent-Type: text/html; charset=\"utf-8\"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(e.HTML, "\n", "\r\n"))
	b.WriteString("\r\n--" + boundary + "--\r\n")
	return []byte(b.String())
}

// Send delivers one e-mail with the given Message-ID header (MessageID of its job's key; ""
// makes a random one).
func (s *SMTP) Send(ctx context.Context, e Email, messageID string, now time.Time) error {
	d := net.Dialer{Timeout: 10 * time.Second}
	var conn net.Conn
	var err error
	if s.implicitTLS {
		conn, err = tls.DialWithDialer(&d, "tcp", s.addr, &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12})
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("connect to %s: %w", s.addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok && !s.implicitTLS {
		if err := c.StartTLS(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}); err != nil {
			return fmt.Errorf("starttls: %w", err)
		}
	}
	if s.user != "" {
		if err := c.Auth(smtp.PlainAuth("", s.user, s.pass, s.host)); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	addr := s.from
	if i := strings.LastIndex(addr, "<"); i >= 0 {
		addr = strings.TrimSuffix(addr[i+1:], ">")
	}
	if err := c.Mail(addr); err != nil {
		return fmt.Errorf("smtp MAIL: %w", err)
	}
	if err := c.Rcpt(e.To); err != nil {
		return fmt.Errorf("smtp RCPT: %w", err)
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp DATA: %w", err)
	}
	if _, err := w.Write(s.message(e, messageID, now)); err != nil {
		return fmt.Errorf("smtp write: %w", err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp end of data: %w", err)
	}
	return c.Quit()
}

// Worker delivers queued e-mail. Several workers (on several replicas) may run at once: each
// attempt of a job is claimed by inserting a claim document, so one of them sends it.
type Worker struct {
	o    *Outbox
	smtp *SMTP
	id   string
	log  *slog.Logger
}

// maxAttempts is how often a job is tried before it is marked failed.
const maxAttempts = 10

// lease is how long a claim is left to its worker before another may take the attempt over.
const lease = 2 * time.Minute

// NewWorker returns a worker sending through s.
func NewWorker(o *Outbox, s *SMTP, log *slog.Logger) *Worker {
	return &Worker{o: o, smtp: s, id: randomID(), log: log}
}

func backoff(attempts int) time.Duration {
	d := time.Minute << min(attempts, 9)
	return min(d, 6*time.Hour)
}

// claim makes this worker the only one to try attempt n+1 of a job. The claim is a document
// whose _id names the job and the attempt: inserting it succeeds for exactly one worker, on
// MongoDB and on FerretDB alike (FerretDB's findAndModify is not atomic between connections, so a
// compare-and-set on the job itself could let two workers send the same e-mail).
//
// A claim whose worker died is released once it expires, and the attempt is taken over.
func (w *Worker) claim(ctx context.Context, j Job, now time.Time) (bool, error) {
	return w.o.store.claim(ctx, j.ID+"#"+strconv.Itoa(j.Attempts+1), w.id, now, now.Add(lease))
}

// RunOnce sends every due e-mail job and returns how many it sent.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	sent := 0
	skip := map[string]bool{}
	for {
		now := w.o.now().UTC()
		jobs, err := w.o.store.due(ctx, "email", now, 50)
		if err != nil {
			return sent, err
		}
		progressed := false
		for _, j := range jobs {
			if skip[j.ID] {
				continue
			}
			ok, err := w.claim(ctx, j, now)
			if err != nil {
				return sent, err
			}
			if !ok {
				skip[j.ID] = true
				continue
			}
			progressed = true
			j.Attempts++
			sendCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
			err = w.smtp.Send(sendCtx, *j.Email, MessageID(j.ID), now)
			cancel()
			a := attempt{n: j.Attempts, at: w.o.now().UTC()}
			if err == nil {
				a.state = StateDone
				sent++
			} else {
				w.log.Warn("e-mail not sent", "job", j.ID, "attempt", j.Attempts, "err", err)
				a.err, a.retryAt = err.Error(), now.Add(backoff(j.Attempts))
				if j.Attempts >= maxAttempts {
					a.state = StateFailed
				}
				skip[j.ID] = true
			}
			if err := w.o.store.recordAttempt(ctx, j.ID, a); err != nil {
				return sent, err
			}
		}
		if !progressed {
			return sent, nil
		}
	}
}

// Run sends due e-mail every interval until ctx ends.
func (w *Worker) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if _, err := w.RunOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("outbox", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
