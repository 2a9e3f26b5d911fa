package firmware

import (
	"container/list"
	"sync"
)

// cacheLimit bounds the inflated bytes kept for compressed archive members. A Java
// load is about 8 MB, so a whole load and the next step's fit; no member served is
// larger (maxPhoneFileSize), so each is inflated once while it stays in use.
const cacheLimit = 64 << 20

// memberCache keeps inflated members so that N concurrent transfers of one file
// share one copy and one inflation. Least recently used members go first.
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
	e, claimed := c.claim(m, nil)
	if claimed != nil {
		data, err := load()
		c.finish(m, data, err)
	}
	<-e.ready
	return e.data, e.err
}

// getFromStream returns the bytes of a member of a stream with no index (a tar.gz:
// reaching a member means inflating everything before it). A miss starts one pass
// over the stream that fills m and every other member of the archive a phone may be
// given and that is not cached yet, so a load costs one inflation, not one a file;
// the caller has m's bytes as soon as the pass is past m, and the pass goes on.
func (c *memberCache) getFromStream(m *member, pass func(want []*member, done func(*member, []byte, error))) ([]byte, error) {
	e, claimed := c.claim(m, m.src.members)
	if claimed != nil {
		go pass(claimed, c.finish)
	}
	<-e.ready
	return e.data, e.err
}

// claim returns m's entry. When m has none yet the caller has to load it: claim then
// adds waiting entries for m and for those of others worth keeping that have none,
// and returns those members too (m first), for the caller to finish each.
func (c *memberCache) claim(m *member, others []*member) (*cacheEntry, []*member) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[m]; ok {
		if e.elem != nil {
			c.lru.MoveToFront(e.elem)
		}
		return e, nil
	}
	claimed := []*member{m}
	for _, o := range others {
		if o != m && o.served && o.broken == "" && o.refused == "" && o.link == nil && c.entries[o] == nil {
			claimed = append(claimed, o)
		}
	}
	for _, o := range claimed {
		c.entries[o] = &cacheEntry{m: o, ready: make(chan struct{})}
	}
	return c.entries[m], claimed
}

// finish sets a claimed entry's bytes or error, keeps the bytes within the limit (the
// least recently used go) and wakes its readers.
func (c *memberCache) finish(m *member, data []byte, err error) {
	c.mu.Lock()
	e := c.entries[m]
	e.data, e.err = data, err
	switch {
	case err != nil || int64(len(data)) > c.limit:
		delete(c.entries, m)
	default:
		e.elem = c.lru.PushFront(e)
		c.used += int64(len(data))
		for c.used > c.limit {
			old := c.lru.Remove(c.lru.Back()).(*cacheEntry)
			delete(c.entries, old.m)
			c.used -= int64(len(old.data)) // readers still holding it keep it alive
		}
	}
	c.mu.Unlock()
	close(e.ready)
}
