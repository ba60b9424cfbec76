package demo

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	pb "google.golang.org/grpc/examples/helloworld/helloworld"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

func TestHTTPHandler(t *testing.T) {
	srv := httptest.NewServer(HTTPHandler(DefaultOptions()))
	defer srv.Close()
	cases := []struct {
		name     string
		path     string
		headers  map[string]string
		wantUser string
		redacted []string
		kept     map[string]string
	}{
		{name: "plain", path: "/a/b?x=1"},
		{name: "user forwarded", path: "/", headers: map[string]string{"X-Wasmauth-User": "alice"}, wantUser: "alice"},
		{name: "credentials redacted", path: "/", headers: map[string]string{
			"Authorization": "Basic YWxpY2U6YWxpY2UtcGFzc3dvcmQ=", "X-Wasmauth-Password": "pw", "X-Other": "v",
			"Password": "p", "X-Db-Password": "p"},
			redacted: []string{"authorization", "x-wasmauth-password", "password", "x-db-password"}, kept: map[string]string{"x-other": "v"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", srv.URL+tc.path, nil)
			req.Host = "echo.example.com"
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.Header.Get(HeaderBackend) != "echo" {
				t.Errorf("%s header missing", HeaderBackend)
			}
			var e Echo
			if err := json.NewDecoder(resp.Body).Decode(&e); err != nil {
				t.Fatal(err)
			}
			path, query, _ := strings.Cut(tc.path, "?")
			if e.Method != "GET" || e.Host != "echo.example.com" || e.Path != path || e.Query != query {
				t.Errorf("echo = %+v", e)
			}
			if e.User != tc.wantUser {
				t.Errorf("user = %q, want %q", e.User, tc.wantUser)
			}
			for _, h := range tc.redacted {
				if got := e.Headers[h]; len(got) != 1 || got[0] != Redacted {
					t.Errorf("header %s = %q, want redacted", h, got)
				}
			}
			for h, v := range tc.kept {
				if got := e.Headers[h]; len(got) != 1 || got[0] != v {
					t.Errorf("header %s = %q, want %q", h, got, v)
				}
			}
		})
	}
	resp, err := http.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("/healthz status %d", resp.StatusCode)
	}
}

func TestGreeter(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := NewGRPCServer(DefaultOptions())
	go func() { _ = s.Serve(lis) }()
	defer s.Stop()
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithDefaultCallOptions(grpc.MaxCallSendMsgSize(MaxMessageSize), grpc.MaxCallRecvMsgSize(MaxMessageSize)))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	client := pb.NewGreeterClient(conn)
	big := strings.Repeat("x", 16<<20)
	cases := []struct {
		name      string
		in        string
		md        []string
		wantMsg   string
		wantUser  string
		wantCreds string
	}{
		{"anonymous", "world", nil, "Hello world", "", "absent"},
		{"forwarded user", "world", []string{"x-wasmauth-user", "alice"}, "Hello world", "alice", "absent"},
		{"credentials still present", "world", []string{"authorization", "Basic eA==", "x-wasmauth-password", "p"}, "Hello world", "", "authorization,x-wasmauth-password"},
		{"16 MiB message", big, nil, Greeting(big), "", "absent"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if tc.md != nil {
				ctx = metadata.AppendToOutgoingContext(ctx, tc.md...)
			}
			var header metadata.MD
			reply, err := client.SayHello(ctx, &pb.HelloRequest{Name: tc.in}, grpc.Header(&header))
			if err != nil {
				t.Fatal(err)
			}
			if reply.GetMessage() != tc.wantMsg {
				t.Errorf("message = %.80q, want %.80q", reply.GetMessage(), tc.wantMsg)
			}
			if got := header.Get(HeaderUser); len(got) != 1 || got[0] != tc.wantUser {
				t.Errorf("%s = %q, want %q", HeaderUser, got, tc.wantUser)
			}
			if got := header.Get(HeaderCredentials); len(got) != 1 || got[0] != tc.wantCreds {
				t.Errorf("%s = %q, want %q", HeaderCredentials, got, tc.wantCreds)
			}
		})
	}
	if !strings.HasPrefix(Greeting(big), "Hello <16777216 bytes sha256:") {
		t.Errorf("large greeting = %q", Greeting(big))
	}
	hr, err := healthpb.NewHealthClient(conn).Check(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil || hr.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health = %v, %v", hr, err)
	}
}
