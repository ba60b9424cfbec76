module github.com/wasmauth/wasmauth/e2e

go 1.26.0

replace github.com/wasmauth/wasmauth => ../

require (
	github.com/tetratelabs/wazero v1.11.0
	github.com/wasmauth/wasmauth v0.0.0-00010101000000-000000000000
	golang.org/x/net v0.60.0
	google.golang.org/grpc v1.85.0
	google.golang.org/grpc/examples v0.0.0-20260825154716-030ee8becb20
	gopkg.in/yaml.v3 v3.0.1
)

require (
	golang.org/x/sys v0.48.0 // indirect
	golang.org/x/text v0.42.0 // indirect
	google.golang.org/genproto/googleapis/rpc v0.0.0-20260817212433-ac3dfec99bb1 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)
