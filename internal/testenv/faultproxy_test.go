package testenv_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/taito-lms/taito/internal/testenv"
)

// echoServer answers every line with the same line and counts the connections it gets.
func echoServer(t *testing.T) (string, *atomic.Int32) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() {
				defer c.Close()
				_, _ = io.Copy(c, c)
			}()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), &conns
}

// roundTrip sends a line and reads it back within limit.
func roundTrip(c net.Conn, r *bufio.Reader, limit time.Duration) (string, error) {
	_ = c.SetDeadline(time.Now().Add(limit))
	if _, err := c.Write([]byte("hei\n")); err != nil {
		return "", err
	}
	return r.ReadString('\n')
}

func dial(t *testing.T, addr string) (net.Conn, *bufio.Reader) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, bufio.NewReader(c)
}

func TestFaultProxyPassesBytesUntilTold(t *testing.T) {
	t.Parallel()
	upstream, _ := echoServer(t)
	p := testenv.NewFaultProxy(t, upstream)
	c, r := dial(t, p.Addr())
	if got, err := roundTrip(c, r, 2*time.Second); err != nil || got != "hei\n" {
		t.Fatalf("through a healthy proxy: %q, %v", got, err)
	}
	if p.Open() != 1 || p.Counts().Accepted != 1 {
		t.Fatalf("open %d, counts %+v; want one connection", p.Open(), p.Counts())
	}
}

func TestFaultProxyCutClosesOpenConnections(t *testing.T) {
	t.Parallel()
	upstream, _ := echoServer(t)
	p := testenv.NewFaultProxy(t, upstream)
	c, r := dial(t, p.Addr())
	if _, err := roundTrip(c, r, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	// A request in flight when the cut comes gets no answer, and the connection is closed.
	p.Latency(time.Minute)
	if _, err := c.Write([]byte("kesken\n")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	p.Cut()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, err := r.ReadString('\n'); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("after the cut the client read %q, %v; want the connection closed", got, err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("the cut took %v to reach the client", took)
	}
	if p.Counts().Cut != 1 {
		t.Errorf("counts %+v, want one cut", p.Counts())
	}
	// New connections work as before.
	p.Heal()
	c2, r2 := dial(t, p.Addr())
	if got, err := roundTrip(c2, r2, 2*time.Second); err != nil || got != "hei\n" {
		t.Fatalf("a new connection after the cut: %q, %v", got, err)
	}
}

func TestFaultProxyLatencyHoldsBytesUntilHealed(t *testing.T) {
	t.Parallel()
	upstream, _ := echoServer(t)
	p := testenv.NewFaultProxy(t, upstream)
	c, r := dial(t, p.Addr())
	p.Latency(150 * time.Millisecond)
	start := time.Now()
	if _, err := roundTrip(c, r, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < 300*time.Millisecond {
		t.Errorf("a round trip with 150ms latency each way took %v", took)
	}
	// Held bytes go on at once when the proxy heals.
	p.Latency(time.Hour)
	go func() { time.Sleep(100 * time.Millisecond); p.Heal() }()
	start = time.Now()
	if _, err := roundTrip(c, r, 5*time.Second); err != nil {
		t.Fatalf("bytes held when the proxy healed: %v", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("healing released held bytes after %v", took)
	}
	// A latency beyond a client's deadline is a timeout to it.
	p.Latency(time.Hour)
	if _, err := roundTrip(c, r, 200*time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("with an hour's latency: %v, want the deadline to pass", err)
	}
}

func TestFaultProxyRefusesNewConnections(t *testing.T) {
	t.Parallel()
	upstream, conns := echoServer(t)
	p := testenv.NewFaultProxy(t, upstream)
	open, openR := dial(t, p.Addr())
	if _, err := roundTrip(open, openR, 2*time.Second); err != nil {
		t.Fatal(err)
	}
	p.Refuse(true)
	c, r := dial(t, p.Addr())
	if got, err := roundTrip(c, r, 2*time.Second); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("a new connection while refusing read %q, %v; want it closed at once", got, err)
	}
	if _, err := roundTrip(open, openR, 2*time.Second); err != nil {
		t.Errorf("refusing closed a connection that was open already: %v", err)
	}
	if n := conns.Load(); n != 1 {
		t.Errorf("the store got %d connections, want only the one made before refusing", n)
	}
	if p.Counts().Refused != 1 {
		t.Errorf("counts %+v, want one refused", p.Counts())
	}
	p.Heal()
	c2, r2 := dial(t, p.Addr())
	if got, err := roundTrip(c2, r2, 2*time.Second); err != nil || got != "hei\n" {
		t.Fatalf("after healing: %q, %v", got, err)
	}
}
