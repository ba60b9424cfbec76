package config

import (
	"strconv"

	"github.com/tidwall/gjson"
)

// Throttle configures brute-force throttling (pluginConfig "throttle"): after
// MaxFailures failed authentications within WindowSeconds from one client
// address (PerClient) or for one configured user (PerUser), further attempts are
// refused with 429 for BlockSeconds. Failures for user names the policy does not
// configure count per client only. Client addresses are counted in Buckets hashed
// slots, each configured user in a counter of its own, so memory is bounded
// whatever the traffic.
type Throttle struct {
	MaxFailures   int
	WindowSeconds int
	BlockSeconds  int
	PerClient     bool
	PerUser       bool
	Buckets       int // client-address counters; unused without PerClient
}

// Throttle defaults and limits.
const (
	DefaultThrottleMaxFailures = 10
	DefaultThrottleWindow      = 60
	DefaultThrottleBlock       = 300
	DefaultThrottleBuckets     = 4096
	MaxThrottleBuckets         = 65536
	MaxThrottleSeconds         = 86400
	MaxThrottleFailures        = 1000000
)

// Throttle returns the throttling settings; ok is false when throttling is off
// (the default: no "throttle" field).
func (p *Policy) Throttle() (t Throttle, ok bool) {
	if p.throttle == nil {
		return Throttle{}, false
	}
	return *p.throttle, true
}

var throttleFields = []string{"max_failures", "window_seconds", "block_seconds", "per", "buckets"}

// throttleSettings parses the "throttle" object; nil on error (reported).
func (ps *parser) throttleSettings(r gjson.Result) *Throttle {
	const path = "throttle"
	var f object
	if !ps.fields(&f, path, r, throttleFields, nil) {
		return nil
	}
	t := &Throttle{
		MaxFailures: DefaultThrottleMaxFailures, WindowSeconds: DefaultThrottleWindow,
		BlockSeconds: DefaultThrottleBlock, PerClient: true, PerUser: true, Buckets: DefaultThrottleBuckets,
	}
	good := true
	for _, n := range []struct {
		name   string
		dst    *int
		lo, hi int
	}{
		{"max_failures", &t.MaxFailures, 1, MaxThrottleFailures},
		{"window_seconds", &t.WindowSeconds, 1, MaxThrottleSeconds},
		{"block_seconds", &t.BlockSeconds, 1, MaxThrottleSeconds},
		{"buckets", &t.Buckets, 1, MaxThrottleBuckets},
	} {
		if v, ok := f.get(n.name); ok {
			if x, ok := ps.integer(field(path, n.name), v, n.lo, n.hi); ok {
				*n.dst = x
			} else {
				good = false
			}
		}
	}
	if v, ok := f.get("per"); ok {
		kinds, ok := ps.strs(field(path, "per"), v)
		good = good && ok
		t.PerClient, t.PerUser = false, false
		for i, k := range kinds {
			p := elem(field(path, "per"), i)
			switch {
			case k == "client" && !t.PerClient:
				t.PerClient = true
			case k == "user" && !t.PerUser:
				t.PerUser = true
			case k == "client" || k == "user":
				ps.errf(p, strconv.Quote(k)+" appears more than once")
				good = false
			default:
				ps.errf(p, `must be "client" or "user", got `+strconv.Quote(k))
				good = false
			}
		}
		if ok && len(kinds) == 0 {
			ps.errf(field(path, "per"), `must name "client", "user" or both (leave throttle out to turn it off)`)
			good = false
		}
	}
	if !good {
		return nil
	}
	if _, set := f.get("buckets"); set && !t.PerClient {
		ps.warnf(field(path, "buckets"), `has no effect without "client" in per (each configured user has a counter of its own)`)
	}
	return t
}
