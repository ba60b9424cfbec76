// Command wasmauth-demo serves the demo backends of manifests/apps: an HTTP
// echo service (-http) and the helloworld Greeter with gRPC health (-grpc).
//
//	wasmauth-demo -http=:8080 [-grpc=:9090]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wasmauth/wasmauth/e2e/kind/demo"
)

func main() {
	httpAddr := flag.String("http", ":8080", "HTTP echo listen address (\"\" = off)")
	grpcAddr := flag.String("grpc", "", "gRPC Greeter listen address (\"\" = off)")
	flag.Parse()
	if *httpAddr == "" && *grpcAddr == "" {
		fmt.Fprintln(os.Stderr, "wasmauth-demo: nothing to serve: set -http and/or -grpc")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *httpAddr, *grpcAddr); err != nil {
		log.Printf("wasmauth-demo: %v", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, httpAddr, grpcAddr string) error {
	opts := demo.DefaultOptions()
	errc := make(chan error, 2)
	var hs *http.Server
	if httpAddr != "" {
		lis, err := net.Listen("tcp", httpAddr)
		if err != nil {
			return err
		}
		hs = &http.Server{Handler: demo.HTTPHandler(opts), ReadHeaderTimeout: 10 * time.Second}
		log.Printf("HTTP echo on %s", lis.Addr())
		go func() { errc <- hs.Serve(lis) }()
	}
	if grpcAddr != "" {
		lis, err := net.Listen("tcp", grpcAddr)
		if err != nil {
			if hs != nil {
				_ = hs.Close()
			}
			return err
		}
		gs := demo.NewGRPCServer(opts)
		defer gs.GracefulStop()
		log.Printf("gRPC Greeter on %s", lis.Addr())
		go func() { errc <- gs.Serve(lis) }()
	}
	select {
	case <-ctx.Done():
	case err := <-errc:
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	}
	if hs != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(sctx)
	}
	return nil
}
