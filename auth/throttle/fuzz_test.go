package throttle

import "testing"

// FuzzLimiter: any client string and user name, any store content and clock step
// never panic; max_failures failures always block the client and a configured user,
// and nothing else is ever blocked.
func FuzzLimiter(f *testing.F) {
	f.Add("192.0.2.1:1234", []byte("alice"), []byte{}, int64(1000))
	f.Add("[2001:db8::1]:443", []byte{0, 0xff}, []byte("01234567890123456789"), int64(-5))
	f.Add("", []byte(""), []byte{1, 2, 3}, int64(1<<62))
	f.Fuzz(func(t *testing.T, addr string, user, junk []byte, step int64) {
		for _, configured := range []bool{true, false} {
			st := newMemStore()
			c := &clock{ms: 1_700_000_000_000}
			l := newLimiter(t, settings(3, 60, 30), st, c)
			client := ClientAddress(addr)
			// Corrupt any counter the identifiers map to, and the decoy, then count
			// failures.
			salt, _ := l.salt()
			keys := l.keys(salt, client, user, configured)
			for _, k := range keys.key[:keys.n] {
				st.data[k] = junk
			}
			st.data[l.decoy] = junk
			l.Blocked(client, user, configured)
			for i := 0; i < 3; i++ {
				l.Failure(client, user, configured)
			}
			counted := client != "" || len(user) > 0 && configured
			blocked := l.Blocked(client, user, configured) > 0
			if counted && !blocked && len(junk) != bucketLen {
				t.Fatalf("3 failures did not block client %q user %q (configured %v)", client, user, configured)
			}
			if !counted && blocked {
				t.Fatalf("client %q user %q (configured %v) blocked without a counter", client, user, configured)
			}
			c.ms += step % (1 << 40)
			l.Blocked(client, user, configured)
			l.Failure(client, user, configured)
		}
	})
}
