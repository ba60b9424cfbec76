package host

import (
	"reflect"
	"testing"
)

func TestSerializationRoundTrip(t *testing.T) {
	for _, h := range []Headers{
		{},
		{{":path", "/"}},
		{{":method", "GET"}, {"a", ""}, {"a", "2"}, {"x-long", string(make([]byte, 70000))}},
	} {
		got, err := parseSerialized(appendSerialized(nil, h))
		if err != nil || !reflect.DeepEqual(got, h) {
			t.Errorf("round trip of %d headers: %v, %v", len(h), len(got), err)
		}
		if n := len(appendSerialized(nil, h)); n != serializedSize(h) {
			t.Errorf("serializedSize %d, serialized %d bytes", serializedSize(h), n)
		}
	}
	// The spec's example: {"a": "1"}, {"b": "22"}.
	ex := []byte{2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 'a', 0, '1', 0, 'b', 0, '2', '2', 0}
	if got, err := parseSerialized(ex); err != nil || !reflect.DeepEqual(got, Headers{{"a", "1"}, {"b", "22"}}) {
		t.Errorf("spec example: %v %v", got, err)
	}
	if got, err := parseSerialized([]byte{0}); err != nil || len(got) != 0 {
		t.Errorf("single NUL byte is the empty map: %v %v", got, err)
	}
	for _, bad := range [][]byte{
		{1, 0},                   // short count
		{1, 0, 0, 0, 1, 0, 0, 0}, // missing sizes and data
		{1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 'a', 'x', '1', 0}, // missing NUL after key
		{255, 255, 255, 255, 0, 0, 0, 0},                       // absurd count
		{1, 0, 0, 0, 255, 255, 255, 127, 0, 0, 0, 0, 'a', 0},   // key length beyond the data
	} {
		if _, err := parseSerialized(bad); err == nil {
			t.Errorf("malformed map % x accepted", bad)
		}
	}
}

func TestHeaderEdits(t *testing.T) {
	h := Headers{{":path", "/"}, {"a", "1"}, {"b", "x"}, {"a", "2"}}
	h.Set("A", "3")
	if want := (Headers{{":path", "/"}, {"a", "3"}, {"b", "x"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("Set: %v", h)
	}
	h.Add("C", "4")
	h.Del("b")
	if want := (Headers{{":path", "/"}, {"a", "3"}, {"c", "4"}}); !reflect.DeepEqual(h, want) {
		t.Fatalf("Add/Del: %v", h)
	}
	if v, ok := h.Get("C"); !ok || v != "4" {
		t.Fatalf("Get is not case-insensitive")
	}
	for ct, want := range map[string]bool{"application/grpc": true, "application/grpc+proto": true, "application/grpc;x": false, "application/grpc-web": false, "Application/grpc": false, "application/grpcx": false, "text/plain": false} {
		if got := (Headers{{"content-type", ct}}).IsGRPC(); got != want {
			t.Errorf("IsGRPC(%q) = %v", ct, got)
		}
	}
}
