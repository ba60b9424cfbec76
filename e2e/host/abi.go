// Package host is a proxy-wasm ABI 0.2.1 host on wazero that runs a compiled filter the
// way Envoy does: Envoy's allocator choice (an exported malloc first, otherwise
// proxy_on_memory_allocate), header maps with pseudo-headers and lowercase names, the
// per-stream context lifecycle, local replies (gRPC-aware), logs, metrics, shared data and
// WASI. Several VM instances serve streams in parallel, like Envoy's worker threads.
//
// It is written from the proxy-wasm ABI specification (proxy-wasm/spec, abi-versions/v0.2.1).
package host

import "fmt"

// Status is proxy_status_t, returned by every proxy-wasm host function.
type Status uint32

// proxy_status_t values.
const (
	StatusOK                   Status = 0
	StatusNotFound             Status = 1
	StatusBadArgument          Status = 2
	StatusSerializationFailure Status = 3
	StatusParseFailure         Status = 4
	StatusInvalidMemoryAccess  Status = 6
	StatusEmpty                Status = 7
	StatusCASMismatch          Status = 8
	StatusInternalFailure      Status = 10
	StatusUnimplemented        Status = 12
)

// Action is proxy_action_t, returned by the stream callbacks.
type Action uint32

// proxy_action_t values.
const (
	ActionContinue Action = 0
	ActionPause    Action = 1
)

func (a Action) String() string {
	switch a {
	case ActionContinue:
		return "Continue"
	case ActionPause:
		return "Pause"
	}
	return fmt.Sprintf("Action(%d)", uint32(a))
}

// MapType is proxy_map_type_t.
type MapType uint32

// proxy_map_type_t values.
const (
	MapRequestHeaders          MapType = 0
	MapRequestTrailers         MapType = 1
	MapResponseHeaders         MapType = 2
	MapResponseTrailers        MapType = 3
	MapGRPCInitialMetadata     MapType = 4
	MapGRPCTrailingMetadata    MapType = 5
	MapHTTPCallResponseHeaders MapType = 6
	MapHTTPCallResponseTrailer MapType = 7
)

// BufferType is proxy_buffer_type_t.
type BufferType uint32

// proxy_buffer_type_t values.
const (
	BufferRequestBody         BufferType = 0
	BufferResponseBody        BufferType = 1
	BufferDownstreamData      BufferType = 2
	BufferUpstreamData        BufferType = 3
	BufferHTTPCallResponse    BufferType = 4
	BufferGRPCMessage         BufferType = 5
	BufferVMConfiguration     BufferType = 6
	BufferPluginConfiguration BufferType = 7
	BufferForeignArguments    BufferType = 8
)

// LogLevel is proxy_log_level_t.
type LogLevel uint32

// proxy_log_level_t values.
const (
	LogTrace    LogLevel = 0
	LogDebug    LogLevel = 1
	LogInfo     LogLevel = 2
	LogWarn     LogLevel = 3
	LogError    LogLevel = 4
	LogCritical LogLevel = 5
)

func (l LogLevel) String() string {
	switch l {
	case LogTrace:
		return "trace"
	case LogDebug:
		return "debug"
	case LogInfo:
		return "info"
	case LogWarn:
		return "warn"
	case LogError:
		return "error"
	case LogCritical:
		return "critical"
	}
	return fmt.Sprintf("level(%d)", uint32(l))
}

// MetricType is proxy_metric_type_t.
type MetricType uint32

// proxy_metric_type_t values.
const (
	MetricCounter   MetricType = 0
	MetricGauge     MetricType = 1
	MetricHistogram MetricType = 2
)

// StreamType is proxy_stream_type_t.
type StreamType uint32

// proxy_stream_type_t values.
const (
	StreamRequest    StreamType = 0
	StreamResponse   StreamType = 1
	StreamDownstream StreamType = 2
	StreamUpstream   StreamType = 3
)

// WASI errno values used by this host.
const (
	errnoSuccess    = 0
	errnoBadf       = 8
	errnoFault      = 21
	errnoInval      = 28
	errnoNosys      = 52
	errnoNotsup     = 58
	errnoSpipe      = 70
	errnoNotcapable = 76
)
