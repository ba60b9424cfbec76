// Package demo holds the demo upstreams the local gateway fronts: a real grpc-go
// helloworld Greeter and an HTTP echo service.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
)

// MaxMessageSize is the largest gRPC message the demo Greeter accepts and sends (the
// gateway tests send a 100 MB one).
const MaxMessageSize = 256 << 20

// UpstreamPrefix prefixes the response header metadata in which the Greeter echoes the
// request metadata it received, so clients can see what the filter let through.
const UpstreamPrefix = "upstream-"

// Greeter is the helloworld Greeter. Its reply is "Hello <name>" (names over 4 KiB are
// summarised by their size), and it returns the request metadata it received as
// response header metadata named upstream-<key>.
type Greeter struct {
	helloworld.UnimplementedGreeterServer
}

// SayHello implements helloworld.GreeterServer.
func (Greeter) SayHello(ctx context.Context, in *helloworld.HelloRequest) (*helloworld.HelloReply, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	echo := metadata.MD{}
	for k, vs := range md {
		if strings.HasPrefix(k, ":") || strings.HasSuffix(k, "-bin") {
			continue
		}
		echo[UpstreamPrefix+k] = vs
	}
	if err := grpc.SetHeader(ctx, echo); err != nil {
		return nil, err
	}
	name := in.GetName()
	if len(name) > 4<<10 {
		sum := sha256.Sum256([]byte(name))
		return &helloworld.HelloReply{Message: fmt.Sprintf("Hello, %d bytes (sha256 %s)", len(name), hex.EncodeToString(sum[:]))}, nil
	}
	return &helloworld.HelloReply{Message: "Hello " + name}, nil
}

// ReflectionPrefix is the path prefix of the gRPC reflection service; route it to the
// Greeter too so that grpcurl works without a .proto file.
const ReflectionPrefix = "/grpc.reflection."

// NewGreeterServer returns a gRPC server with the Greeter and server reflection registered.
func NewGreeterServer() *grpc.Server {
	s := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	helloworld.RegisterGreeterServer(s, Greeter{})
	reflection.Register(s) // lets grpcurl discover the service without a .proto file
	return s
}

// EchoReply is what the echo service answers.
type EchoReply struct {
	Method     string              `json:"method"`
	Host       string              `json:"host"`
	Path       string              `json:"path"`
	Proto      string              `json:"proto"`
	Headers    map[string][]string `json:"headers"`
	BodyBytes  int64               `json:"body_bytes"`
	BodySHA256 string              `json:"body_sha256"`
}

// Header returns the first value of a request header the echo saw, or "".
func (e EchoReply) Header(name string) string {
	if vs := e.Headers[strings.ToLower(name)]; len(vs) > 0 {
		return vs[0]
	}
	return ""
}

// Echo answers every request with its method, path, headers (lowercase names) and the
// size and SHA-256 of its body, which it reads as a stream without keeping it.
func Echo() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := sha256.New()
		n, err := io.Copy(h, r.Body)
		if err != nil {
			http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
			return
		}
		rep := EchoReply{Method: r.Method, Host: r.Host, Path: r.URL.RequestURI(), Proto: r.Proto,
			Headers: map[string][]string{}, BodyBytes: n, BodySHA256: hex.EncodeToString(h.Sum(nil))}
		keys := make([]string, 0, len(r.Header))
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			rep.Headers[strings.ToLower(k)] = r.Header[k]
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.Encode(rep)
	})
}

// Upstreams are the two demo servers, running.
type Upstreams struct {
	GRPCAddr, HTTPAddr string
	grpc               *grpc.Server
	http               *http.Server
}

// Start starts the Greeter (h2c) and the echo (HTTP/1.1) on the given addresses
// (":0" ports pick free ones).
func Start(grpcAddr, httpAddr string) (*Upstreams, error) {
	gl, err := net.Listen("tcp", grpcAddr)
	if err != nil {
		return nil, fmt.Errorf("greeter: %w", err)
	}
	hl, err := net.Listen("tcp", httpAddr)
	if err != nil {
		gl.Close()
		return nil, fmt.Errorf("echo: %w", err)
	}
	u := &Upstreams{GRPCAddr: gl.Addr().String(), HTTPAddr: hl.Addr().String(),
		grpc: NewGreeterServer(), http: &http.Server{Handler: Echo(), ReadHeaderTimeout: 10 * time.Second}}
	go u.grpc.Serve(gl)
	go u.http.Serve(hl)
	return u, nil
}

// Close stops both servers.
func (u *Upstreams) Close() {
	u.grpc.Stop()
	u.http.Close()
}
