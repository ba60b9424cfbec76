package main

import (
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
	"github.com/tidwall/gjson"
)

// vmContext is the per-VM root; Envoy creates one VM per worker thread.
type vmContext struct {
	types.DefaultVMContext
}

// NewPluginContext implements types.VMContext.
func (*vmContext) NewPluginContext(contextID uint32) types.PluginContext {
	return &pluginContext{}
}

// pluginContext holds one plugin configuration (one WasmPlugin's pluginConfig).
type pluginContext struct {
	types.DefaultPluginContext
	realm string
}

// OnPluginStart reads the pluginConfig. A configuration that cannot be used makes the
// plugin refuse to start, so Envoy fails closed instead of running without auth.
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCriticalf("wasmauth: cannot read plugin configuration: %v", err)
		return types.OnPluginStartStatusFailed
	}
	if len(data) > 0 && !gjson.ValidBytes(data) {
		proxywasm.LogCritical("wasmauth: invalid plugin configuration: $: not valid JSON")
		return types.OnPluginStartStatusFailed
	}
	p.realm = gjson.GetBytes(data, "realm").String()
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	return &httpContext{plugin: p}
}

// httpContext is one HTTP stream.
type httpContext struct {
	types.DefaultHttpContext
	plugin *pluginContext
}
