package main

import (
	"strings"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm"
	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"

	"github.com/wasmauth/wasmauth/auth"
	"github.com/wasmauth/wasmauth/auth/throttle"
	"github.com/wasmauth/wasmauth/config"
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
	policy  *config.Policy
	decider *auth.Decider
	metrics *metrics
	// challenge is the 401 reply's header list, built once.
	challenge *replyHeaders
	// throttled is set when brute-force throttling is on (requests then need the
	// client address).
	throttled bool
	// ruleNames are the policy's rule names, by rule index, for log lines.
	ruleNames []string
	// logBuf and replyBuf are reused to build denial log lines and reply bodies.
	logBuf, replyBuf []byte
	// stream is every HTTP stream's context: it holds no per-stream state, so one
	// value serves them all and a request allocates no context.
	stream httpContext
}

// OnPluginStart parses the pluginConfig. A configuration that cannot be used makes the
// plugin refuse to start, so Envoy fails closed instead of running without auth.
func (p *pluginContext) OnPluginStart(int) types.OnPluginStartStatus {
	data, err := proxywasm.GetPluginConfiguration()
	if err != nil && err != types.ErrorStatusNotFound {
		proxywasm.LogCritical("wasmauth: cannot read the plugin configuration: " + err.Error())
		return types.OnPluginStartStatusFailed
	}
	before := heapInUse()
	// The environment is the VM's (WasmPlugin vmConfig.env): users_from_env reads it.
	policy, err := config.ParseWithEnv(data, lookupEnv)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			proxywasm.LogCritical("wasmauth: invalid pluginConfig: " + line)
		}
		return types.OnPluginStartStatusFailed
	}
	for _, w := range policy.Warnings() {
		proxywasm.LogWarn("wasmauth: pluginConfig: " + w.Error())
	}
	p.policy = policy
	p.decider = auth.NewDecider(policy)
	if t, ok := policy.Throttle(); ok {
		lim, err := throttle.New(t, sharedStore{}, pluginNamespace(), nowMillis)
		if err != nil {
			proxywasm.LogCritical("wasmauth: cannot start throttling: " + err.Error())
			return types.OnPluginStartStatusFailed
		}
		p.decider.SetThrottle(lim)
		p.throttled = true
	}
	p.ruleNames = policy.RuleNames()
	p.metrics = newMetrics(p.ruleNames)
	p.challenge = newReplyHeaders([2]string{"www-authenticate", policy.Challenge()}, plainText.list[0])
	reserveHeadroom(before, p.throttled) // with throttling, every request allocates
	proxywasm.LogInfo("wasmauth: configuration loaded: " + itoa(len(p.ruleNames)) + " rules")
	return types.OnPluginStartStatusOK
}

// NewHttpContext implements types.PluginContext.
func (p *pluginContext) NewHttpContext(contextID uint32) types.HttpContext {
	p.stream.plugin = p
	return &p.stream
}

// itoa formats a small non-negative int without fmt.
func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
