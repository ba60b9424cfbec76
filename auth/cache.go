package auth

// cacheKey is a keyed hash (BLAKE2b-256 with a per-Decider random key) of a
// user, password and credential entry: the cache never holds a password.
type cacheKey [32]byte

// verifiedCache remembers, up to a fixed number of entries, which
// (user, password, entry) triples passed a slow-hash verification. Eviction is
// CLOCK (second chance): recently used entries survive one sweep.
type verifiedCache struct {
	max   int
	slots []cacheSlot
	index map[cacheKey]int32
	hand  int
}

type cacheSlot struct {
	key cacheKey
	ref bool
}

func newVerifiedCache(max int) *verifiedCache {
	if max <= 0 {
		return nil
	}
	return &verifiedCache{max: max, index: make(map[cacheKey]int32)}
}

// contains reports whether k is cached and marks it recently used.
func (c *verifiedCache) contains(k *cacheKey) bool {
	if c == nil {
		return false
	}
	i, ok := c.index[*k]
	if ok {
		c.slots[i].ref = true
	}
	return ok
}

// add inserts k, evicting the first entry not used since the hand last passed.
func (c *verifiedCache) add(k *cacheKey) {
	if c == nil {
		return
	}
	if _, ok := c.index[*k]; ok {
		return
	}
	if len(c.slots) < c.max {
		c.index[*k] = int32(len(c.slots))
		c.slots = append(c.slots, cacheSlot{key: *k})
		return
	}
	for {
		s := &c.slots[c.hand]
		if !s.ref {
			break
		}
		s.ref = false
		c.hand = (c.hand + 1) % len(c.slots)
	}
	delete(c.index, c.slots[c.hand].key)
	c.slots[c.hand] = cacheSlot{key: *k}
	c.index[*k] = int32(c.hand)
	c.hand = (c.hand + 1) % len(c.slots)
}

// len returns the number of cached entries.
func (c *verifiedCache) len() int {
	if c == nil {
		return 0
	}
	return len(c.slots)
}
