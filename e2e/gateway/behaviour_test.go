package gateway_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/http2"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/examples/helloworld/helloworld"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/wasmauth/wasmauth/e2e/demo"
	"github.com/wasmauth/wasmauth/e2e/host"
	"github.com/wasmauth/wasmauth/filter/behaviour"
)

// gateways starts one gateway per distinct configuration of the behaviour table.
func gateways(t *testing.T) map[string]*testGateway {
	out := map[string]*testGateway{}
	for _, c := range behaviour.Cases() {
		if out[c.Config] == nil {
			out[c.Config] = startGateway(t, c.Config, time.Hour)
		}
	}
	return out
}

func h2cClient() *http.Client {
	return &http.Client{Transport: &http2.Transport{
		AllowHTTP: true,
		DialTLSContext: func(ctx context.Context, network, addr string, _ *tls.Config) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, addr)
		},
	}}
}

// TestBehaviourTableHTTP sends every HTTP case of the table through the gateway with
// net/http, over HTTP/1.1 and over h2c, and checks the status, the reply headers and
// the headers the echo upstream received.
func TestBehaviourTableHTTP(t *testing.T) {
	gws := gateways(t)
	clients := map[string]*http.Client{
		"http1": {Transport: &http.Transport{DisableCompression: true}},
		"h2c":   h2cClient(),
	}
	for proto, client := range clients {
		for _, c := range behaviour.Cases() {
			if c.IsGRPC() {
				continue
			}
			t.Run(proto+"/"+c.Name, func(t *testing.T) {
				gw := gws[c.Config]
				req, err := http.NewRequest(c.Header(":method"), "http://"+gw.Addr+c.Header(":path"), nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Host = c.Header(":authority")
				for _, kv := range c.Request {
					if !strings.HasPrefix(kv[0], ":") {
						req.Header.Add(kv[0], kv[1])
					}
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				want := c.Want.Status
				if want == 0 {
					want = http.StatusOK
				}
				if resp.StatusCode != want {
					t.Fatalf("status %d, want %d", resp.StatusCode, want)
				}
				for k, v := range c.Want.ReplyHeaders {
					if got := resp.Header.Get(k); got != v {
						t.Errorf("reply header %s = %q, want %q", k, got, v)
					}
				}
				if c.Want.Status != 0 {
					return
				}
				echo := decodeEcho(t, resp.Body)
				for k, v := range c.Want.Upstream {
					if got := echo.Header(k); got != v {
						t.Errorf("upstream header %s = %q, want %q", k, got, v)
					}
				}
			})
		}
	}
}

// metadataCreds sends fixed metadata with every RPC: per-RPC credentials.
type metadataCreds map[string]string

func (m metadataCreds) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return m, nil
}
func (metadataCreds) RequireTransportSecurity() bool { return false }

// TestBehaviourTableGRPC sends every gRPC case through the gateway with a grpc-go
// client, the credentials as per-RPC metadata credentials, and checks the status code
// and the metadata the Greeter received.
func TestBehaviourTableGRPC(t *testing.T) {
	gws := gateways(t)
	for _, c := range behaviour.Cases() {
		if !c.IsGRPC() {
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			gw := gws[c.Config]
			creds := metadataCreds{}
			for _, kv := range c.Request {
				if !strings.HasPrefix(kv[0], ":") && kv[0] != "content-type" && kv[0] != "te" {
					creds[kv[0]] = kv[1]
				}
			}
			conn, err := grpc.NewClient(gw.Addr, grpc.WithTransportCredentials(insecure.NewCredentials()),
				grpc.WithAuthority(c.Header(":authority")), grpc.WithPerRPCCredentials(creds))
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var hdr metadata.MD
			reply, err := helloworld.NewGreeterClient(conn).SayHello(ctx, &helloworld.HelloRequest{Name: "wasmauth"}, grpc.Header(&hdr))
			want := codes.OK
			if c.Want.Status != 0 {
				g := int(c.Want.GRPCStatus)
				if g < 0 {
					g = host.HTTPToGRPC(c.Want.Status)
				}
				want = codes.Code(g)
			}
			if got := status.Code(err); got != want {
				t.Fatalf("code %v (%v), want %v", got, err, want)
			}
			if want != codes.OK {
				return
			}
			if reply.GetMessage() != "Hello wasmauth" {
				t.Errorf("reply %q", reply.GetMessage())
			}
			for k, v := range c.Want.Upstream {
				got := ""
				if vs := hdr.Get(demo.UpstreamPrefix + k); len(vs) > 0 {
					got = vs[0]
				}
				if got != v {
					t.Errorf("upstream metadata %s = %q, want %q", k, got, v)
				}
			}
		})
	}
}
