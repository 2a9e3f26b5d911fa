package firmware

import (
	"container/list"
	"sync"
)

// cacheLimit bounds the decompressed bytes kept for compressed archive members. A
// Java load is about 8 MB, so a whole load and the next step's fit; a member larger
// than the limit is decompressed for each transfer and not kept.
const cacheLimit = 64 << 20

// memberCache keeps decompressed members so that N concurrent transfers of one file
// share one copy and one decompression. Least recently used members go first.
type memberCache struct {
	limit int64

	mu      sync.Mutex
	used    int64
	entries map[*member]*cacheEntry
	lru     list.List // of *cacheEntry, most recent at the front; loaded entries only
}

type cacheEntry struct {
	m     *member
	ready chan struct{} // closed when data or err is set
	data  []byte
	err   error
	elem  *list.Element // nil until loaded and kept
}

func newMemberCache(limit int64) *memberCache {
	return &memberCache{limit: limit, entries: map[*member]*cacheEntry{}}
}

// get returns the member's bytes, loading them once however many callers ask at the
// same time. Errors are not kept: the next call tries again.
func (c *memberCache) get(m *member, load func() ([]byte, error)) ([]byte, error) {
	c.mu.Lock()
	if e, ok := c.entries[m]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		c.mu.Unlock()
		<-e.ready
		return e.data, e.err
	}
	e := &cacheEntry{m: m, ready: make(chan struct{})}
	c.entries[m] = e
	c.mu.Unlock()

	e.data, e.err = load()

	c.mu.Lock()
	switch {
	case e.err != nil || int64(len(e.data)) > c.limit:
		delete(c.entries, m)
	default:
		e.elem = c.lru.PushFront(e)
		c.used += int64(len(e.data))
		for c.used > c.limit {
			old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
			delete(c.entries, old.m)
			c.used -= int64(len(old.data)) // readers still holding it keep it alive
		}
	}
	c.mu.Unlock()
	close(e.ready)
	return e.data, e.err
}
