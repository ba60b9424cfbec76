module github.com/wasmauth/wasmauth

// TinyGo 0.39 compiles this module: keep the go line at or below 1.25 and keep
// dependencies that need a newer Go (grpc, istio, containerregistry) in the
// nested modules under e2e/ and build/.
go 1.24.0

require (
	github.com/GehirnInc/crypt v0.0.0-20230320061759-8cc1b52080c5
	github.com/tetratelabs/proxy-wasm-go-sdk v0.24.0
	github.com/tetratelabs/wazero v1.9.0
	github.com/tidwall/gjson v1.18.0
	golang.org/x/crypto v0.48.0
	golang.org/x/text v0.34.0
	sigs.k8s.io/yaml v1.6.0
)

require (
	github.com/tidwall/match v1.1.1 // indirect
	github.com/tidwall/pretty v1.2.0 // indirect
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	golang.org/x/sys v0.41.0 // indirect
)
