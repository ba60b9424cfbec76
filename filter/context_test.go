package main

import (
	"reflect"
	"testing"
)

// TestStreamContextIsStateless guards the shared stream context (pluginContext.stream
// serves every HTTP stream of a plugin): a per-stream field added to httpContext would
// be shared by concurrent streams. Per-stream state needs a context per stream again.
func TestStreamContextIsStateless(t *testing.T) {
	typ := reflect.TypeOf(httpContext{})
	var fields []string
	for i := 0; i < typ.NumField(); i++ {
		fields = append(fields, typ.Field(i).Name)
	}
	if !reflect.DeepEqual(fields, []string{"DefaultHttpContext", "plugin"}) {
		t.Errorf("httpContext has fields %v: it is shared by all streams (see NewHttpContext), so it must hold no per-stream state", fields)
	}
}
