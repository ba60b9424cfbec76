// Package behaviour is the one table of filter behaviour that every host runs: the native
// filter and out/wasmauth.wasm in the SDK's emulator (package filter's tests), and the
// project's own Envoy-like wazero host and local gateway (module e2e). All must agree.
package behaviour

// Case is one request against one pluginConfig and what the filter must do with it.
type Case struct {
	Name    string
	Config  string      // the pluginConfig JSON
	Request [][2]string // request headers as Envoy gives them: pseudo-headers first, lowercase names
	Want    Want
}

// Want is the observable outcome of a Case.
type Want struct {
	// Status is 0 when the request continues upstream; otherwise the HTTP status the filter
	// passes to send_local_response (Envoy turns a gRPC request's local reply into a
	// trailers-only response with GRPCStatus).
	Status int
	// GRPCStatus is the gRPC status passed with a local reply, -1 when none (not gRPC).
	GRPCStatus int32
	// ReplyHeaders must be present on the local reply with exactly these values.
	ReplyHeaders map[string]string
	// Upstream are request headers as the upstream must see them; "" means absent.
	Upstream map[string]string
}

// Header returns the first value of name in the request, or "".
func (c Case) Header(name string) string {
	for _, h := range c.Request {
		if h[0] == name {
			return h[1]
		}
	}
	return ""
}

// IsGRPC reports whether the case's request is a gRPC call as Envoy decides it:
// content-type exactly application/grpc or starting with application/grpc+.
func (c Case) IsGRPC() bool {
	const p = "application/grpc"
	ct := c.Header("content-type")
	return len(ct) >= len(p) && ct[:len(p)] == p && (len(ct) == len(p) || ct[len(p)] == '+')
}
