package main

import (
	"strconv"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/auth"
	"github.com/wasmauth/wasmauth/config/normalize"
)

// httpContext is one HTTP stream. It only ever looks at request headers: bodies and
// trailers pass through untouched and unbuffered (gRPC calls of 100 MB included).
type httpContext struct {
	types.DefaultHttpContext
	plugin *pluginContext
}

// OnHttpRequestHeaders reads all request headers with one host call, asks the policy for
// a verdict and either lets the request continue (adjusting the headers upstream sees) or
// answers it locally.
func (h *httpContext) OnHttpRequestHeaders(int, bool) types.Action {
	p := h.plugin
	headers, err := requestHeaders()
	defer releaseRequestHeaders() // the strings of headers end with this call
	if err != nil {
		// Without headers nothing can be checked: fail closed.
		proxywasm.LogError("wasmauth: cannot read request headers: " + err.Error())
		h.reply(500, "internal error", 13, plainText)
		return types.ActionPause
	}
	req := auth.NewRequest(headers)
	if p.throttled {
		req.Client = clientAddress()
	}
	v := p.decider.Decide(&req)
	p.metrics.record(&v)

	if v.Status != 0 {
		p.logDenial(&req, &v)
		if !v.DryRun {
			replyWith := plainText
			switch v.Status {
			case 401:
				replyWith = p.challenge
			case 429:
				replyWith = newReplyHeaders([2]string{"retry-after", itoa(v.RetryAfter)}, plainText.list[0])
			}
			h.reply(v.Status, v.Message, v.GRPCStatus, replyWith)
			return types.ActionPause
		}
	}
	h.prepareUpstream(headers, &v)
	return types.ActionContinue
}

// prepareUpstream removes what the upstream must not see and adds the forwarded user.
func (h *httpContext) prepareUpstream(headers [][2]string, v *auth.Verdict) {
	pol := h.plugin.policy
	if name := pol.ForwardUserHeader(); name != "" {
		// A client-sent copy is never trusted, whatever the verdict: nor one spelled
		// with '_' for '-', which CGI/WSGI-style backends read as the same header.
		removeSpoofed(headers, name)
		if v.User != "" {
			if err := proxywasm.AddHttpRequestHeader(name, v.User); err != nil {
				proxywasm.LogError("wasmauth: cannot set " + name + ": " + err.Error())
			}
		}
	}
	// Credentials are stripped only when this filter consumed them, so that unprotected
	// routes keep their own Authorization headers (bearer tokens of other services).
	if pol.StripCredentials() && v.User != "" {
		removeAll(headers, "authorization")
		user, pass := pol.MetadataCredentialKeys()
		for _, k := range [...]string{user, pass} {
			if k != "" {
				removeAll(headers, k)
			}
		}
	}
}

// reply answers the request locally. For gRPC requests grpcStatus is a real gRPC code,
// which Envoy sends as a trailers-only response; for other requests it is -1. The body
// is built in a buffer the plugin reuses: the host copies it before returning.
func (h *httpContext) reply(status int, message string, grpcStatus int32, headers *replyHeaders) {
	p := h.plugin
	body := append(p.replyBuf[:0], message...)
	if grpcStatus < 0 {
		body = append(body, '\n') // a gRPC reply carries it as grpc-message instead
	}
	p.replyBuf = body
	if err := sendLocalReply(uint32(status), headers, body, grpcStatus); err != nil {
		proxywasm.LogError("wasmauth: cannot send the local reply: " + err.Error())
	}
}

var plainText = newReplyHeaders([2]string{"content-type", "text/plain; charset=utf-8"})

// removeAll removes every copy of name. Envoy removes all values in one call; the
// call is repeated once per copy for hosts that remove one value at a time.
func removeAll(headers [][2]string, name string) {
	for _, kv := range headers {
		if kv[0] == name {
			removeHeader(name)
		}
	}
}

// removeSpoofed removes every header whose name equals name once '_' is read as '-'.
func removeSpoofed(headers [][2]string, name string) {
	for i, kv := range headers {
		if !normalize.SameHeaderName(kv[0], name) {
			continue
		}
		seen := false
		for _, prev := range headers[:i] {
			if prev[0] == kv[0] {
				seen = true
				break
			}
		}
		if !seen {
			removeAll(headers, kv[0])
		}
	}
}

// withoutUserinfo returns an authority with any "userinfo@" replaced by "***@".
func withoutUserinfo(authority string) string {
	for i := len(authority) - 1; i >= 0; i-- {
		if authority[i] == '@' {
			return "***@" + authority[i+1:]
		}
	}
	return authority
}

// withoutParams returns a path with every segment's ";params" removed.
func withoutParams(path string) string {
	i := 0
	for i < len(path) && path[i] != ';' {
		i++
	}
	if i == len(path) {
		return path
	}
	out := make([]byte, 0, len(path))
	skip := false
	for j := 0; j < len(path); j++ {
		switch c := path[j]; {
		case c == '/':
			skip = false
		case c == ';':
			skip = true
		}
		if !skip {
			out = append(out, path[j])
		}
	}
	return string(out)
}

func removeHeader(name string) {
	if err := proxywasm.RemoveHttpRequestHeader(name); err != nil {
		proxywasm.LogError("wasmauth: cannot remove " + name + ": " + err.Error())
	}
}

// maxLogged bounds how much of a (possibly hostile) request field goes into a log line.
const maxLogged = 256

// appendTruncated appends s quoted, cut to maxLogged bytes ("..." marks a cut).
func appendTruncated(b []byte, s string) []byte {
	if len(s) > maxLogged {
		return appendQuoted(b, s[:maxLogged], "...")
	}
	return appendQuoted(b, s, "")
}

// appendQuoted appends s+suffix quoted exactly as strconv.AppendQuote does; suffix is
// printable ASCII. Log fields are nearly always printable ASCII without quotes or
// backslashes, which quote as themselves: one copy then, instead of strconv's appends
// rune by rune, which under TinyGo were most of a denial's cost in the VM.
func appendQuoted(b []byte, s, suffix string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' || c > '~' || c == '"' || c == '\\' {
			return strconv.AppendQuote(b, s+suffix)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	b = append(b, suffix...)
	return append(b, '"')
}

// logDenial writes one line per denial. It never contains a credential: the verdict's
// reason and user name are safe by construction, the query string, ";params" (session
// ids) and an authority's userinfo ("user:password@") are dropped, and request fields
// are quoted so a hostile path cannot forge log lines. The line is built in the
// plugin's reusable buffer and handed to the host without a copy (logWarn): a denial
// allocates only when it must redact userinfo or ";params".
func (p *pluginContext) logDenial(r *auth.Request, v *auth.Verdict) {
	path := r.Path
	for i := 0; i < len(path); i++ {
		if path[i] == '?' || path[i] == '#' {
			path = path[:i]
			break
		}
	}
	b := append(p.logBuf[:0], "wasmauth: "...)
	if v.DryRun {
		b = append(b, "dry-run: would deny "...)
	} else {
		b = append(b, "denied "...)
	}
	b = strconv.AppendInt(b, int64(v.Status), 10)
	b = append(b, " reason="...)
	b = appendQuoted(b, v.Reason, "")
	if v.Rule >= 0 && v.Rule < len(p.ruleNames) {
		b = append(b, " rule="...)
		b = append(b, p.ruleNames[v.Rule]...)
	}
	if v.User != "" {
		b = append(b, " user="...)
		b = appendQuoted(b, v.User, "")
	}
	if r.Client != "" {
		b = append(b, " client="...)
		b = appendTruncated(b, r.Client)
	}
	b = append(b, " method="...)
	b = appendTruncated(b, r.Method)
	b = append(b, " host="...)
	b = appendTruncated(b, withoutUserinfo(r.Authority))
	b = append(b, " path="...)
	b = appendTruncated(b, withoutParams(path))
	if v.GRPC {
		b = append(b, " grpc=true"...)
	}
	p.logBuf = b
	logWarn(b)
}
