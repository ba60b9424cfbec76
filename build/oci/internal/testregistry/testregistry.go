// Package testregistry runs go-containerregistry's in-process registry on a
// loopback port for tests, optionally behind HTTP Basic authentication.
package testregistry

import (
	"crypto/subtle"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
)

// Registry is a running test registry.
type Registry struct {
	// Host is host:port of the registry (127.0.0.1:N); go-containerregistry
	// and Istio talk plain HTTP to loopback hosts.
	Host string
	// Denied counts requests refused for missing or wrong credentials.
	Denied atomic.Int64
	// Authorized counts requests that carried the right credentials.
	Authorized atomic.Int64
}

// Start serves a fresh empty registry until the test ends. With a non-empty
// user every request must carry that user and password (HTTP Basic).
func Start(t testing.TB, user, password string) *Registry {
	t.Helper()
	r := &Registry{}
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	if user != "" {
		inner := h
		h = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			u, p, ok := req.BasicAuth()
			okUser := subtle.ConstantTimeCompare([]byte(u), []byte(user)) == 1
			okPass := subtle.ConstantTimeCompare([]byte(p), []byte(password)) == 1
			if !ok || !okUser || !okPass {
				r.Denied.Add(1)
				w.Header().Set("WWW-Authenticate", `Basic realm="testregistry"`)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = io.WriteString(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`)
				return
			}
			r.Authorized.Add(1)
			inner.ServeHTTP(w, req)
		})
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	r.Host = u.Host
	return r
}
