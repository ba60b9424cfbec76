package demo

import (
	"encoding/base64"
	"fmt"
)

// Examples returns curl and grpcurl commands, for a gateway on addr with the demo
// upstreams, showing requests that the example WasmPlugin (manifests/base) allows and
// denies, with its documented demo users.
func Examples(addr string) string {
	return fmt.Sprintf(`
Try it (demo users of manifests/base/wasmplugin.yaml: alice/alice-password, bob/bob-password):

  # HTTP echo on host echo.example.com
  curl -i -H 'Host: echo.example.com' http://%[1]s/hello                                   # 401 + WWW-Authenticate
  curl -i -u alice:wrong -H 'Host: echo.example.com' http://%[1]s/hello                    # 401
  curl -i -u bob:bob-password -H 'Host: echo.example.com' http://%[1]s/admin/x            # 403: only alice may use /admin
  curl -i -u alice:alice-password -H 'Host: echo.example.com' http://%[1]s/admin/x        # 200, upstream sees x-wasmauth-user: alice
  curl -i --http2-prior-knowledge -u bob:bob-password -H 'Host: echo.example.com' http://%[1]s/hello   # 200 over h2c
  curl -i -H 'Host: echo.example.com' http://%[1]s/healthz                                # 200: exempt

  # gRPC Greeter on authority grpc.example.com (grpcurl: go install github.com/fullstorydev/grpcurl/cmd/grpcurl@v1.9.4)
  grpcurl -plaintext -authority grpc.example.com -d '{"name":"you"}' %[1]s helloworld.Greeter/SayHello            # Unauthenticated
  grpcurl -plaintext -authority grpc.example.com -H 'authorization: Basic %[2]s' -d '{"name":"you"}' %[1]s helloworld.Greeter/SayHello   # PermissionDenied (bob)
  grpcurl -plaintext -authority grpc.example.com -H 'authorization: Basic %[3]s' -d '{"name":"you"}' %[1]s helloworld.Greeter/SayHello   # OK (alice)
  grpcurl -plaintext -authority grpc.example.com -H 'x-wasmauth-username: alice' -H 'x-wasmauth-password: alice-password' -d '{"name":"you"}' %[1]s helloworld.Greeter/SayHello   # OK: metadata credentials

Edit the config file and save: the gateway reloads it (a broken one is refused and the old one kept).
`, addr, base64.StdEncoding.EncodeToString([]byte("bob:bob-password")), base64.StdEncoding.EncodeToString([]byte("alice:alice-password")))
}
