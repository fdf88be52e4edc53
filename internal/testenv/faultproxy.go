package testenv

import (
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// FaultProxy is a TCP proxy between Taito and one of its stores that fails on demand: it cuts
// every open connection (Cut), holds the bytes that pass (Latency), or closes new connections as
// soon as they open (Refuse), until Heal. Point a client at Addr instead of the store. Safe for
// concurrent use; it stops when the test ends.
type FaultProxy struct {
	upstream string
	ln       net.Listener
	wg       sync.WaitGroup

	mu      sync.Mutex
	links   map[*link]struct{}
	latency time.Duration
	refuse  bool
	closed  bool
	changed chan struct{} // closed and replaced whenever the settings change
	counts  FaultCounts
}

// FaultCounts says what a FaultProxy has done with the connections it was given.
type FaultCounts struct {
	Accepted int // connections passed on to the store
	Refused  int // connections closed at once because of Refuse
	Cut      int // connections closed by Cut
}

// link is one client connection and its connection to the store.
type link struct{ client, server net.Conn }

func (l *link) close() {
	_ = l.client.Close()
	_ = l.server.Close()
}

// NewFaultProxy starts a proxy on a free loopback port that passes connections on to upstream
// (host:port), healthy until told otherwise. It is stopped, with every connection closed, when
// the test ends.
func NewFaultProxy(t testing.TB, upstream string) *FaultProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv: fault proxy: %v", err)
	}
	p := &FaultProxy{upstream: upstream, ln: ln, links: map[*link]struct{}{}, changed: make(chan struct{})}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

// Addr is the proxy's host:port, to use in place of the store's.
func (p *FaultProxy) Addr() string { return p.ln.Addr().String() }

// Cut closes every open connection at once, in both directions, whatever is in flight on it:
// a request half-sent, an answer half-read. New connections are accepted as before.
func (p *FaultProxy) Cut() {
	p.mu.Lock()
	links := p.links
	p.links = map[*link]struct{}{}
	p.counts.Cut += len(links)
	p.mu.Unlock()
	for l := range links {
		l.close()
	}
}

// Latency holds every chunk of bytes d before passing it on, in either direction, on open and
// new connections alike (0: none). A round trip takes at least 2d.
func (p *FaultProxy) Latency(d time.Duration) {
	p.update(func() { p.latency = d })
}

// Refuse, when on, closes each new connection as soon as it is accepted, as a store that is down
// behind a load balancer does; open connections are left alone (Cut closes them).
func (p *FaultProxy) Refuse(on bool) {
	p.update(func() { p.refuse = on })
}

// Heal ends every fault: no latency (bytes held now are passed on at once) and new connections
// accepted. Connections cut earlier stay closed; clients open new ones.
func (p *FaultProxy) Heal() {
	p.update(func() { p.latency, p.refuse = 0, false })
}

// Open is the number of connections open through the proxy now.
func (p *FaultProxy) Open() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.links)
}

// Counts says how many connections the proxy has passed on, refused and cut so far.
func (p *FaultProxy) Counts() FaultCounts {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.counts
}

// update changes the settings under the lock and wakes every chunk that is being held.
func (p *FaultProxy) update(change func()) {
	p.mu.Lock()
	defer p.mu.Unlock()
	change()
	close(p.changed)
	p.changed = make(chan struct{})
}

func (p *FaultProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // the listener is closed: the test has ended
		}
		p.mu.Lock()
		refuse, closed := p.refuse, p.closed
		if refuse {
			p.counts.Refused++
		}
		p.mu.Unlock()
		if refuse || closed {
			_ = c.Close()
			continue
		}
		p.wg.Add(1)
		go p.serve(c)
	}
}

// serve connects a client to the store and passes bytes both ways until either side closes or
// the connection is cut.
func (p *FaultProxy) serve(client net.Conn) {
	defer p.wg.Done()
	server, err := net.DialTimeout("tcp", p.upstream, 5*time.Second)
	if err != nil {
		_ = client.Close()
		return
	}
	l := &link{client: client, server: server}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		l.close()
		return
	}
	p.links[l] = struct{}{}
	p.counts.Accepted++
	p.mu.Unlock()

	done := make(chan struct{}, 2)
	go func() { p.pipe(server, client); done <- struct{}{} }()
	go func() { p.pipe(client, server); done <- struct{}{} }()
	<-done
	l.close()
	<-done
	p.mu.Lock()
	delete(p.links, l)
	p.mu.Unlock()
}

// pipe copies from src to dst, holding each chunk for the latency in force.
func (p *FaultProxy) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.hold(time.Now())
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				// A half-close from one side ends the other direction too: the stores' protocols
				// never half-close a connection that is still in use.
				_ = dst.Close()
			}
			return
		}
	}
}

// hold waits until the latency in force has passed since read, waking early when the settings
// change (a shorter latency, Heal, the end of the test).
func (p *FaultProxy) hold(read time.Time) {
	for {
		p.mu.Lock()
		d, changed, closed := p.latency, p.changed, p.closed
		p.mu.Unlock()
		wait := time.Until(read.Add(d))
		if closed || wait <= 0 {
			return
		}
		timer := time.NewTimer(wait)
		select {
		case <-timer.C:
			return
		case <-changed:
			timer.Stop()
		}
	}
}

// close stops accepting, closes every connection and waits for the proxy's goroutines.
func (p *FaultProxy) close() {
	_ = p.ln.Close()
	p.update(func() { p.closed = true })
	p.mu.Lock()
	links := p.links
	p.links = map[*link]struct{}{}
	p.mu.Unlock()
	for l := range links {
		l.close()
	}
	p.wg.Wait()
}
