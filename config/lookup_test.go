package config

import (
	"slices"
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

// TestHostGroupsShared: host patterns with the same matchers share one path index
// (one rule listing many hosts builds one), and sharing never mixes matchers up.
func TestHostGroupsShared(t *testing.T) {
	ix := newIndex([]matcher{
		{hosts: []string{"a.example.com", "b.example.com", "*.w.example.com"}, kind: pathPrefix, pattern: "/x"},
		{hosts: []string{"b.example.com", "c.example.com"}, kind: pathExact, pattern: "/y"},
		{hosts: []string{"c.example.com"}, kind: pathPrefix, pattern: "/x"},
	})
	group := func(h string) *hostGroup {
		g, _ := ix.exactHost.get(h)
		return g
	}
	if group("a.example.com") != ix.groups[0] {
		t.Error("a.example.com and *.w.example.com (matcher 0 alone) do not share a group")
	}
	if group("b.example.com") == group("a.example.com") || group("c.example.com") == group("b.example.com") {
		t.Error("hosts with different matchers share a group")
	}
	var scratch []int32
	for _, tt := range []struct {
		host, path string
		want       []int32
	}{
		{"a.example.com", "/x/1", []int32{0}},
		{"a.example.com", "/y", nil},
		{"b.example.com", "/x", []int32{0}},
		{"b.example.com", "/y", []int32{1}},
		{"c.example.com", "/x", []int32{2}},
		{"c.example.com", "/y", []int32{1}},
		{"q.w.example.com", "/x", []int32{0}},
	} {
		got := ix.match(&Target{Host: tt.host, HostOK: true, Path: tt.path, Method: "GET"}, nil, &scratch)
		if !slices.Equal(got, tt.want) {
			t.Errorf("%s%s: matchers %v, want %v", tt.host, tt.path, got, tt.want)
		}
	}
}
