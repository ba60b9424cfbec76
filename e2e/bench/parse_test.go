package bench

import (
	"testing"
	"time"
)

func TestSectionsAndProducer(t *testing.T) {
	// A module with one type section (1 byte payload) and a producers section:
	// processed-by: [("TinyGo", "0.39.0")].
	producers := []byte{9, 'p', 'r', 'o', 'd', 'u', 'c', 'e', 'r', 's', 1,
		12, 'p', 'r', 'o', 'c', 'e', 's', 's', 'e', 'd', '-', 'b', 'y', 1,
		6, 'T', 'i', 'n', 'y', 'G', 'o', 6, '0', '.', '3', '9', '.', '0'}
	wasm := append([]byte("\x00asm\x01\x00\x00\x00"), 1, 1, 0)
	wasm = append(wasm, 0, byte(len(producers)))
	wasm = append(wasm, producers...)
	secs, err := Sections(wasm)
	if err != nil {
		t.Fatal(err)
	}
	if len(secs) != 2 || secs[0].Name != "type" || secs[0].Size != 1 || secs[1].Name != "producers" {
		t.Fatalf("sections %+v", secs)
	}
	sz, err := Size(wasm)
	if err != nil || sz.Total != len(wasm) || sz.Custom != len(producers) || sz.Code != 0 {
		t.Fatalf("size %+v %v", sz, err)
	}
	if got := Producer(wasm, "processed-by"); got != "TinyGo 0.39.0" {
		t.Fatalf("producer %q", got)
	}
	for _, bad := range [][]byte{nil, []byte("\x00asm\x01\x00\x00\x00\x01\x05\x00"), []byte("not wasm at all")} {
		if _, err := Sections(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func TestParseH2Load(t *testing.T) {
	out := `starting benchmark...
finished in 823.41ms, 2428.93 req/s, 150.31KB/s
requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx
`
	r, err := parseH2Load(out, 2000)
	if err != nil {
		t.Fatal(err)
	}
	if r.ReqPerSec != 2428.93 || r.Elapsed != time.Duration(823.41*float64(time.Millisecond)) || r.Status2xx != 2000 {
		t.Fatalf("%+v", r)
	}
	denied := `finished in 1.50s, 1333.33 req/s, 10KB/s
requests: 2000 total, 2000 started, 2000 done, 2000 succeeded, 0 failed, 0 errored, 0 timeout
status codes: 0 2xx, 0 3xx, 2000 4xx, 0 5xx
`
	if _, err := parseH2Load(denied, 2000); err == nil {
		t.Fatal("4xx answers were accepted as success")
	}
	if _, err := parseH2Load("garbage", 1); err == nil {
		t.Fatal("garbage accepted")
	}
}

func TestCount(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := count(n); got != want {
			t.Errorf("count(%d) = %q, want %q", n, got, want)
		}
	}
}
