package jsonv

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
)

// toAny converts a Value to what encoding/json produces (last duplicate wins).
func toAny(v Value) any {
	switch v.Kind {
	case Null:
		return nil
	case Bool:
		return v.Bool
	case Number:
		f, _ := strconv.ParseFloat(v.Str, 64)
		return f
	case String:
		return v.Str
	case Array:
		out := []any{}
		for _, e := range v.Elems {
			out = append(out, toAny(e))
		}
		return out
	case Object:
		out := map[string]any{}
		for _, m := range v.Members {
			out[m.Key] = toAny(m.Value)
		}
		return out
	}
	return "missing"
}

func TestParse(t *testing.T) {
	v, err := Parse([]byte(` {"a": [1, -2.5e3, true, false, null, "x\u00e9\ud83d\ude00\n"], "a": {}, "b": []} `))
	if err != nil {
		t.Fatal(err)
	}
	if v.Kind != Object || len(v.Members) != 3 || v.Members[0].Key != "a" || v.Members[1].Key != "a" {
		t.Fatalf("members %+v", v.Members)
	}
	arr := v.Members[0].Value
	if arr.Kind != Array || len(arr.Elems) != 6 || arr.Elems[1].Str != "-2.5e3" || !arr.Elems[2].Bool ||
		arr.Elems[4].Kind != Null || arr.Elems[5].Str != "xé😀\n" {
		t.Fatalf("array %+v", arr)
	}
	if Kind(0).String() != "missing" || Object.String() != "object" {
		t.Fatal("kind names")
	}
}

func TestErrors(t *testing.T) {
	tests := map[string]string{
		``:               "unexpected end of input at offset 0",
		`{`:              "expected a string key at offset 1",
		`{"a"}`:          "expected ':' at offset 4",
		`{"a":1,}`:       "expected a string key at offset 7",
		`[1,]`:           "unexpected character ']' at offset 3",
		`[1 2]`:          "expected ',' or ']' at offset 3",
		`{"a":1 "b":2}`:  "expected ',' or '}' at offset 7",
		`01`:             "unexpected data after the top-level value at offset 1",
		`-`:              "invalid number at offset 1",
		`1.`:             "invalid number at offset 2",
		`1e`:             "invalid number at offset 2",
		`tru`:            "invalid literal at offset 0",
		`nul`:            "invalid literal at offset 0",
		`"a`:             "unterminated string at offset 2",
		`"a\`:            "unterminated string at offset 3",
		`"\x"`:           "invalid escape at offset 2",
		`"\u12"`:         "invalid \\u escape at offset 3",
		"\"a\tb\"":       "control character in string at offset 2",
		"\"\xff\"":       "invalid UTF-8 in string at offset 1",
		`{} x`:           "unexpected data after the top-level value at offset 3",
		`NaN`:            "unexpected character 'N' at offset 0",
		`// c`:           "unexpected character '/' at offset 0",
		`[[[[[[[[[[[[[[`: "unexpected end of input at offset 14",
	}
	for in, want := range tests {
		_, err := Parse([]byte(in))
		if err == nil || err.Error() != want {
			t.Errorf("Parse(%q) error %v, want %q", in, err, want)
		}
	}
	deep := make([]byte, 0, 200)
	for i := 0; i < 100; i++ {
		deep = append(deep, '[')
	}
	if _, err := Parse(deep); err == nil || err.Error() != "nesting deeper than 64 at offset 65" {
		t.Errorf("deep: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":[1,2,{"b":null}]}`, `"\ud800"`, `"\ud83d\ude00"`, `-0.0e+1`, `[true,false]`, `{"a":1,"a":2}`, `"\ud800\u0041"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if (err == nil) != json.Valid(data) {
			// encoding/json accepts invalid UTF-8 (replacing it); we refuse it.
			if err != nil && !validUTF8(data) {
				return
			}
			t.Fatalf("%q: ours %v, json.Valid %v", data, err, json.Valid(data))
		}
		if err != nil {
			return
		}
		var std any
		if json.Unmarshal(data, &std) != nil {
			return // valid syntax that does not fit a float64 (1e1000)
		}
		if got := toAny(v); !reflect.DeepEqual(got, std) {
			t.Fatalf("%q: ours %#v, encoding/json %#v", data, got, std)
		}
	})
}

func validUTF8(b []byte) bool {
	for len(b) > 0 {
		r, n := rune(b[0]), 1
		if r >= 0x80 {
			var size int
			r, size = decode(b)
			if r == 0xFFFD && size == 1 {
				return false
			}
			n = size
		}
		b = b[n:]
	}
	return true
}
