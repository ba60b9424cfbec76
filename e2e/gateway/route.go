package gateway

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"golang.org/x/net/http2"
)

// Route sends requests whose :path starts with Prefix to Upstream. Upstream schemes:
// http (HTTP/1.1) and h2c (cleartext HTTP/2, e.g. a gRPC server).
type Route struct {
	Prefix   string
	Upstream *url.URL
}

// ParseRoute parses "PREFIX=SCHEME://HOST:PORT", e.g. "/helloworld.Greeter/=h2c://127.0.0.1:50051".
func ParseRoute(s string) (Route, error) {
	prefix, target, ok := strings.Cut(s, "=")
	if !ok || !strings.HasPrefix(prefix, "/") {
		return Route{}, fmt.Errorf("route %q: want PREFIX=SCHEME://HOST:PORT with PREFIX starting with /", s)
	}
	u, err := url.Parse(target)
	if err != nil {
		return Route{}, fmt.Errorf("route %q: %w", s, err)
	}
	if u.Scheme != "http" && u.Scheme != "h2c" {
		return Route{}, fmt.Errorf("route %q: scheme %q, want http or h2c", s, u.Scheme)
	}
	if u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
		return Route{}, fmt.Errorf("route %q: upstream must be SCHEME://HOST:PORT only", s)
	}
	return Route{Prefix: prefix, Upstream: u}, nil
}

func (r Route) String() string { return r.Prefix + "=" + r.Upstream.String() }

// routeTable picks the longest matching prefix.
type routeTable struct {
	routes     []Route
	transports []http.RoundTripper
}

func newRouteTable(routes []Route) *routeTable {
	rs := append([]Route(nil), routes...)
	sort.SliceStable(rs, func(i, j int) bool { return len(rs[i].Prefix) > len(rs[j].Prefix) })
	t := &routeTable{routes: rs}
	for _, r := range rs {
		t.transports = append(t.transports, newTransport(r.Upstream.Scheme))
	}
	return t
}

func (t *routeTable) match(path string) (Route, http.RoundTripper, bool) {
	for i, r := range t.routes {
		if strings.HasPrefix(path, r.Prefix) {
			return r, t.transports[i], true
		}
	}
	return Route{}, nil, false
}

func newTransport(scheme string) http.RoundTripper {
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	if scheme == "h2c" {
		return &http2.Transport{
			AllowHTTP: true,
			DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
				return dialer.DialContext(ctx, network, addr)
			},
		}
	}
	return &http.Transport{
		Proxy:               nil,
		DisableCompression:  true, // a proxy passes encodings through untouched
		DialContext:         dialer.DialContext,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}
}
