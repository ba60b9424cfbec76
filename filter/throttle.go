package main

import (
	"time"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/auth/throttle"
)

// sharedStore is proxy-wasm shared data: one key-value store for every VM of the
// same vm_id in the proxy, with compare-and-swap.
type sharedStore struct{}

func (sharedStore) Get(key string) ([]byte, uint32, error) {
	v, cas, err := proxywasm.GetSharedData(key)
	if err == types.ErrorStatusNotFound {
		return nil, 0, throttle.ErrNotFound
	}
	return v, cas, err
}

func (sharedStore) Set(key string, value []byte, cas uint32) error {
	err := proxywasm.SetSharedData(key, value, cas)
	if err == types.ErrorStatusCasMismatch {
		return throttle.ErrCASMismatch
	}
	return err
}

// nowMillis is the wall clock (WASI clock_time_get, which Envoy provides).
func nowMillis() int64 { return time.Now().UnixMilli() }

// pluginNamespace names the plugin's throttle counters: the plugin_name property
// (the WasmPlugin's namespace.name in Istio), or "" when the host has none.
func pluginNamespace() string {
	v, err := proxywasm.GetProperty([]string{"plugin_name"})
	if err != nil {
		return ""
	}
	return string(v)
}

// clientAddress is the downstream address without its port, from Envoy's
// source.address property, or "" when the host does not know it. Envoy already
// applied the listener's X-Forwarded-For policy to it (Istio: numTrustedProxies);
// the filter never reads X-Forwarded-For itself.
func clientAddress() string {
	v, err := proxywasm.GetProperty([]string{"source", "address"})
	if err != nil || len(v) == 0 {
		return ""
	}
	return throttle.ClientAddress(string(v))
}
