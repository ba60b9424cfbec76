package table

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/e2e/kind/demo"
	"github.com/wasmauth/wasmauth/e2e/kind/h2raw"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

func TestGroupByConfig(t *testing.T) {
	cases := behaviour.Cases()
	groups := GroupByConfig(cases)
	total := 0
	seen := map[string]bool{}
	for _, g := range groups {
		if seen[g.Config] {
			t.Errorf("config appears in two groups")
		}
		seen[g.Config] = true
		total += len(g.Cases)
		for _, c := range g.Cases {
			if c.Config != g.Config {
				t.Errorf("case %s in the wrong group", c.Name)
			}
		}
		js, err := g.ConfigJSON()
		if err != nil {
			t.Errorf("group config: %v", err)
		}
		if !json.Valid(js) {
			t.Errorf("invalid JSON %s", js)
		}
	}
	if total != len(cases) {
		t.Errorf("grouped %d cases, table has %d", total, len(cases))
	}
	if len(groups) < 2 {
		t.Errorf("want several configurations, got %d", len(groups))
	}
}

func TestFields(t *testing.T) {
	for _, c := range behaviour.Cases() {
		f := Fields(c)
		if len(f) != len(c.Request) {
			t.Errorf("%s: %d fields for %d headers", c.Name, len(f), len(c.Request))
		}
		regular := false
		for _, h := range f {
			if strings.HasPrefix(h[0], ":") && regular {
				t.Errorf("%s: pseudo-header %s after a regular header", c.Name, h[0])
			}
			if !strings.HasPrefix(h[0], ":") {
				regular = true
			}
		}
	}
}

func echoResponse(t *testing.T, headers map[string][]string) *h2raw.Response {
	t.Helper()
	body, err := json.Marshal(demo.Echo{Method: "GET", Headers: headers})
	if err != nil {
		t.Fatal(err)
	}
	return &h2raw.Response{Status: 200, Header: [][2]string{{demo.HeaderBackend, "echo"}}, Body: body}
}

func TestEvaluate(t *testing.T) {
	allowed := behaviour.Case{Want: behaviour.Want{GRPCStatus: -1}}
	forwarded := behaviour.Case{Want: behaviour.Want{GRPCStatus: -1, Upstream: map[string]string{"x-wasmauth-user": "alice", "authorization": ""}}}
	denied := behaviour.Case{Want: behaviour.Want{Status: 401, GRPCStatus: -1, ReplyHeaders: map[string]string{"www-authenticate": `Basic realm="demo"`}}}
	grpcDenied := behaviour.Case{
		Request: [][2]string{{":method", "POST"}, {"content-type", "application/grpc"}},
		Want:    behaviour.Want{Status: 403, GRPCStatus: 7},
	}
	local := func(status int, h ...string) *h2raw.Response {
		r := &h2raw.Response{Status: status}
		for i := 0; i+1 < len(h); i += 2 {
			r.Header = append(r.Header, [2]string{h[i], h[i+1]})
		}
		return r
	}
	cases := []struct {
		name    string
		c       behaviour.Case
		resp    *h2raw.Response
		wantErr string
	}{
		{"allowed reaches backend", allowed, echoResponse(t, nil), ""},
		{"allowed but denied", allowed, local(401), "got a local reply"},
		{"allowed but backend error", allowed, &h2raw.Response{Status: 503, Header: [][2]string{{demo.HeaderBackend, "echo"}}}, "backend answered 503"},
		{"upstream ok", forwarded, echoResponse(t, map[string][]string{"x-wasmauth-user": {"alice"}}), ""},
		{"upstream credential not stripped", forwarded, echoResponse(t, map[string][]string{"x-wasmauth-user": {"alice"}, "authorization": {demo.Redacted}}), "authorization must be absent"},
		{"upstream wrong user", forwarded, echoResponse(t, map[string][]string{"x-wasmauth-user": {"bob"}}), `x-wasmauth-user = "bob"`},
		{"upstream user missing", forwarded, echoResponse(t, nil), "x-wasmauth-user missing"},
		{"denied ok", denied, local(401, "www-authenticate", `Basic realm="demo"`), ""},
		{"denied wrong realm", denied, local(401, "www-authenticate", "Basic realm=demo"), "reply header www-authenticate"},
		{"denied wrong status", denied, local(403, "www-authenticate", `Basic realm="demo"`), "status 403, want 401"},
		{"denied but reached backend", denied, echoResponse(t, nil), "reached the backend"},
		{"grpc denied ok", grpcDenied, local(200, "grpc-status", "7"), ""},
		{"grpc denied wrong code", grpcDenied, local(200, "grpc-status", "16"), `grpc-status "16", want 7`},
		{"grpc denied missing code", grpcDenied, local(403), "grpc-status"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := Evaluate(tc.c, tc.resp)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}
