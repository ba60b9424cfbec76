package gateway_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// Two valid configurations that judge the same requests differently, and broken ones.
const (
	reloadA = `{"realm": "A", "forward_user_header": "x-wasmauth-user", "users": ["alice:alice-password"],
  "basic_auth_rules": [{"name": "api", "prefix": "/api", "allow": ["alice"]}]}`
	reloadB = `{"realm": "B", "forward_user_header": "x-wasmauth-user", "users": ["alice:alice-password", "bob:bob-password"],
  "basic_auth_rules": [{"name": "api", "prefix": "/api", "allow": ["bob"]}]}`
)

var reloadBroken = []string{
	`{"realm": "C", "basic_auth_rules": [{"prefix": "/api"}]}`, // refused by the filter
	`{"realm": "C", "users": [`,                                // not JSON
}

// outcome is what a client sees: status, realm of the challenge, user forwarded upstream.
type outcome struct {
	status int
	realm  string
	user   string
}

func (o outcome) String() string {
	return fmt.Sprintf("%d realm=%q user=%q", o.status, o.realm, o.user)
}

// TestReloadUnderLoad hammers the gateway while its config file flips between two
// valid configurations and broken ones. Every response must be exactly what config A
// or config B decides for that request; a broken config must never show.
func TestReloadUnderLoad(t *testing.T) {
	gw := startGateway(t, reloadA, 5*time.Millisecond)
	requests := []struct {
		name  string
		auth  string
		wantA outcome
		wantB outcome
	}{
		{"alice", behaviour.Basic("alice", "alice-password"), outcome{200, "", "alice"}, outcome{403, "", ""}},
		{"bob", behaviour.Basic("bob", "bob-password"), outcome{401, `Basic realm="A"`, ""}, outcome{200, "", "bob"}},
		{"anonymous", "", outcome{401, `Basic realm="A"`, ""}, outcome{401, `Basic realm="B"`, ""}},
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var total, sawA, sawB atomic.Int64
	var failMu sync.Mutex
	var failures []string
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := requests[(i+w)%len(requests)]
				req, _ := http.NewRequest("GET", "http://"+gw.Addr+"/api/items", nil)
				req.Host = "reload.example.com"
				if r.auth != "" {
					req.Header.Set("Authorization", r.auth)
				}
				resp, err := client.Do(req)
				if err != nil {
					failMu.Lock()
					failures = append(failures, r.name+": "+err.Error())
					failMu.Unlock()
					continue
				}
				got := outcome{status: resp.StatusCode, realm: resp.Header.Get("Www-Authenticate")}
				if resp.StatusCode == 200 {
					got.user = decodeEcho(t, resp.Body).Header("x-wasmauth-user")
				}
				resp.Body.Close()
				total.Add(1)
				switch got {
				case r.wantA:
					sawA.Add(1)
				case r.wantB:
					sawB.Add(1)
				default:
					failMu.Lock()
					failures = append(failures, fmt.Sprintf("%s: got %v, want %v (A) or %v (B)", r.name, got, r.wantA, r.wantB))
					failMu.Unlock()
				}
			}
		}(w)
	}
	seq := []string{reloadB, reloadBroken[0], reloadA, reloadBroken[1], reloadB, reloadA}
	start := time.Now()
	flips := 0
	for time.Since(start) < 2*time.Second {
		writeFile(t, gw.ConfigPath, seq[flips%len(seq)])
		flips++
		time.Sleep(40 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	t.Logf("%d requests, %d judged by A, %d by B; %d file changes, %d configs loaded, %d rejected",
		total.Load(), sawA.Load(), sawB.Load(), flips, gw.Generation(), gw.Rejected())
	if len(failures) > 0 {
		t.Fatalf("%d wrong responses, first: %s", len(failures), strings.Join(failures[:min(5, len(failures))], "\n"))
	}
	if sawA.Load() == 0 || sawB.Load() == 0 || gw.Generation() < 4 || gw.Rejected() < 2 {
		t.Fatal("the configuration did not flip under load as the test needs")
	}
	if !strings.Contains(gw.logs.String(), "config rejected, keeping config") || !strings.Contains(gw.logs.String(), "rule checks nothing") {
		t.Errorf("a rejected config is not explained with the filter's own error; log:\n%s", gw.logs)
	}
}
