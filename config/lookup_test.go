package config

import (
	"strconv"
	"testing"
)

func TestStrMap(t *testing.T) {
	for _, n := range []int{0, 1, 2, 3, 100, 5000} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			m := map[string]int{}
			for i := 0; i < n; i++ {
				m["key-"+strconv.Itoa(i)] = i
			}
			if n > 0 {
				m[""] = -1 // the empty string is a key like any other
			}
			s := newStrMap(m)
			if s.len() != len(m) {
				t.Fatalf("len %d, want %d", s.len(), len(m))
			}
			for k, want := range m {
				if v, ok := s.get(k); !ok || v != want {
					t.Fatalf("get(%q) = %d, %v; want %d", k, v, ok, want)
				}
				if v, ok := s.getBytes([]byte(k)); !ok || v != want {
					t.Fatalf("getBytes(%q) = %d, %v; want %d", k, v, ok, want)
				}
			}
			for _, k := range []string{"key-", "key-" + strconv.Itoa(n), "KEY-0", "key-0 ", "x"} {
				if v, ok := s.get(k); ok {
					t.Fatalf("get(%q) = %d, found; want absent", k, v)
				}
				if _, ok := s.getBytes([]byte(k)); ok {
					t.Fatalf("getBytes(%q) found; want absent", k)
				}
			}
		})
	}
}

func TestStrMapLookupDoesNotAllocate(t *testing.T) {
	s := newStrMap(map[string]int{"alice": 1, "bob": 2})
	key := []byte("bob")
	allocs := testing.AllocsPerRun(100, func() {
		if _, ok := s.get("alice"); !ok {
			t.Fatal("alice missing")
		}
		if _, ok := s.getBytes(key); !ok {
			t.Fatal("bob missing")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per lookup pair", allocs)
	}
}

func FuzzStrMap(f *testing.F) {
	f.Add("a", "b", "a")
	f.Add("", "x", "")
	f.Fuzz(func(t *testing.T, k1, k2, probe string) {
		m := map[string]int{k1: 1, k2: 2}
		s := newStrMap(m)
		want, wantOK := m[probe]
		got, ok := s.get(probe)
		if ok != wantOK || got != want {
			t.Fatalf("get(%q) = %d, %v; want %d, %v", probe, got, ok, want, wantOK)
		}
	})
}
