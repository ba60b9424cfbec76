// Package demo implements the backends the manifests deploy behind the
// gateway: an HTTP echo service and the helloworld Greeter over gRPC. Both
// report what reached them (the forwarded user, whether credentials were still
// present) so tests can see what the filter did; neither ever echoes a
// credential's value.
package demo

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"google.golang.org/grpc"
	pb "google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
)

// MaxMessageSize is the largest gRPC message the Greeter accepts or sends.
const MaxMessageSize = 128 << 20

// Options name the headers the backends report on.
type Options struct {
	// UserHeader is the header the gateway forwards the user name in.
	UserHeader string
	// CredentialHeaders are headers whose values are secrets: reported as
	// present or absent, never echoed. Besides these, authorization,
	// proxy-authorization and any header whose name contains "password" are
	// always redacted.
	CredentialHeaders []string
}

// DefaultOptions matches the example pluginConfig in manifests/base.
func DefaultOptions() Options {
	return Options{
		UserHeader:        "x-wasmauth-user",
		CredentialHeaders: []string{"authorization", "x-wasmauth-username", "x-wasmauth-password"},
	}
}

// Redacted replaces the value of a credential header in echoes.
const Redacted = "<redacted>"

// HeaderBackend is set on every HTTP echo response ("echo"), so a client can
// tell a backend answer from a local reply of the gateway.
const HeaderBackend = "x-demo-backend"

func (o Options) secret(lower string) bool {
	if lower == "authorization" || lower == "proxy-authorization" || strings.Contains(lower, "password") {
		return true
	}
	for _, h := range o.CredentialHeaders {
		if strings.EqualFold(h, lower) {
			return true
		}
	}
	return false
}

// Echo is the JSON body the HTTP echo service answers with.
type Echo struct {
	Method  string              `json:"method"`
	Host    string              `json:"host"`
	Path    string              `json:"path"`
	Query   string              `json:"query,omitempty"`
	User    string              `json:"user,omitempty"`
	Headers map[string][]string `json:"headers"`
}

// HTTPHandler answers /healthz with "ok" and every other request with an Echo.
func HTTPHandler(o Options) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set(HeaderBackend, "echo")
		if r.URL.Path == "/healthz" {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("ok\n"))
			return
		}
		e := Echo{
			Method:  r.Method,
			Host:    r.Host,
			Path:    r.URL.Path,
			Query:   r.URL.RawQuery,
			User:    r.Header.Get(o.UserHeader),
			Headers: map[string][]string{},
		}
		for name, values := range r.Header {
			lower := strings.ToLower(name)
			if o.secret(lower) {
				values = []string{Redacted}
			}
			e.Headers[lower] = values
		}
		w.Header().Set("Content-Type", "application/json")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(e)
	})
}

// Response metadata the Greeter sets on every reply.
const (
	HeaderUser        = "x-demo-user"        // value of Options.UserHeader, "" if absent
	HeaderCredentials = "x-demo-credentials" // "absent", or the sorted names of credential headers present
)

type greeter struct {
	pb.UnimplementedGreeterServer
	opts Options
}

// SayHello greets the name; a name longer than 64 bytes is summarised by its
// length and SHA-256 so large test messages are not echoed back.
func (g *greeter) SayHello(ctx context.Context, in *pb.HelloRequest) (*pb.HelloReply, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var user string
	if v := md.Get(g.opts.UserHeader); len(v) > 0 {
		user = v[0]
	}
	var present []string
	for _, h := range g.opts.CredentialHeaders {
		if len(md.Get(h)) > 0 {
			present = append(present, strings.ToLower(h))
		}
	}
	creds := "absent"
	if len(present) > 0 {
		sort.Strings(present)
		creds = strings.Join(present, ",")
	}
	if err := grpc.SetHeader(ctx, metadata.Pairs(HeaderUser, user, HeaderCredentials, creds)); err != nil {
		return nil, err
	}
	return &pb.HelloReply{Message: Greeting(in.GetName())}, nil
}

// Greeting is the Greeter's reply message for name.
func Greeting(name string) string {
	if len(name) <= 64 {
		return "Hello " + name
	}
	sum := sha256.Sum256([]byte(name))
	return fmt.Sprintf("Hello <%d bytes sha256:%s>", len(name), hex.EncodeToString(sum[:]))
}

// NewGRPCServer returns a server with the Greeter and the standard health
// service (reporting SERVING), accepting messages up to MaxMessageSize.
func NewGRPCServer(o Options) *grpc.Server {
	s := grpc.NewServer(grpc.MaxRecvMsgSize(MaxMessageSize), grpc.MaxSendMsgSize(MaxMessageSize))
	pb.RegisterGreeterServer(s, &greeter{opts: o})
	hs := health.NewServer()
	hs.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	hs.SetServingStatus(pb.Greeter_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	healthpb.RegisterHealthServer(s, hs)
	return s
}
