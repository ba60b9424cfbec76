package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/proxytest"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// TestBehaviour runs the shared behaviour table natively and against the compiled module.
func TestBehaviour(t *testing.T) {
	vmTest(t, func(t *testing.T, vm types.VMContext) {
		for _, c := range behaviour.Cases() {
			t.Run(c.Name, func(t *testing.T) {
				host, status := newHost(t, vm, c.Config)
				if status != types.OnPluginStartStatusOK {
					t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
				}
				checkCase(t, host, c)
			})
		}
	})
}

// checkCase sends c's request through host and compares everything c.Want names.
func checkCase(t *testing.T, host proxytest.HostEmulator, c behaviour.Case) {
	t.Helper()
	id := host.InitializeHttpContext()
	action := host.CallOnRequestHeaders(id, c.Request, false)
	reply := host.GetSentLocalResponse(id)
	if c.Want.Status == 0 {
		if reply != nil {
			t.Fatalf("local reply %d (%q), want the request to continue", reply.StatusCode, reply.Data)
		}
		if action != types.ActionContinue {
			t.Fatalf("action = %v, want Continue", action)
		}
		upstream := host.GetCurrentRequestHeaders(id)
		for name, want := range c.Want.Upstream {
			got, ok := headerValue(upstream, name)
			switch {
			case want == "" && ok:
				t.Errorf("upstream sees %s: %q, want it removed", name, got)
			case want != "" && got != want:
				t.Errorf("upstream %s = %q, want %q", name, got, want)
			}
		}
	} else {
		if reply == nil {
			t.Fatalf("request continued (action %v), want local reply %d", action, c.Want.Status)
		}
		if int(reply.StatusCode) != c.Want.Status || reply.GRPCStatus != c.Want.GRPCStatus {
			t.Fatalf("local reply %d grpc-status %d, want %d grpc-status %d (body %q)",
				reply.StatusCode, reply.GRPCStatus, c.Want.Status, c.Want.GRPCStatus, reply.Data)
		}
		for name, want := range c.Want.ReplyHeaders {
			if got, _ := headerValue(reply.Headers, name); got != want {
				t.Errorf("reply header %s = %q, want %q", name, got, want)
			}
		}
	}
	host.CompleteHttpContext(id)
}

func headerValue(headers [][2]string, name string) (string, bool) {
	for _, kv := range headers {
		if kv[0] == name {
			return kv[1], true
		}
	}
	return "", false
}
