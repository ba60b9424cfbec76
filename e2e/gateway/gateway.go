// Package gateway is a local stand-in for the Istio ingress gateway: HTTP/1.1 and
// cleartext HTTP/2 in front of upstreams, with the compiled filter running in the
// project's proxy-wasm host (package host) on every request. Bodies stream through and
// are never buffered; the plugin configuration is reloaded when its file changes.
package gateway

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/net/http2"
	"golang.org/x/net/http2/h2c"

	"github.com/wasmauth/wasmauth/e2e/host"
)

// Options configure a Gateway.
type Options struct {
	// Module is the compiled filter (out/wasmauth.wasm).
	Module []byte
	// ConfigPath is the plugin configuration file: JSON, or YAML holding a WasmPlugin
	// (its spec.pluginConfig is used).
	ConfigPath string
	// Routes map path prefixes to upstreams.
	Routes []Route
	// VMs is the number of VM instances (Envoy worker threads); 0 means GOMAXPROCS.
	VMs int
	// Env are the VMs' environment variables (WasmPlugin vmConfig.env).
	Env map[string]string
	// PollInterval is how often ConfigPath is checked for changes (default 1s).
	PollInterval time.Duration
	// LogLevel is the lowest filter log level printed (default info).
	LogLevel host.LogLevel
	// Logf prints gateway and filter log lines (default: discard).
	Logf func(format string, args ...any)
	// Runtime options (GC torture for tests).
	Runtime host.RuntimeOptions
}

// Gateway is the local gateway. It implements http.Handler (h2c included via Handler).
type Gateway struct {
	opts   Options
	rt     *host.Runtime
	routes *routeTable

	mu  sync.RWMutex
	cur *generation

	reloadMu  sync.Mutex
	lastStat  fileStamp
	lastHash  [32]byte // of the last content tried, good or bad
	gens      atomic.Int64
	rejected  atomic.Int64
	closeOnce sync.Once
	stop      chan struct{}
}

// generation is one loaded configuration; it is closed once replaced and idle.
type generation struct {
	n       int64
	plugin  *host.Plugin
	refs    atomic.Int64
	retired atomic.Bool
	once    sync.Once
}

func (g *generation) release() {
	if g.refs.Add(-1) == 0 && g.retired.Load() {
		g.close()
	}
}

func (g *generation) retire() {
	g.retired.Store(true)
	if g.refs.Load() == 0 {
		g.close()
	}
}

func (g *generation) close() { g.once.Do(func() { g.plugin.Close(context.Background()) }) }

type fileStamp struct {
	mod  time.Time
	size int64
}

// New compiles the module and loads the configuration; an unusable first
// configuration is an error.
func New(ctx context.Context, opts Options) (*Gateway, error) {
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	if opts.LogLevel == 0 {
		opts.LogLevel = host.LogInfo
	}
	rt, err := host.NewRuntime(ctx, opts.Module, opts.Runtime)
	if err != nil {
		return nil, err
	}
	g := &Gateway{opts: opts, rt: rt, routes: newRouteTable(opts.Routes), stop: make(chan struct{})}
	if _, err := g.Reload(); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	if g.current() == nil {
		rt.Close(ctx)
		return nil, errors.New("no configuration loaded")
	}
	go g.watch()
	return g, nil
}

// Handler returns the gateway as an http.Handler that also accepts cleartext HTTP/2
// (prior knowledge and Upgrade: h2c).
func (g *Gateway) Handler() http.Handler { return h2c.NewHandler(g, &http2.Server{}) }

// Serve serves the gateway on l until it fails or Close is called.
func (g *Gateway) Serve(l net.Listener) error {
	srv := &http.Server{Handler: g.Handler(), ReadHeaderTimeout: 30 * time.Second}
	go func() { <-g.stop; srv.Close() }()
	err := srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Runtime returns the host runtime (metrics, memory).
func (g *Gateway) Runtime() *host.Runtime { return g.rt }

// Generation returns how many configurations have been loaded so far.
func (g *Gateway) Generation() int64 { return g.gens.Load() }

// Rejected returns how many changed configurations were refused.
func (g *Gateway) Rejected() int64 { return g.rejected.Load() }

// Close stops watching the file and serving, and releases the VMs.
func (g *Gateway) Close() {
	g.closeOnce.Do(func() {
		close(g.stop)
		g.mu.Lock()
		cur := g.cur
		g.cur = nil
		g.mu.Unlock()
		if cur != nil {
			cur.retire()
		}
	})
}

func (g *Gateway) current() *generation {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.cur
}

func (g *Gateway) acquire() *generation {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.cur != nil {
		g.cur.refs.Add(1)
	}
	return g.cur
}

func (g *Gateway) watch() {
	t := time.NewTicker(g.opts.PollInterval)
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
			g.Reload()
		}
	}
}

// Reload checks the configuration file and loads it if its content changed. A
// configuration the filter refuses leaves the previous one in place; the error (with
// the filter's own log lines) is returned and logged.
func (g *Gateway) Reload() (bool, error) {
	g.reloadMu.Lock()
	defer g.reloadMu.Unlock()
	st, err := os.Stat(g.opts.ConfigPath)
	if err != nil {
		return g.reject(err)
	}
	stamp := fileStamp{st.ModTime(), st.Size()}
	if g.current() != nil && stamp == g.lastStat {
		return false, nil
	}
	raw, err := os.ReadFile(g.opts.ConfigPath)
	if err != nil {
		return g.reject(err)
	}
	g.lastStat = stamp
	sum := sha256.Sum256(raw)
	if g.current() != nil && sum == g.lastHash {
		return false, nil
	}
	g.lastHash = sum
	cfg, err := ExtractPluginConfig(raw)
	if err != nil {
		return g.reject(fmt.Errorf("%s: %w", g.opts.ConfigPath, err))
	}
	n := g.gens.Load() + 1
	p, err := g.rt.NewPlugin(context.Background(), host.PluginOptions{
		Config:   cfg,
		VMs:      g.opts.VMs,
		Env:      g.opts.Env,
		RootID:   "wasmauth",
		VMID:     "wasmauth",
		LogLevel: g.opts.LogLevel,
		Logger: func(e host.LogEntry) {
			g.opts.Logf("filter[config %d vm %d] %s: %s", n, e.VM, e.Level, e.Message)
		},
	})
	if err != nil {
		return g.reject(fmt.Errorf("%s: %w", g.opts.ConfigPath, err))
	}
	gen := &generation{n: n, plugin: p}
	g.gens.Store(n)
	g.mu.Lock()
	old := g.cur
	g.cur = gen
	g.mu.Unlock()
	if old != nil {
		old.retire()
	}
	g.opts.Logf("config %d loaded from %s (%d bytes of pluginConfig, sha256 %x)", n, g.opts.ConfigPath, len(cfg), sum[:6])
	return true, nil
}

func (g *Gateway) reject(err error) (bool, error) {
	if g.current() == nil {
		return false, err
	}
	g.rejected.Add(1)
	g.opts.Logf("config rejected, keeping config %d: %v", g.current().n, err)
	return false, err
}
