package throttle

import "testing"

// FuzzLimiter: any client string and user name, any store content and clock step
// never panic; max_failures failures always block both identifiers.
func FuzzLimiter(f *testing.F) {
	f.Add("192.0.2.1:1234", []byte("alice"), []byte{}, int64(1000))
	f.Add("[2001:db8::1]:443", []byte{0, 0xff}, []byte("01234567890123456789"), int64(-5))
	f.Add("", []byte(""), []byte{1, 2, 3}, int64(1<<62))
	f.Fuzz(func(t *testing.T, addr string, user, junk []byte, step int64) {
		st := newMemStore()
		c := &clock{ms: 1_700_000_000_000}
		l := newLimiter(t, settings(3, 60, 30), st, c)
		client := ClientAddress(addr)
		// Corrupt any bucket the identifiers map to, then count failures.
		salt, _ := l.salt()
		keys := l.keys(salt, client, user)
		for _, k := range keys.list() {
			st.data[k] = junk
		}
		l.Blocked(client, user)
		for i := 0; i < 3; i++ {
			l.Failure(client, user)
		}
		if (client != "" || len(user) > 0) && l.Blocked(client, user) == 0 && (len(junk) != bucketLen) {
			t.Fatalf("3 failures did not block client %q user %q", client, user)
		}
		c.ms += step % (1 << 40)
		l.Blocked(client, user)
		l.Failure(client, user)
	})
}
