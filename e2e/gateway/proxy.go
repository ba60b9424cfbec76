package gateway

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/textproto"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// ServeHTTP runs the request through the filter, then answers with its local reply or
// proxies the request (as the filter left it) to the matching upstream.
func (g *Gateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	reqHeaders := requestHeaders(r)
	grpc := reqHeaders.IsGRPC()
	gen := g.acquire()
	if gen == nil {
		failClosed(w, grpc, "gateway closed")
		return
	}
	defer gen.release()
	s, err := gen.plugin.NewStream()
	if err != nil {
		g.opts.Logf("filter failed, denying %s %s: %v", r.Method, r.URL.Path, err)
		failClosed(w, grpc, "wasm_fail_stream")
		return
	}
	defer func() {
		if err := s.Close(); err != nil {
			g.opts.Logf("filter failed while finishing a stream: %v", err)
		}
	}()
	endOfStream := r.Body == nil || r.Body == http.NoBody
	act, err := s.RequestHeaders(reqHeaders, endOfStream)
	if err != nil {
		g.opts.Logf("filter failed, denying %s %s: %v", r.Method, r.URL.Path, err)
		failClosed(w, grpc, "wasm_fail_stream")
		return
	}
	if lr := s.LocalReply(); lr != nil {
		writeLocalReply(w, grpc, lr)
		return
	}
	if act != host.ActionContinue && !s.Continued(host.StreamRequest) {
		// Envoy would wait for proxy_continue_stream; this synchronous host has no event
		// that could bring it, so the request is refused rather than let through.
		g.opts.Logf("filter paused %s %s without a reply; refusing it", r.Method, r.URL.Path)
		failClosed(w, grpc, "wasm_paused_stream")
		return
	}
	out := s.Request()
	path := out.Value(":path")
	route, transport, ok := g.routes.match(path)
	if !ok {
		if grpc {
			writeGRPCStatus(w, 12, "no route for "+path)
			return
		}
		http.Error(w, "no route for "+path, http.StatusNotFound)
		return
	}
	proxy := &httputil.ReverseProxy{
		Transport:     transport,
		FlushInterval: -1,
		Rewrite: func(pr *httputil.ProxyRequest) {
			u := *route.Upstream
			u.Scheme = "http"
			pr.Out.URL = &u
			pr.Out.URL.Opaque = ""
			if p, q, ok := strings.Cut(path, "?"); ok {
				pr.Out.URL.Path, pr.Out.URL.RawQuery = p, q
			} else {
				pr.Out.URL.Path, pr.Out.URL.RawQuery = path, ""
			}
			if unescaped, err := url.PathUnescape(pr.Out.URL.Path); err == nil {
				pr.Out.URL.RawPath = pr.Out.URL.Path
				pr.Out.URL.Path = unescaped
			}
			pr.Out.Method = out.Value(":method")
			pr.Out.Host = out.Value(":authority")
			pr.Out.Header = upstreamHeader(out)
			if pr.Out.Body != nil && pr.Out.Body != http.NoBody {
				pr.Out.Body = &requestBody{r: pr.Out.Body, s: s, in: r}
			}
		},
		ModifyResponse: func(resp *http.Response) error {
			return g.filterResponse(s, resp)
		},
		ErrorHandler: func(w http.ResponseWriter, req *http.Request, err error) {
			var lr localReplyError
			if errors.As(err, &lr) {
				writeLocalReply(w, grpc, lr.reply)
				return
			}
			g.opts.Logf("upstream %s: %v", route.Upstream, err)
			if grpc {
				writeGRPCStatus(w, 14, "upstream unavailable")
				return
			}
			http.Error(w, "upstream unavailable", http.StatusBadGateway)
		},
	}
	proxy.ServeHTTP(w, r)
}

// requestHeaders builds the header map Envoy gives the filter: pseudo-headers first,
// then every header with a lowercase name, one entry per value.
func requestHeaders(r *http.Request) host.Headers {
	path := r.RequestURI
	if path == "" || !strings.HasPrefix(path, "/") {
		path = r.URL.RequestURI()
	}
	h := make(host.Headers, 0, 4+len(r.Header))
	h = append(h, [2]string{":method", r.Method}, [2]string{":authority", r.Host}, [2]string{":path", path}, [2]string{":scheme", "http"})
	return appendHeader(h, r.Header)
}

func appendHeader(h host.Headers, hdr http.Header) host.Headers {
	keys := make([]string, 0, len(hdr))
	for k := range hdr {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		lk := strings.ToLower(k)
		for _, v := range hdr[k] {
			h = append(h, [2]string{lk, v})
		}
	}
	return h
}

// hopByHop headers are never forwarded (RFC 9110 section 7.6.1); "te: trailers" is.
var hopByHop = map[string]bool{
	"connection": true, "proxy-connection": true, "keep-alive": true, "transfer-encoding": true,
	"upgrade": true, "trailer": true, "host": true, "content-length": true,
}

func upstreamHeader(h host.Headers) http.Header {
	out := http.Header{}
	drop := map[string]bool{}
	for _, v := range h.Values("connection") {
		for _, f := range strings.Split(v, ",") {
			drop[strings.ToLower(strings.TrimSpace(f))] = true
		}
	}
	for _, kv := range h {
		k := kv[0]
		if strings.HasPrefix(k, ":") || hopByHop[k] || drop[k] {
			continue
		}
		if k == "te" && !strings.EqualFold(strings.TrimSpace(kv[1]), "trailers") {
			continue
		}
		out[textproto.CanonicalMIMEHeaderKey(k)] = append(out[textproto.CanonicalMIMEHeaderKey(k)], kv[1])
	}
	return out
}

// filterResponse runs the response headers through the filter and wraps the body so
// that every chunk and the trailers go through it too.
func (g *Gateway) filterResponse(s *host.Stream, resp *http.Response) error {
	h := make(host.Headers, 0, 1+len(resp.Header))
	h = append(h, [2]string{":status", strconv.Itoa(resp.StatusCode)})
	h = appendHeader(h, resp.Header)
	eos := resp.Body == nil || resp.Body == http.NoBody
	act, err := s.ResponseHeaders(h, eos)
	if err != nil {
		return fmt.Errorf("filter failed on the response: %w", err)
	}
	if lr := s.LocalReply(); lr != nil {
		return localReplyError{lr}
	}
	if act != host.ActionContinue && !s.Continued(host.StreamResponse) {
		return errors.New("filter paused the response; this host cannot resume it")
	}
	out := s.Response()
	if st, err := strconv.Atoi(out.Value(":status")); err == nil && st >= 100 && st <= 999 {
		resp.StatusCode = st
	}
	hdr := http.Header{}
	for _, kv := range out {
		if !strings.HasPrefix(kv[0], ":") {
			ck := textproto.CanonicalMIMEHeaderKey(kv[0])
			hdr[ck] = append(hdr[ck], kv[1])
		}
	}
	resp.Header = hdr
	if !eos {
		resp.Body = &responseBody{r: resp.Body, s: s, resp: resp}
	}
	return nil
}

type localReplyError struct{ reply *host.LocalReply }

func (e localReplyError) Error() string {
	return fmt.Sprintf("filter answered with a local reply %d", e.reply.StatusCode)
}

// requestBody streams the request body upstream, showing each chunk to the filter.
type requestBody struct {
	r       io.ReadCloser
	s       *host.Stream
	in      *http.Request
	pending []byte
	done    bool
}

func (b *requestBody) Read(p []byte) (int, error) {
	if len(b.pending) > 0 {
		n := copy(p, b.pending)
		b.pending = b.pending[n:]
		return n, nil
	}
	if b.done {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	eof := errors.Is(err, io.EOF)
	if err != nil && !eof {
		return n, err
	}
	if n == 0 && !eof {
		return 0, nil
	}
	act, ferr := b.s.RequestBody(p[:n], eof)
	if ferr != nil {
		return 0, fmt.Errorf("filter failed on the request body: %w", ferr)
	}
	if b.s.LocalReply() != nil {
		return 0, localReplyError{b.s.LocalReply()}
	}
	if act != host.ActionContinue {
		return 0, errors.New("filter paused the request body (buffering is not supported by this gateway)")
	}
	if eof {
		b.done = true
		if len(b.in.Trailer) > 0 {
			if _, err := b.s.RequestTrailers(appendHeader(nil, b.in.Trailer)); err != nil {
				return 0, fmt.Errorf("filter failed on the request trailers: %w", err)
			}
		}
	}
	if chunk := b.s.RequestBodyChunk(); len(chunk) != n || (n > 0 && &chunk[0] != &p[0]) {
		m := copy(p, chunk)
		b.pending = append(b.pending[:0], chunk[m:]...)
		n = m
	}
	if eof && len(b.pending) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (b *requestBody) Close() error { return b.r.Close() }

// responseBody streams the response body to the client, showing each chunk and then
// the trailers to the filter; trailer changes are applied in place before they are sent.
type responseBody struct {
	r       io.ReadCloser
	s       *host.Stream
	resp    *http.Response
	pending []byte
	done    bool
}

func (b *responseBody) Read(p []byte) (int, error) {
	if len(b.pending) > 0 {
		n := copy(p, b.pending)
		b.pending = b.pending[n:]
		return n, nil
	}
	if b.done {
		return 0, io.EOF
	}
	n, err := b.r.Read(p)
	eof := errors.Is(err, io.EOF)
	if err != nil && !eof {
		return n, err
	}
	if n == 0 && !eof {
		return 0, nil
	}
	act, ferr := b.s.ResponseBody(p[:n], eof && len(b.resp.Trailer) == 0)
	if ferr != nil {
		return 0, fmt.Errorf("filter failed on the response body: %w", ferr)
	}
	if act != host.ActionContinue {
		return 0, errors.New("filter paused the response body (buffering is not supported by this gateway)")
	}
	if eof {
		b.done = true
		if len(b.resp.Trailer) > 0 {
			if _, err := b.s.ResponseTrailers(appendHeader(nil, b.resp.Trailer)); err != nil {
				return 0, fmt.Errorf("filter failed on the response trailers: %w", err)
			}
			t := b.s.ResponseTrailersMap()
			clear(b.resp.Trailer)
			for _, kv := range t {
				ck := textproto.CanonicalMIMEHeaderKey(kv[0])
				b.resp.Trailer[ck] = append(b.resp.Trailer[ck], kv[1])
			}
		}
	}
	if chunk := b.s.ResponseBodyChunk(); len(chunk) != n || (n > 0 && &chunk[0] != &p[0]) {
		m := copy(p, chunk)
		b.pending = append(b.pending[:0], chunk[m:]...)
		n = m
	}
	if eof && len(b.pending) == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (b *responseBody) Close() error { return b.r.Close() }

// writeLocalReply sends the filter's local reply as Envoy does: a gRPC request gets a
// trailers-only gRPC response (HTTP 200, grpc-status, grpc-message), anything else the
// HTTP status, headers and body.
func writeLocalReply(w http.ResponseWriter, grpc bool, lr *host.LocalReply) {
	h := w.Header()
	for _, kv := range lr.Headers {
		if !strings.HasPrefix(kv[0], ":") {
			h.Add(kv[0], kv[1])
		}
	}
	if grpc {
		code, msg := lr.GRPC()
		writeGRPCStatus(w, code, msg)
		return
	}
	if len(lr.Body) > 0 && h.Get("Content-Type") == "" {
		h.Set("Content-Type", "text/plain")
	}
	h.Set("Content-Length", strconv.Itoa(len(lr.Body)))
	w.WriteHeader(lr.StatusCode)
	w.Write(lr.Body)
}

// writeGRPCStatus writes a trailers-only gRPC response.
func writeGRPCStatus(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "application/grpc")
	h.Set("Grpc-Status", strconv.Itoa(code))
	if msg != "" {
		h.Set("Grpc-Message", grpcPercentEncode(msg))
	}
	h.Del("Content-Length")
	w.WriteHeader(http.StatusOK)
}

// grpcPercentEncode encodes a grpc-message value as the gRPC HTTP/2 protocol requires.
func grpcPercentEncode(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c <= 0x7e && c != '%' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// failClosed answers a request the filter could not judge: Envoy's fail-closed reply
// (503, gRPC UNAVAILABLE) - never a pass.
func failClosed(w http.ResponseWriter, grpc bool, details string) {
	if grpc {
		writeGRPCStatus(w, 14, details)
		return
	}
	http.Error(w, details, http.StatusServiceUnavailable)
}
