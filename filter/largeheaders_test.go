package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/proxy-wasm-go-sdk/proxywasm/types"
)

// TestLargeHeadersExactBytes sends headers of 2 to 60 KB and checks the filter saw every
// byte: an exact metadata check passes for the configured value and fails when any single
// byte differs. Under wazero < v1.9.0 on CPUs with ERMS+FSRM this corrupts memory
// ("out of bounds memory access") from about 2 KB, so it also guards the runner's version.
func TestLargeHeadersExactBytes(t *testing.T) {
	for _, size := range []int{2 << 10, 8 << 10, 32 << 10, 60 << 10} {
		value := patterned(size)
		config := `{"basic_auth_rules": [{"prefix": "/", "metadata": [{"name": "x-big", "exact": "` + value + `"}]}]}`
		t.Run(strconv.Itoa(size>>10)+"KB", func(t *testing.T) {
			vmTest(t, func(t *testing.T, vm types.VMContext) {
				host, status := newHost(t, vm, config)
				if status != types.OnPluginStartStatusOK {
					t.Fatalf("plugin refused to start: %v", host.GetCriticalLogs())
				}
				for _, tc := range []struct {
					name  string
					value string
					want  int
				}{
					{"same bytes", value, 0},
					{"first byte differs", "_" + value[1:], 403},
					{"middle byte differs", value[:size/2] + "_" + value[size/2+1:], 403},
					{"last byte differs", value[:size-1] + "_", 403},
					{"one byte short", value[:size-1], 403},
				} {
					id := host.InitializeHttpContext()
					host.CallOnRequestHeaders(id, [][2]string{
						{":method", "GET"}, {":authority", "big.example.com"}, {":path", "/x"}, {"x-big", tc.value},
					}, false)
					got := 0
					if r := host.GetSentLocalResponse(id); r != nil {
						got = int(r.StatusCode)
					}
					if got != tc.want {
						t.Errorf("%s: status %d, want %d", tc.name, got, tc.want)
					}
					host.CompleteHttpContext(id)
				}
			})
		})
	}
}

// patterned returns n bytes of printable, position-dependent text, so that a shifted or
// truncated copy never equals the original.
func patterned(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	var b strings.Builder
	b.Grow(n)
	for i := 0; i < n; i++ {
		b.WriteByte(alphabet[(i*7+i/61)%len(alphabet)])
	}
	return b.String()
}
