package host

import (
	"context"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// PluginOptions configure a Plugin: what Envoy gets from a WasmPlugin resource.
type PluginOptions struct {
	// Config is the plugin configuration (WasmPlugin spec.pluginConfig as JSON).
	Config []byte
	// VMConfig is the VM configuration, readable in proxy_on_vm_start.
	VMConfig []byte
	// Env are the VM's environment variables (WasmPlugin vmConfig.env).
	Env map[string]string
	// VMs is the number of VM instances (Envoy: one per worker thread); 0 means GOMAXPROCS.
	VMs int
	// Name, RootID and VMID are returned by the plugin_name, plugin_root_id and
	// plugin_vm_id properties.
	Name, RootID, VMID string
	// LogLevel is the host's log level: proxy_get_log_level returns it and messages
	// below it are dropped.
	LogLevel LogLevel
	// Logger receives the module's log lines (proxy_log, stdout, stderr); may be nil.
	// It is called with the VM locked and must not call back into the plugin.
	Logger func(LogEntry)
	// Properties are extra values for proxy_get_property, keyed by the path segments
	// joined with ".", e.g. "node.metadata.NAME".
	Properties map[string]string
}

// LogEntry is one log line written by the module.
type LogEntry struct {
	VM      int
	Context uint32
	Level   LogLevel
	Message string
}

func (e LogEntry) String() string { return e.Level.String() + ": " + e.Message }

// StartError is returned when a VM cannot start or the plugin refuses its configuration
// (proxy_on_vm_start or proxy_on_configure returned false): Envoy then refuses the
// filter. Logs are the module's own log lines during the start, which say why.
type StartError struct {
	Phase string
	Logs  []LogEntry
	Err   error // set when the start failed with a trap or host error
}

func (e *StartError) Error() string {
	var b strings.Builder
	if e.Err != nil {
		fmt.Fprintf(&b, "%s failed: %v", e.Phase, e.Err)
	} else {
		fmt.Fprintf(&b, "%s returned false: plugin refused", e.Phase)
	}
	for _, l := range e.Logs {
		if l.Level >= LogWarn {
			b.WriteString("; ")
			b.WriteString(l.String())
		}
	}
	return b.String()
}

// Unwrap returns the underlying error, if any.
func (e *StartError) Unwrap() error { return e.Err }

// Plugin is one plugin configuration running in a pool of VMs. Streams are spread over
// the VMs; a stream stays on its VM (its contexts live there) and every call into a VM
// holds that VM's lock, so each VM runs on one goroutine at a time.
type Plugin struct {
	rt   *Runtime
	opts PluginOptions
	env  []string

	mu     sync.Mutex
	vms    []*VM
	next   atomic.Uint32
	closed bool
}

// NewPlugin starts opts.VMs VMs and configures the plugin in each. It returns a
// *StartError when the module refuses the configuration.
func (r *Runtime) NewPlugin(ctx context.Context, opts PluginOptions) (*Plugin, error) {
	if opts.VMs <= 0 {
		opts.VMs = runtime.GOMAXPROCS(0)
	}
	if opts.Name == "" {
		opts.Name = "wasmauth"
	}
	p := &Plugin{rt: r, opts: opts}
	for k, v := range opts.Env {
		p.env = append(p.env, k+"="+v)
	}
	sort.Strings(p.env)
	for i := 0; i < opts.VMs; i++ {
		vm, err := p.startVM(ctx, i)
		if err != nil {
			p.Close(ctx)
			return nil, err
		}
		p.vms = append(p.vms, vm)
	}
	return p, nil
}

// Runtime returns the runtime the plugin runs on.
func (p *Plugin) Runtime() *Runtime { return p.rt }

// VMs returns the plugin's current VMs.
func (p *Plugin) VMs() []*VM {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]*VM(nil), p.vms...)
}

// MemorySizes returns the linear memory size of every VM, in bytes.
func (p *Plugin) MemorySizes() []uint32 {
	var out []uint32
	for _, vm := range p.VMs() {
		out = append(out, vm.MemorySize())
	}
	return out
}

// NewStream creates a stream context on the next VM (round robin). A VM that trapped is
// replaced by a fresh one first, as Envoy does with a failed VM when it restarts it.
func (p *Plugin) NewStream() (*Stream, error) {
	vm, err := p.pick()
	if err != nil {
		return nil, err
	}
	return vm.newStream()
}

func (p *Plugin) pick() (*VM, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return nil, errClosed
	}
	i := int(p.next.Add(1)-1) % len(p.vms)
	vm := p.vms[i]
	if vm.Failed() == nil {
		return vm, nil
	}
	fresh, err := p.startVM(context.Background(), i)
	if err != nil {
		return nil, fmt.Errorf("restarting VM %d after %v: %w", i, vm.Failed(), err)
	}
	vm.close()
	p.vms[i] = fresh
	return fresh, nil
}

// Do runs one headers-only request through the plugin the way Envoy drives it:
// context create, request headers (end of stream), then done, log and delete. It is the
// call path of a request without any HTTP around it.
func (p *Plugin) Do(request Headers) (Result, error) {
	s, err := p.NewStream()
	if err != nil {
		return Result{}, err
	}
	act, err := s.RequestHeaders(request, true)
	// Same goroutine, no other user of s: read the fields directly.
	res := Result{Action: act, Local: s.local, Upstream: s.req}
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return res, err
}

// Result is what a request's headers phase produced.
type Result struct {
	Action   Action
	Local    *LocalReply // the local reply, if the filter sent one
	Upstream Headers     // the request headers after the filter's changes
}

// Status is the local reply's HTTP status, or 0 when the filter sent none.
func (r Result) Status() int {
	if r.Local == nil {
		return 0
	}
	return r.Local.StatusCode
}

// Close stops every VM of the plugin.
func (p *Plugin) Close(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	for _, vm := range p.vms {
		vm.close()
	}
	return nil
}
