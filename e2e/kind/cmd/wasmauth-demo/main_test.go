package main

import (
	"context"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if err := run(ctx, "127.0.0.1:0", "127.0.0.1:0"); err != nil {
		t.Fatalf("run until cancelled: %v", err)
	}
	for _, tc := range []struct{ http, grpc string }{{"127.0.0.1:bad", ""}, {"", "256.0.0.1:0"}} {
		if err := run(context.Background(), tc.http, tc.grpc); err == nil {
			t.Errorf("run(%q, %q): want a listen error", tc.http, tc.grpc)
		}
	}
}
