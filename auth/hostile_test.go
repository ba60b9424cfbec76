package auth

import (
	"testing"

	"github.com/wasmauth/wasmauth/config"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestHostileCorpus runs the shared hostile corpus directly through the Decider: the
// status and gRPC status of every verdict must be the corpus's (the filter adds only
// header handling on top).
func TestHostileCorpus(t *testing.T) {
	p, err := config.Parse([]byte(behaviour.HostileConfig))
	if err != nil {
		t.Fatal(err)
	}
	d := NewDecider(p)
	for _, c := range behaviour.HostileCases() {
		r := NewRequest(c.Request)
		v := d.Decide(&r)
		if v.Status != c.Want.Status || v.GRPCStatus != c.Want.GRPCStatus {
			t.Errorf("%s: %v status %d grpc %d (%s), want %d grpc %d", c.Name, v.Outcome, v.Status, v.GRPCStatus, v.Reason, c.Want.Status, c.Want.GRPCStatus)
		}
		if v.Status == 0 && c.Want.Upstream["x-wasmauth-user"] != v.User {
			t.Errorf("%s: user %q, want %q", c.Name, v.User, c.Want.Upstream["x-wasmauth-user"])
		}
	}
}
