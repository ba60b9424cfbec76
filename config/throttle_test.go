package config

import (
	"strings"
	"testing"
)

func TestThrottleSettings(t *testing.T) {
	p, err := Parse([]byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := p.Throttle(); ok {
		t.Error("throttling is on by default")
	}
	p, err = Parse([]byte(`{"throttle": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := Throttle{MaxFailures: 10, WindowSeconds: 60, BlockSeconds: 300, PerClient: true, PerUser: true, Buckets: 4096}
	if got, ok := p.Throttle(); !ok || got != want {
		t.Errorf("defaults = %+v %v, want %+v", got, ok, want)
	}
	p, err = Parse([]byte(`{"throttle": {"max_failures": 3, "window_seconds": 1e1, "block_seconds": 5, "per": ["user"], "buckets": 16}}`))
	if err != nil {
		t.Fatal(err)
	}
	want = Throttle{MaxFailures: 3, WindowSeconds: 10, BlockSeconds: 5, PerUser: true, Buckets: 16}
	if got, _ := p.Throttle(); got != want {
		t.Errorf("got %+v, want %+v", got, want)
	}
	if w := p.Warnings(); len(w) != 1 || w[0].Error() != `throttle.buckets: has no effect without "client" in per (each configured user has a counter of its own)` {
		t.Errorf("warnings = %v, want one about buckets", w)
	}
	p, _ = Parse([]byte(`{"throttle": {"per": ["client"], "buckets": 16}}`))
	if w := p.Warnings(); len(w) != 0 {
		t.Errorf("buckets with per client: warnings %v", w)
	}
}

func TestThrottleErrors(t *testing.T) {
	for _, tt := range []struct{ config, want string }{
		{`{"throttle": true}`, `throttle: must be an object, got boolean`},
		{`{"throttle": {"max_failure": 3}}`, `throttle: unknown field "max_failure"`},
		{`{"throttle": {"max_failures": 0}}`, `throttle.max_failures: out of range 1..1000000, got 0`},
		{`{"throttle": {"window_seconds": 1.5}}`, `throttle.window_seconds: must be an integer, got 1.5`},
		{`{"throttle": {"block_seconds": "60"}}`, `throttle.block_seconds: must be an integer, got string`},
		{`{"throttle": {"block_seconds": 86401}}`, `throttle.block_seconds: out of range 1..86400, got 86401`},
		{`{"throttle": {"buckets": 65537}}`, `throttle.buckets: out of range 1..65536, got 65537`},
		{`{"throttle": {"per": []}}`, `throttle.per: must name "client", "user" or both (leave throttle out to turn it off)`},
		{`{"throttle": {"per": ["ip"]}}`, `throttle.per[0]: must be "client" or "user", got "ip"`},
		{`{"throttle": {"per": ["user", "user"]}}`, `throttle.per[1]: "user" appears more than once`},
		{`{"throttle": {"per": "user"}}`, `throttle.per: must be an array, got string`},
	} {
		_, err := Parse([]byte(tt.config))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.config, err, tt.want)
		}
	}
}
