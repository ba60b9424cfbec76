module github.com/wasmauth/wasmauth/e2e

go 1.26.0

replace github.com/wasmauth/wasmauth => ../

require (
	github.com/tetratelabs/wazero v1.11.0
	github.com/wasmauth/wasmauth v0.0.0-00010101000000-000000000000
)

require golang.org/x/sys v0.48.0 // indirect
