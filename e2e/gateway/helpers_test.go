package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasmauth/wasmauth/e2e/demo"
	"github.com/wasmauth/wasmauth/e2e/gateway"
	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
)

// upstreams are shared by the tests of this package.
var (
	upOnce sync.Once
	up     *demo.Upstreams
	upErr  error
)

func upstreams(t testing.TB) *demo.Upstreams {
	t.Helper()
	upOnce.Do(func() { up, upErr = demo.Start("127.0.0.1:0", "127.0.0.1:0") })
	if upErr != nil {
		t.Fatal(upErr)
	}
	return up
}

func routes(t testing.TB, u *demo.Upstreams) []gateway.Route {
	var out []gateway.Route
	for _, s := range []string{"/helloworld.Greeter/=h2c://" + u.GRPCAddr, "/=http://" + u.HTTPAddr} {
		r, err := gateway.ParseRoute(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// writeFile replaces path atomically.
func writeFile(t testing.TB, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

type testGateway struct {
	*gateway.Gateway
	Addr       string
	ConfigPath string
	logs       *logSink
}

type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// startGateway runs an in-process gateway with the given config file content.
func startGateway(t testing.TB, config string, poll time.Duration) *testGateway {
	t.Helper()
	u := upstreams(t)
	path := filepath.Join(t.TempDir(), "config.json")
	writeFile(t, path, config)
	logs := &logSink{}
	g, err := gateway.New(context.Background(), gateway.Options{
		Module: wasmtest.Module(t, "wasmauth.wasm"), ConfigPath: path, Routes: routes(t, u),
		VMs: 2, PollInterval: poll, Logf: logs.printf,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(g.Close)
	return &testGateway{Gateway: g, Addr: startServing(t, g), ConfigPath: path, logs: logs}
}

// startServing serves g on a free loopback port and returns its address.
func startServing(t testing.TB, g *gateway.Gateway) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go g.Serve(l)
	return l.Addr().String()
}

func decodeEcho(t testing.TB, r io.Reader) demo.EchoReply {
	t.Helper()
	var e demo.EchoReply
	if err := json.NewDecoder(r).Decode(&e); err != nil {
		t.Fatalf("decoding the echo reply: %v", err)
	}
	return e
}

// waitListening waits until addr accepts connections.
func waitListening(t testing.TB, addr string, d time.Duration) {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not listening after %v: %v", addr, d, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
