package wasmimage

import (
	"reflect"
	"strings"
	"testing"

	"github.com/wasmauth/wasmauth/build/oci/internal/testwasm"
)

func TestCheckModule(t *testing.T) {
	valid := testwasm.Module([]string{"proxy_abi_version_0_2_1", "_start"}, []byte("x"))
	tests := []struct {
		name    string
		in      []byte
		wantErr string
	}{
		{"minimal header only", []byte("\x00asm\x01\x00\x00\x00"), ""},
		{"module with exports", valid, ""},
		{"empty", nil, "at least 8"},
		{"short", []byte("\x00asm"), "at least 8"},
		{"text file", []byte("hello world, not wasm"), "magic number"},
		{"gzip", []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, "magic number"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), "version"},
		{"truncated section", valid[:len(valid)-3], "past the end"},
		{"section size missing", []byte("\x00asm\x01\x00\x00\x00\x01"), "truncated"},
		{"overlong LEB", []byte("\x00asm\x01\x00\x00\x00\x01\xff\xff\xff\xff\xff\x01"), "LEB128"},
		{"export name past section", []byte("\x00asm\x01\x00\x00\x00\x07\x03\x01\x09a"), "truncated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckModule(tt.in)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("CheckModule: unexpected error %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("CheckModule error = %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}

func TestABIVersions(t *testing.T) {
	tests := []struct {
		name    string
		exports []string
		want    []string
	}{
		{"none", nil, nil},
		{"unrelated exports", []string{"_start", "proxy_on_memory_allocate"}, nil},
		{"one", []string{"_start", "proxy_abi_version_0_2_1"}, []string{"proxy_abi_version_0_2_1"}},
		{"sorted", []string{"proxy_abi_version_0_2_1", "proxy_abi_version_0_1_0"}, []string{"proxy_abi_version_0_1_0", "proxy_abi_version_0_2_1"}},
		{"bare prefix ignored", []string{"proxy_abi_version_"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ABIVersions(testwasm.Module(tt.exports, nil))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("ABIVersions = %q, want %q", got, tt.want)
			}
		})
	}
}
