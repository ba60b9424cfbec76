package gateway_test

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/status"

	"github.com/wasmauth/wasmauth/e2e/internal/wasmtest"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

const payloadSize = 100 << 20

// gatewayProcess runs cmd/wasmauth-gateway as its own process, so its memory can be
// measured apart from the clients and upstreams in the test process.
type gatewayProcess struct {
	cmd  *exec.Cmd
	addr string
	log  *strings.Builder
}

func startGatewayProcess(t *testing.T, config string) *gatewayProcess {
	t.Helper()
	module := wasmtest.Path(t, "wasmauth.wasm")
	dir := t.TempDir()
	bin := filepath.Join(dir, "wasmauth-gateway")
	if out, err := exec.Command("go", "build", "-o", bin, "../cmd/wasmauth-gateway").CombinedOutput(); err != nil {
		t.Fatalf("building wasmauth-gateway: %v\n%s", err, out)
	}
	cfg := filepath.Join(dir, "config.json")
	writeFile(t, cfg, config)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	u := upstreams(t)
	log := &strings.Builder{}
	cmd := exec.Command(bin, "-addr", addr, "-module", module, "-config", cfg, "-vms", "2",
		"-route", "/helloworld.Greeter/=h2c://"+u.GRPCAddr, "-route", "/=http://"+u.HTTPAddr)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	waitListening(t, addr, 15*time.Second)
	return &gatewayProcess{cmd: cmd, addr: addr, log: log}
}

// procStatus reads a "kB" field (VmRSS, VmHWM) of /proc/<pid>/status, in bytes.
func procStatus(pid int, field string) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("%s not in /proc/%d/status", field, pid)
}

// TestLargePayloadsStream sends a 100 MB HTTP upload and a 100 MB gRPC message through
// a separate gateway process with the filter enforcing, and checks that the gateway's
// resident memory stays far below the payload size: bodies stream, never buffered.
func TestLargePayloadsStream(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("needs /proc to measure the gateway's memory")
	}
	gp := startGatewayProcess(t, configOf(t, "grpc/ok with basic"))
	pid := gp.cmd.Process.Pid
	baseline, err := procStatus(pid, "VmRSS")
	if err != nil {
		t.Fatal(err)
	}
	var peak atomic.Int64
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-done:
				return
			case <-time.After(5 * time.Millisecond):
			}
			if rss, err := procStatus(pid, "VmRSS"); err == nil && rss > peak.Load() {
				peak.Store(rss)
			}
		}
	}()
	defer close(done)

	t.Run("http upload 100MB", func(t *testing.T) {
		h := sha256.New()
		body := io.TeeReader(io.LimitReader(rand.NewChaCha8([32]byte{1}), payloadSize), h)
		req, _ := http.NewRequest("POST", "http://"+gp.addr+"/admin/upload", body)
		req.ContentLength = payloadSize
		req.Host = "demo.local"
		req.Header.Set("Authorization", behaviour.Basic("alice", "alice-password"))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%v\ngateway log:\n%s", err, gp.log)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		echo := decodeEcho(t, resp.Body)
		if echo.BodyBytes != payloadSize || echo.BodySHA256 != hex.EncodeToString(h.Sum(nil)) {
			t.Fatalf("upstream got %d bytes (sha256 %s), want %d", echo.BodyBytes, echo.BodySHA256, payloadSize)
		}
		if echo.Header("x-wasmauth-user") != "alice" || echo.Header("authorization") != "" {
			t.Fatalf("filter did not enforce: upstream headers %v", echo.Headers)
		}
	})
	t.Run("http upload denied", func(t *testing.T) {
		req, _ := http.NewRequest("POST", "http://"+gp.addr+"/admin/upload", io.LimitReader(rand.NewChaCha8([32]byte{2}), payloadSize))
		req.ContentLength = payloadSize
		req.Host = "demo.local"
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return // the gateway may close the connection while the client still sends: also a denial
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Fatalf("status %d, want 401", resp.StatusCode)
		}
	})

	conn, err := grpc.NewClient(gp.addr, grpc.WithTransportCredentials(insecure.NewCredentials()), grpc.WithAuthority("demo.local"),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(2*payloadSize), grpc.MaxCallRecvMsgSize(2*payloadSize)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	name := make([]byte, payloadSize)
	rand.NewChaCha8([32]byte{3}).Read(name)
	for i := range name {
		name[i] = 'a' + name[i]%26 // a valid UTF-8 proto string
	}
	sum := sha256.Sum256(name)
	t.Run("grpc message 100MB", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		reply, err := helloworld.NewGreeterClient(conn).SayHello(ctx, &helloworld.HelloRequest{Name: string(name)},
			grpc.PerRPCCredentials(metadataCreds{"authorization": behaviour.Basic("alice", "alice-password")}))
		if err != nil {
			t.Fatalf("%v\ngateway log:\n%s", err, gp.log)
		}
		want := fmt.Sprintf("Hello, %d bytes (sha256 %s)", payloadSize, hex.EncodeToString(sum[:]))
		if reply.GetMessage() != want {
			t.Fatalf("reply %q, want %q", reply.GetMessage(), want)
		}
	})
	t.Run("grpc message 100MB denied", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		_, err := helloworld.NewGreeterClient(conn).SayHello(ctx, &helloworld.HelloRequest{Name: string(name)})
		if status.Code(err) != codes.Unauthenticated {
			t.Fatalf("got %v, want Unauthenticated", err)
		}
	})

	hwm, err := procStatus(pid, "VmHWM")
	if err != nil {
		t.Fatal(err)
	}
	if rss, _ := procStatus(pid, "VmRSS"); rss > peak.Load() {
		peak.Store(rss)
	}
	t.Logf("gateway RSS: %.1f MiB at start, %.1f MiB peak sampled, VmHWM %.1f MiB; payloads %d MiB each",
		float64(baseline)/(1<<20), float64(peak.Load())/(1<<20), float64(hwm)/(1<<20), payloadSize>>20)
	// Far below the payload: a buffered body would add at least 100 MiB.
	if growth := hwm - baseline; growth > 32<<20 {
		t.Fatalf("gateway memory grew by %.1f MiB while streaming %d MiB payloads", float64(growth)/(1<<20), payloadSize>>20)
	}
}
