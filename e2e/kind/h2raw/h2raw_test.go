package h2raw

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"
)

// server is an in-process h2c server that reports what it received.
func server(t *testing.T) string {
	t.Helper()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("x-uri", r.RequestURI)
		w.Header().Set("x-host", r.Host)
		w.Header().Set("x-method", r.Method)
		w.Header().Set("x-custom", r.Header.Get("X-Custom"))
		switch r.URL.Path {
		case "/trailers":
			w.Header().Set("Trailer", "grpc-status")
			w.WriteHeader(200)
			_, _ = w.Write([]byte("body"))
			w.Header().Set("grpc-status", "16")
		case "/big":
			_, _ = w.Write([]byte(strings.Repeat("b", 300<<10)))
		case "/deny":
			w.Header().Set("www-authenticate", `Basic realm="r"`)
			w.WriteHeader(401)
		default:
			_, _ = fmt.Fprint(w, "ok")
		}
	})
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h2c.NewHandler(h, &http2.Server{})}
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(func() { _ = srv.Close() })
	return lis.Addr().String()
}

func req(method, authority, path string, extra ...string) [][2]string {
	f := [][2]string{{":method", method}, {":scheme", "http"}, {":authority", authority}, {":path", path}}
	for i := 0; i+1 < len(extra); i += 2 {
		f = append(f, [2]string{extra[i], extra[i+1]})
	}
	return f
}

func TestDo(t *testing.T) {
	addr := server(t)
	cases := []struct {
		name    string
		fields  [][2]string
		status  int
		headers map[string]string
		body    string
	}{
		{"plain", req("GET", "a.example.com", "/x?y=1"), 200,
			map[string]string{"x-uri": "/x?y=1", "x-host": "a.example.com", "x-method": "GET"}, "ok"},
		{"path bytes kept", req("GET", "a.example.com", "//api//items/../x"), 200,
			map[string]string{"x-uri": "//api//items/../x"}, "ok"},
		{"authority with port and case", req("DELETE", "EXACT.example.com:8443", "/"), 200,
			map[string]string{"x-host": "EXACT.example.com:8443", "x-method": "DELETE"}, "ok"},
		{"extra header", req("GET", "h", "/", "x-custom", "v1"), 200, map[string]string{"x-custom": "v1"}, "ok"},
		{"large header block", req("GET", "h", "/", "x-custom", strings.Repeat("v", 40000)), 200,
			map[string]string{"x-custom": strings.Repeat("v", 40000)}, "ok"},
		{"denial", req("GET", "h", "/deny"), 401, map[string]string{"www-authenticate": `Basic realm="r"`}, ""},
		{"trailers", req("POST", "h", "/trailers", "content-type", "application/grpc"), 200,
			map[string]string{"grpc-status": "16"}, "body"},
		{"body beyond the initial window", req("GET", "h", "/big"), 200, nil, strings.Repeat("b", 300<<10)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			resp, err := Do(ctx, addr, tc.fields)
			if err != nil {
				t.Fatal(err)
			}
			if resp.Status != tc.status {
				t.Errorf("status = %d, want %d", resp.Status, tc.status)
			}
			for k, v := range tc.headers {
				if got, ok := resp.Lookup(k); !ok || got != v {
					t.Errorf("%s = %.60q (present %v), want %.60q", k, got, ok, v)
				}
			}
			if string(resp.Body) != tc.body {
				t.Errorf("body = %.60q, want %.60q", resp.Body, tc.body)
			}
		})
	}
}

func TestDoErrors(t *testing.T) {
	// An HTTP/1-only server answers the preface with garbage or closes.
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler()}
	go func() { _ = srv.Serve(lis) }()
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := Do(ctx, lis.Addr().String(), req("GET", "h", "/")); err == nil {
		t.Error("want an error from a server that does not speak h2c")
	}
	// Nothing listening.
	dead, _ := net.Listen("tcp", "127.0.0.1:0")
	deadAddr := dead.Addr().String()
	dead.Close()
	if _, err := Do(ctx, deadAddr, req("GET", "h", "/")); err == nil {
		t.Error("want a dial error")
	}
	// A server that never answers: the context ends the wait.
	silent, _ := net.Listen("tcp", "127.0.0.1:0")
	defer silent.Close()
	go func() {
		c, err := silent.Accept()
		if err == nil {
			defer c.Close()
			time.Sleep(3 * time.Second)
		}
	}()
	short, cancel2 := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel2()
	start := time.Now()
	if _, err := Do(short, silent.Addr().String(), req("GET", "h", "/")); err == nil {
		t.Error("want a timeout")
	}
	if time.Since(start) > 2*time.Second {
		t.Error("Do ignored the context deadline")
	}
}
