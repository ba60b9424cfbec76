package main

import (
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

func TestPluginStart(t *testing.T) {
	tests := []struct {
		name   string
		config string
		want   types.OnPluginStartStatus
	}{
		{"empty config allows everything", "", types.OnPluginStartStatusOK},
		{"empty object", "{}", types.OnPluginStartStatusOK},
		{"not JSON refuses to start", "{realm:", types.OnPluginStartStatusFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vmTest(t, func(t *testing.T, vm types.VMContext) {
				_, got := newHost(t, vm, tt.config)
				if got != tt.want {
					t.Fatalf("OnPluginStart = %v, want %v", got, tt.want)
				}
			})
		})
	}
}
