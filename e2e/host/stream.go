package host

import (
	"errors"
	"strings"

	"github.com/tetratelabs/wazero/api"
)

// Stream is one HTTP stream context (Envoy: one request/response pair). Its callbacks
// must be called in Envoy's order: RequestHeaders, RequestBody*, RequestTrailers,
// ResponseHeaders, ResponseBody*, ResponseTrailers, then Close (done, log, delete).
// Once the filter sent a local reply, only Close may follow.
type Stream struct {
	vm   *VM
	id   uint32
	root bool

	req, reqTrailers, resp, respTrailers   Headers
	haveReq, haveReqT, haveResp, haveRespT bool

	// Body chunks, one per direction (a bidirectional stream runs both at once); a
	// body buffer is readable and writable only during its own callback.
	reqBody, respBody     []byte
	reqBodyOn, respBodyOn bool

	local     *LocalReply
	continued [4]bool
	reset     [4]bool
	props     map[string]string
	ended     bool
}

// LocalReply is a response the filter sent with proxy_send_local_response instead of
// letting the request through.
type LocalReply struct {
	StatusCode int
	Details    string
	Body       []byte
	Headers    Headers
	// GRPCStatus is the raw grpc_status argument; -1 (or any value outside 0..16) means
	// none, in which case a gRPC reply's status comes from StatusCode.
	GRPCStatus int32
}

// GRPC returns the gRPC status and message Envoy sends for this local reply when the
// request is a gRPC call: the filter's grpc_status when valid, otherwise the status
// mapped from the HTTP code; the message is the reply body.
func (r *LocalReply) GRPC() (code int, message string) {
	if r.GRPCStatus >= 0 && r.GRPCStatus <= 16 {
		code = int(r.GRPCStatus)
	} else {
		code = HTTPToGRPC(r.StatusCode)
	}
	return code, string(r.Body)
}

// HTTPToGRPC maps an HTTP status to a gRPC status as Envoy (and the gRPC spec's
// "HTTP to gRPC status code mapping") does.
func HTTPToGRPC(status int) int {
	switch status {
	case 400:
		return 13 // INTERNAL
	case 401:
		return 16 // UNAUTHENTICATED
	case 403:
		return 7 // PERMISSION_DENIED
	case 404:
		return 12 // UNIMPLEMENTED
	case 429, 502, 503, 504:
		return 14 // UNAVAILABLE
	}
	return 2 // UNKNOWN
}

// ID is the stream's context id.
func (s *Stream) ID() uint32 { return s.id }

// VM returns the VM the stream lives on.
func (s *Stream) VM() *VM { return s.vm }

// LocalReply returns the local reply the filter sent, or nil.
func (s *Stream) LocalReply() *LocalReply {
	s.vm.mu.Lock()
	defer s.vm.mu.Unlock()
	return s.local
}

// Request returns a copy of the request headers as the filter left them (what goes upstream).
func (s *Stream) Request() Headers { return s.cloneLocked(&s.req) }

// RequestTrailersMap returns a copy of the request trailers as the filter left them.
func (s *Stream) RequestTrailersMap() Headers { return s.cloneLocked(&s.reqTrailers) }

// Response returns a copy of the response headers as the filter left them.
func (s *Stream) Response() Headers { return s.cloneLocked(&s.resp) }

// ResponseTrailersMap returns a copy of the response trailers as the filter left them.
func (s *Stream) ResponseTrailersMap() Headers { return s.cloneLocked(&s.respTrailers) }

func (s *Stream) cloneLocked(h *Headers) Headers {
	s.vm.mu.Lock()
	defer s.vm.mu.Unlock()
	return h.Clone()
}

// RequestBodyChunk returns the chunk of the last RequestBody call, with any change the
// filter made to it (proxy_set_buffer_bytes). Call it from the goroutine that called
// RequestBody.
func (s *Stream) RequestBodyChunk() []byte { return s.reqBody }

// ResponseBodyChunk is RequestBodyChunk for ResponseBody.
func (s *Stream) ResponseBodyChunk() []byte { return s.respBody }

// Continued reports whether the filter called proxy_continue_stream for t.
func (s *Stream) Continued(t StreamType) bool {
	s.vm.mu.Lock()
	defer s.vm.mu.Unlock()
	return s.continued[t]
}

// Reset reports whether the filter called proxy_close_stream for t.
func (s *Stream) Reset(t StreamType) bool {
	s.vm.mu.Lock()
	defer s.vm.mu.Unlock()
	return s.reset[t]
}

var errEnded = errors.New("stream already closed or answered by a local reply")

// RequestHeaders runs proxy_on_request_headers with a copy of h; names are lowercased.
func (s *Stream) RequestHeaders(h Headers, endOfStream bool) (Action, error) {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended || s.local != nil {
		return ActionPause, errEnded
	}
	s.req, s.haveReq = lowerNames(s.req[:0], h), true
	if vm.fn.reqHeaders == nil {
		return ActionContinue, nil
	}
	vm.stack[0], vm.stack[1], vm.stack[2] = uint64(s.id), uint64(len(h)), b2u(endOfStream)
	r, err := vm.call(s, "proxy_on_request_headers", vm.fn.reqHeaders, 3)
	return Action(uint32(r)), err
}

// RequestBody runs proxy_on_request_body for one chunk; Body returns the chunk after it.
func (s *Stream) RequestBody(chunk []byte, endOfStream bool) (Action, error) {
	return s.bodyCallback("proxy_on_request_body", BufferRequestBody, chunk, endOfStream)
}

// ResponseBody runs proxy_on_response_body for one chunk; Body returns the chunk after it.
func (s *Stream) ResponseBody(chunk []byte, endOfStream bool) (Action, error) {
	return s.bodyCallback("proxy_on_response_body", BufferResponseBody, chunk, endOfStream)
}

func (s *Stream) bodyCallback(name string, t BufferType, chunk []byte, eos bool) (Action, error) {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended || s.local != nil {
		return ActionPause, errEnded
	}
	fn, on := vm.fn.reqBody, &s.reqBodyOn
	if t == BufferResponseBody {
		fn, on, s.respBody = vm.fn.respBody, &s.respBodyOn, chunk
	} else {
		s.reqBody = chunk
	}
	if fn == nil {
		return ActionContinue, nil
	}
	*on = true
	vm.stack[0], vm.stack[1], vm.stack[2] = uint64(s.id), uint64(len(chunk)), b2u(eos)
	r, err := vm.call(s, name, fn, 3)
	*on = false
	return Action(uint32(r)), err
}

// RequestTrailers runs proxy_on_request_trailers.
func (s *Stream) RequestTrailers(h Headers) (Action, error) {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended || s.local != nil {
		return ActionPause, errEnded
	}
	s.reqTrailers, s.haveReqT = lowerNames(nil, h), true
	if vm.fn.reqTrailers == nil {
		return ActionContinue, nil
	}
	vm.stack[0], vm.stack[1] = uint64(s.id), uint64(len(h))
	r, err := vm.call(s, "proxy_on_request_trailers", vm.fn.reqTrailers, 2)
	return Action(uint32(r)), err
}

// ResponseHeaders runs proxy_on_response_headers with a copy of h.
func (s *Stream) ResponseHeaders(h Headers, endOfStream bool) (Action, error) {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended || s.local != nil {
		return ActionPause, errEnded
	}
	s.resp, s.haveResp = lowerNames(nil, h), true
	if vm.fn.respHeaders == nil {
		return ActionContinue, nil
	}
	vm.stack[0], vm.stack[1], vm.stack[2] = uint64(s.id), uint64(len(h)), b2u(endOfStream)
	r, err := vm.call(s, "proxy_on_response_headers", vm.fn.respHeaders, 3)
	return Action(uint32(r)), err
}

// ResponseTrailers runs proxy_on_response_trailers with a copy of h.
func (s *Stream) ResponseTrailers(h Headers) (Action, error) {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended || s.local != nil {
		return ActionPause, errEnded
	}
	s.respTrailers, s.haveRespT = lowerNames(nil, h), true
	if vm.fn.respTrailers == nil {
		return ActionContinue, nil
	}
	vm.stack[0], vm.stack[1] = uint64(s.id), uint64(len(h))
	r, err := vm.call(s, "proxy_on_response_trailers", vm.fn.respTrailers, 2)
	return Action(uint32(r)), err
}

// Close ends the stream as Envoy does: proxy_on_done, proxy_on_log, proxy_on_delete.
// It is safe to call more than once.
func (s *Stream) Close() error {
	vm := s.vm
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if s.ended {
		return nil
	}
	s.ended = true
	defer delete(vm.contexts, s.id)
	if vm.failed != nil || vm.closed {
		return nil // nothing to finalise in a dead VM; the failure was already reported
	}
	if _, err := vm.callCtx(s, "proxy_on_done", vm.fn.done); err != nil {
		return err
	}
	if _, err := vm.callCtx(s, "proxy_on_log", vm.fn.log); err != nil {
		return err
	}
	_, err := vm.callCtx(s, "proxy_on_delete", vm.fn.delete_)
	return err
}

// callCtx calls a (context_id) callback if the module exports it.
func (vm *VM) callCtx(s *Stream, name string, fn api.Function) (uint64, error) {
	if fn == nil {
		return 0, nil
	}
	vm.stack[0] = uint64(s.id)
	return vm.call(s, name, fn, 1)
}

func b2u(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}

// lowerNames appends h to dst with lowercase names (Envoy keeps header names lowercase).
func lowerNames(dst, h Headers) Headers {
	if dst == nil {
		dst = make(Headers, 0, len(h))
	}
	for _, kv := range h {
		if needsLower(kv[0]) {
			kv[0] = strings.ToLower(kv[0])
		}
		dst = append(dst, kv)
	}
	return dst
}

func needsLower(s string) bool {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			return true
		}
	}
	return false
}
