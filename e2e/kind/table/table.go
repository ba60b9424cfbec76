// Package table replays the filter's shared behaviour table
// (github.com/wasmauth/wasmauth/filter/behaviour) against a real gateway whose
// routes send every request to the demo echo backend: it groups the cases by
// pluginConfig, turns each case into an exact HTTP/2 request and judges the
// gateway's response against the case's Want.
package table

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/wasmauth/wasmauth/e2e/kind/demo"
	"github.com/wasmauth/wasmauth/e2e/kind/h2raw"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// Group is the cases that share one pluginConfig, in table order.
type Group struct {
	Config string // pluginConfig JSON; "" is the empty configuration
	Cases  []behaviour.Case
}

// ConfigJSON returns the configuration as a JSON object ("{}" for "").
func (g Group) ConfigJSON() (json.RawMessage, error) {
	if strings.TrimSpace(g.Config) == "" {
		return json.RawMessage("{}"), nil
	}
	var v map[string]any
	if err := json.Unmarshal([]byte(g.Config), &v); err != nil {
		return nil, fmt.Errorf("case config is not a JSON object: %w", err)
	}
	return json.RawMessage(g.Config), nil
}

// GroupByConfig splits cases into groups by Config, keeping first-appearance
// order, so each configuration is applied to the gateway once.
func GroupByConfig(cases []behaviour.Case) []Group {
	index := map[string]int{}
	var groups []Group
	for _, c := range cases {
		i, ok := index[c.Config]
		if !ok {
			i = len(groups)
			index[c.Config] = i
			groups = append(groups, Group{Config: c.Config})
		}
		groups[i].Cases = append(groups[i].Cases, c)
	}
	return groups
}

// Fields returns the case's request as HTTP/2 header fields: pseudo-headers
// first (as HTTP/2 requires), otherwise in table order.
func Fields(c behaviour.Case) [][2]string {
	var pseudo, regular [][2]string
	for _, h := range c.Request {
		if strings.HasPrefix(h[0], ":") {
			pseudo = append(pseudo, h)
		} else {
			regular = append(regular, h)
		}
	}
	return append(pseudo, regular...)
}

// Evaluate judges a gateway response for c:
//   - Want.Status 0: the request reached the echo backend (its marker header is
//     present), and every Want.Upstream header is as the backend saw it ("" =
//     absent; a credential header the echo redacts is compared by presence).
//   - a denial: the backend was not reached; a gRPC case gets Envoy's
//     trailers-only reply (HTTP 200) with grpc-status = Want.GRPCStatus, any
//     other case the HTTP status Want.Status; Want.ReplyHeaders match exactly.
func Evaluate(c behaviour.Case, resp *h2raw.Response) error {
	backend := resp.Get(demo.HeaderBackend) == "echo"
	if c.Want.Status == 0 {
		if !backend {
			return fmt.Errorf("want the request to reach the backend, got a local reply: status %d, grpc-status %q, body %.200q",
				resp.Status, resp.Get("grpc-status"), resp.Body)
		}
		if resp.Status != 200 {
			return fmt.Errorf("backend answered %d", resp.Status)
		}
		if len(c.Want.Upstream) == 0 {
			return nil
		}
		var echo demo.Echo
		if err := json.Unmarshal(resp.Body, &echo); err != nil {
			return fmt.Errorf("backend body is not an echo: %v", err)
		}
		var problems []string
		for name, want := range c.Want.Upstream {
			values, present := echo.Headers[name]
			switch {
			case want == "" && present:
				problems = append(problems, fmt.Sprintf("upstream header %s must be absent, backend saw it", name))
			case want != "" && !present:
				problems = append(problems, fmt.Sprintf("upstream header %s missing, want %q", name, want))
			case want != "" && values[0] != want && values[0] != demo.Redacted:
				problems = append(problems, fmt.Sprintf("upstream header %s = %q, want %q", name, values[0], want))
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "; "))
		}
		return nil
	}
	if backend {
		return fmt.Errorf("want a denial (%d), but the request reached the backend", c.Want.Status)
	}
	var problems []string
	if c.IsGRPC() && c.Want.GRPCStatus >= 0 {
		if resp.Status != 200 {
			problems = append(problems, fmt.Sprintf("gRPC local reply status %d, want 200 (trailers-only)", resp.Status))
		}
		if got := resp.Get("grpc-status"); got != strconv.Itoa(int(c.Want.GRPCStatus)) {
			problems = append(problems, fmt.Sprintf("grpc-status %q, want %d", got, c.Want.GRPCStatus))
		}
	} else if resp.Status != c.Want.Status {
		problems = append(problems, fmt.Sprintf("status %d, want %d", resp.Status, c.Want.Status))
	}
	for name, want := range c.Want.ReplyHeaders {
		if got, ok := resp.Lookup(name); !ok || got != want {
			problems = append(problems, fmt.Sprintf("reply header %s = %q (present %v), want %q", name, got, ok, want))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%s", strings.Join(problems, "; "))
	}
	return nil
}
