// Command wasmauth-gateway runs the compiled wasmauth filter in a local gateway (the
// project's proxy-wasm host on wazero) in front of HTTP and gRPC upstreams, so the
// filter can be tried without a cluster:
//
//	wasmauth-gateway -demo                      # with the demo Greeter and echo upstreams
//	wasmauth-gateway -route /helloworld.Greeter/=h2c://127.0.0.1:50051 -route /=http://127.0.0.1:8081
//
// The plugin configuration comes from -config (a WasmPlugin YAML, whose
// spec.pluginConfig is used, or a JSON file) and is reloaded when the file changes; a
// configuration the filter refuses keeps the previous one and the reason is logged.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/wasmauth/wasmauth/e2e/demo"
	"github.com/wasmauth/wasmauth/e2e/gateway"
	"github.com/wasmauth/wasmauth/e2e/host"
)

type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, " ") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func main() {
	var routes, env listFlag
	addr := flag.String("addr", "127.0.0.1:8080", "listen address (HTTP/1.1 and cleartext HTTP/2)")
	module := flag.String("module", "out/wasmauth.wasm", "compiled filter")
	config := flag.String("config", "manifests/base/wasmplugin.yaml", "plugin configuration: WasmPlugin YAML (spec.pluginConfig) or JSON")
	flag.Var(&routes, "route", "PREFIX=SCHEME://HOST:PORT upstream for paths starting with PREFIX (scheme http or h2c); repeatable, longest prefix wins")
	flag.Var(&env, "env", "NAME=VALUE environment variable of the VMs (WasmPlugin vmConfig.env); repeatable")
	vms := flag.Int("vms", 0, "VM instances (Envoy worker threads); 0 = GOMAXPROCS")
	poll := flag.Duration("poll", time.Second, "how often the config file is checked for changes")
	level := flag.String("log-level", "info", "lowest filter log level printed: trace, debug, info, warn, error, critical")
	demoOn := flag.Bool("demo", false, "also start the demo upstreams (gRPC Greeter and HTTP echo) and route to them when no -route is given")
	demoGRPC := flag.String("demo-grpc", "127.0.0.1:50051", "address of the demo gRPC Greeter (with -demo)")
	demoHTTP := flag.String("demo-http", "127.0.0.1:8081", "address of the demo HTTP echo (with -demo)")
	flag.Parse()

	logger := log.New(os.Stderr, "wasmauth-gateway: ", log.LstdFlags|log.Lmicroseconds)
	if err := run(logger, *addr, *module, *config, routes, env, *vms, *poll, *level, *demoOn, *demoGRPC, *demoHTTP); err != nil {
		logger.Print(err)
		os.Exit(1)
	}
}

func run(logger *log.Logger, addr, module, config string, routeFlags, envFlags []string, vms int, poll time.Duration,
	level string, demoOn bool, demoGRPC, demoHTTP string) error {
	lvl, err := parseLevel(level)
	if err != nil {
		return err
	}
	wasm, err := os.ReadFile(module)
	if err != nil {
		return fmt.Errorf("reading the filter: %w (build it with `make build`)", err)
	}
	env := map[string]string{}
	for _, e := range envFlags {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return fmt.Errorf("-env %q: want NAME=VALUE", e)
		}
		env[k] = v
	}
	if demoOn {
		up, err := demo.Start(demoGRPC, demoHTTP)
		if err != nil {
			return err
		}
		defer up.Close()
		logger.Printf("demo upstreams: gRPC Greeter on %s (h2c), HTTP echo on %s", up.GRPCAddr, up.HTTPAddr)
		if len(routeFlags) == 0 {
			routeFlags = []string{"/helloworld.Greeter/=h2c://" + up.GRPCAddr, demo.ReflectionPrefix + "=h2c://" + up.GRPCAddr, "/=http://" + up.HTTPAddr}
		}
	}
	if len(routeFlags) == 0 {
		return fmt.Errorf("no upstream: give -route PREFIX=SCHEME://HOST:PORT or -demo")
	}
	var routes []gateway.Route
	for _, s := range routeFlags {
		r, err := gateway.ParseRoute(s)
		if err != nil {
			return err
		}
		routes = append(routes, r)
	}
	g, err := gateway.New(context.Background(), gateway.Options{
		Module: wasm, ConfigPath: config, Routes: routes, VMs: vms, Env: env,
		PollInterval: poll, LogLevel: lvl, Logf: logger.Printf,
	})
	if err != nil {
		return fmt.Errorf("starting the filter: %w", err)
	}
	defer g.Close()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	for _, r := range routes {
		logger.Printf("route %s", r)
	}
	logger.Printf("listening on http://%s (HTTP/1.1 and h2c), filter %s (allocator %s), config %s", l.Addr(), module, g.Runtime().Allocator(), config)
	if demoOn {
		fmt.Fprint(os.Stdout, demo.Examples(l.Addr().String()))
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() { <-sig; g.Close() }()
	return g.Serve(l)
}

func parseLevel(s string) (host.LogLevel, error) {
	for l := host.LogTrace; l <= host.LogCritical; l++ {
		if l.String() == s {
			return l, nil
		}
	}
	return 0, fmt.Errorf("-log-level %q: want trace, debug, info, warn, error or critical", s)
}
