package config

// strMap is a read-only map from strings to values, built once from a Go map.
//
// It exists because lookups run on every request and must not allocate: under
// TinyGo every lookup in a built-in map with a string key allocates (the key
// escapes through the runtime's indirect key comparison), and each allocation
// brings the next garbage collection closer. strMap is an open-addressing hash
// table (FNV-1a, linear probing, at most half full), so a lookup costs one hash
// of the key and a few comparisons whatever the number of keys.
type strMap[V any] struct {
	slots []int32 // 1 + index into keys and vals; 0 marks an empty slot; len is a power of two
	keys  []string
	vals  []V
}

// newStrMap copies m into a strMap.
func newStrMap[V any](m map[string]V) strMap[V] {
	if len(m) == 0 {
		return strMap[V]{}
	}
	size := 2
	for size < 2*len(m) {
		size <<= 1
	}
	s := strMap[V]{slots: make([]int32, size), keys: make([]string, 0, len(m)), vals: make([]V, 0, len(m))}
	mask := uint32(size - 1)
	for k, v := range m {
		s.keys = append(s.keys, k)
		s.vals = append(s.vals, v)
		i := hashKey(k) & mask
		for s.slots[i] != 0 {
			i = (i + 1) & mask
		}
		s.slots[i] = int32(len(s.keys))
	}
	return s
}

// len returns the number of keys.
func (s *strMap[V]) len() int { return len(s.keys) }

// get returns the value of k and whether k is present.
func (s *strMap[V]) get(k string) (V, bool) { return lookup(s, k) }

// getBytes is get for a key held in a byte slice (no conversion, no allocation).
func (s *strMap[V]) getBytes(k []byte) (V, bool) { return lookup(s, k) }

func lookup[V any, K string | []byte](s *strMap[V], k K) (v V, ok bool) {
	if len(s.slots) == 0 {
		return v, false
	}
	mask := uint32(len(s.slots) - 1)
	for i := hashKey(k) & mask; ; i = (i + 1) & mask {
		j := s.slots[i]
		if j == 0 {
			return v, false
		}
		if keyEqual(s.keys[j-1], k) {
			return s.vals[j-1], true
		}
	}
}

// hashKey is 32-bit FNV-1a. Keys come from the operator's configuration; a
// request can only choose which key to look up, not what the table holds.
func hashKey[K string | []byte](k K) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(k); i++ {
		h ^= uint32(k[i])
		h *= 16777619
	}
	return h
}

func keyEqual[K string | []byte](a string, b K) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
