package servers

import (
	"sync"
	"time"
)

// tftpLimits bound what clients can make the TFTP server hold. A flood of read requests
// that nobody acknowledges would otherwise keep a socket, an open file and buffers per
// request for the whole give-up time (issue 9: "too many open files" at 3k requests/s).
// A phone fetches one file at a time and asks for a few dozen files per boot.
type tftpLimits struct {
	transfers int           // transfers at once, all clients together
	perClient int           // transfers at once from one client address
	every     time.Duration // a client address earns one request per every ...
	burst     int           // ... and may save up this many
}

var defaultTFTPLimits = tftpLimits{transfers: 128, perClient: 32, every: 50 * time.Millisecond, burst: 64}

// admission decides which requests get a transfer. Called from the request loop; a
// transfer's end releases its place from its own goroutine.
type admission struct {
	mu      sync.Mutex
	limits  tftpLimits
	rate    limiter        // per client address, through allowBurst
	running map[string]int // transfers per client address
	total   int
}

func newAdmission(l tftpLimits) *admission {
	return &admission{limits: l, rate: limiter{every: l.every}, running: map[string]int{}}
}

func (a *admission) setLimits(l tftpLimits) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.limits, a.rate = l, limiter{every: l.every}
}

// allow spends one of ip's requests; false when it has none left.
func (a *admission) allow(ip string, now time.Time) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.rate.allowBurst(ip, now, a.limits.burst)
}

// take gives ip a place for one transfer, to be released when it ends; false when ip,
// or the server as a whole, runs as many as allowed.
func (a *admission) take(ip string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.total >= a.limits.transfers || a.running[ip] >= a.limits.perClient {
		return false
	}
	a.total++
	a.running[ip]++
	return true
}

func (a *admission) release(ip string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.total--
	if a.running[ip]--; a.running[ip] <= 0 {
		delete(a.running, ip)
	}
}

// allowBurst is allow with savings (a token bucket): key may go burst times in a row,
// then once per every. l.last[key] is when key's savings are all spent again; use one
// limiter for allow or for allowBurst, not both.
func (l *limiter) allowBurst(key string, now time.Time, burst int) bool {
	spent, known := l.last[key]
	spent = later(spent, now)
	if spent.Sub(now) > time.Duration(burst-1)*l.every {
		return false
	}
	if l.last == nil {
		l.last = map[string]time.Time{}
	}
	if !known && len(l.last) >= limiterKeys { // as allow: a flood of keys starts over
		clear(l.last)
	}
	l.last[key] = spent.Add(l.every)
	return true
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
