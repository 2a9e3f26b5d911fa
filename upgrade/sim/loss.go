package sim

import (
	"math/rand/v2"
	"sync"
)

// loss drops received datagrams at random: the loss fault. A seeded source makes a
// test's losses repeat run after run.
type loss struct {
	mu      sync.Mutex
	rng     *rand.Rand
	percent float64
	dropped int
}

func newLoss(percent float64, seed uint64) *loss {
	return &loss{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), percent: percent}
}

// drop reports whether the datagram just received is lost. Safe for concurrent use.
func (l *loss) drop() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rng.Float64()*100 >= l.percent {
		return false
	}
	l.dropped++
	return true
}

// count is how many datagrams were dropped so far.
func (l *loss) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dropped
}
