package host

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"
)

func vmOf(ctx context.Context) *VM { return ctx.Value(vmKey{}).(*VM) }

func i32s(n int) []api.ValueType {
	out := make([]api.ValueType, n)
	for i := range out {
		out[i] = api.ValueTypeI32
	}
	return out
}

var oneI32 = []api.ValueType{api.ValueTypeI32}

// hostFunc is a host function over the calling VM; it returns the status/errno result.
type hostFunc func(vm *VM, s []uint64) uint32

func (r *Runtime) instantiateHostModules(ctx context.Context) error {
	env := r.rt.NewHostModuleBuilder("env")
	def := func(name string, params []api.ValueType, f hostFunc) {
		env.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, _ api.Module, s []uint64) {
			s[0] = uint64(f(vmOf(ctx), s))
		}), params, oneI32).Export(name)
	}
	for name, f := range proxyFuncs(r) {
		def(name, f.params, f.fn)
	}
	if _, err := env.Instantiate(ctx); err != nil {
		return err
	}
	wasi := r.rt.NewHostModuleBuilder("wasi_snapshot_preview1")
	for name, f := range wasiFuncs(r) {
		fn := f.fn
		results := oneI32
		if f.noResult {
			results = nil
		}
		wasi.NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(func(ctx context.Context, m api.Module, s []uint64) {
			v := fn(vmOf(ctx), s)
			if len(s) > 0 && results != nil {
				s[0] = uint64(v)
			}
		}), f.params, results).Export(name)
	}
	_, err := wasi.Instantiate(ctx)
	return err
}

type funcDef struct {
	params   []api.ValueType
	fn       hostFunc
	noResult bool
}

func u32(s []uint64, i int) uint32 { return uint32(s[i]) }

// read copies guest memory into a Go string; ok is false when out of range.
func (vm *VM) readString(ptr, size uint32) (string, bool) {
	b, ok := vm.mem.Read(ptr, size)
	if !ok {
		return "", false
	}
	return string(b), true
}

// returnBytes allocates guest memory for b (none when b is empty, like Envoy), copies b
// into it and writes the pointer and size to retPtr and retSize.
func (vm *VM) returnBytes(b []byte, retPtr, retSize uint32) uint32 {
	var ptr uint32
	if len(b) > 0 {
		ptr = vm.allocate(uint32(len(b)))
		if !vm.mem.Write(ptr, b) {
			return uint32(StatusInvalidMemoryAccess)
		}
	}
	if !vm.mem.WriteUint32Le(retPtr, ptr) || !vm.mem.WriteUint32Le(retSize, uint32(len(b))) {
		return uint32(StatusInvalidMemoryAccess)
	}
	return uint32(StatusOK)
}

func (vm *VM) returnString(v string, retPtr, retSize uint32) uint32 {
	var ptr uint32
	if len(v) > 0 {
		ptr = vm.allocate(uint32(len(v)))
		if !vm.mem.WriteString(ptr, v) {
			return uint32(StatusInvalidMemoryAccess)
		}
	}
	if !vm.mem.WriteUint32Le(retPtr, ptr) || !vm.mem.WriteUint32Le(retSize, uint32(len(v))) {
		return uint32(StatusInvalidMemoryAccess)
	}
	return uint32(StatusOK)
}

// headerMap returns the map t of the effective context.
func (vm *VM) headerMap(t MapType) (*Headers, Status) {
	if t > MapHTTPCallResponseTrailer {
		return nil, StatusBadArgument
	}
	c := vm.cur
	if c == nil {
		return nil, StatusNotFound
	}
	switch t {
	case MapRequestHeaders:
		if c.haveReq {
			return &c.req, StatusOK
		}
	case MapRequestTrailers:
		if c.haveReqT {
			return &c.reqTrailers, StatusOK
		}
	case MapResponseHeaders:
		if c.haveResp {
			return &c.resp, StatusOK
		}
	case MapResponseTrailers:
		if c.haveRespT {
			return &c.respTrailers, StatusOK
		}
	}
	return nil, StatusNotFound
}

// buffer returns the buffer t as seen from the effective context.
func (vm *VM) buffer(t BufferType) ([]byte, Status) {
	switch t {
	case BufferVMConfiguration:
		return vm.p.opts.VMConfig, StatusOK
	case BufferPluginConfiguration:
		if vm.pluginCfg != nil {
			return vm.pluginCfg, StatusOK
		}
		return nil, StatusNotFound
	case BufferRequestBody:
		if c := vm.cur; c != nil && c.reqBodyOn {
			return c.reqBody, StatusOK
		}
		return nil, StatusNotFound
	case BufferResponseBody:
		if c := vm.cur; c != nil && c.respBodyOn {
			return c.respBody, StatusOK
		}
		return nil, StatusNotFound
	}
	if t > BufferForeignArguments {
		return nil, StatusBadArgument
	}
	return nil, StatusNotFound
}

// property returns the value of a property path (segments joined with ".").
func (vm *VM) property(path string) (string, bool) {
	c := vm.cur
	if c != nil {
		if v, ok := c.props[path]; ok {
			return v, true
		}
	}
	o := &vm.p.opts
	switch path {
	case "plugin_name":
		return o.Name, true
	case "plugin_root_id":
		return o.RootID, true
	case "plugin_vm_id":
		return o.VMID, true
	}
	if c != nil && c.haveReq {
		h := c.req
		switch path {
		case "request.path":
			return h.Get(":path")
		case "request.url_path":
			p, ok := h.Get(":path")
			if i := strings.IndexByte(p, '?'); i >= 0 {
				p = p[:i]
			}
			return p, ok
		case "request.query":
			p, _ := h.Get(":path")
			if i := strings.IndexByte(p, '?'); i >= 0 {
				return p[i+1:], true
			}
			return "", true
		case "request.host":
			return h.Get(":authority")
		case "request.method":
			return h.Get(":method")
		case "request.scheme":
			return h.Get(":scheme")
		}
		if name, ok := strings.CutPrefix(path, "request.headers."); ok {
			return h.Get(name)
		}
	}
	v, ok := o.Properties[path]
	return v, ok
}

func proxyFuncs(r *Runtime) map[string]funcDef {
	st := func(s Status) uint32 { return uint32(s) }
	return map[string]funcDef{
		"proxy_log": {i32s(3), func(vm *VM, s []uint64) uint32 {
			level := LogLevel(u32(s, 0))
			if level > LogCritical {
				return st(StatusBadArgument)
			}
			msg, ok := vm.readString(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			vm.log(vm.cur, level, msg)
			return st(StatusOK)
		}, false},
		"proxy_get_log_level": {i32s(1), func(vm *VM, s []uint64) uint32 {
			if !vm.mem.WriteUint32Le(u32(s, 0), uint32(vm.p.opts.LogLevel)) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_get_current_time_nanoseconds": {i32s(1), func(vm *VM, s []uint64) uint32 {
			if !vm.mem.WriteUint64Le(u32(s, 0), uint64(time.Now().UnixNano())) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_set_tick_period_milliseconds": {i32s(1), func(vm *VM, s []uint64) uint32 {
			return st(StatusOK) // accepted; this host drives no timers
		}, false},
		"proxy_get_property": {i32s(4), func(vm *VM, s []uint64) uint32 {
			raw, ok := vm.readString(u32(s, 0), u32(s, 1))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			path := strings.ReplaceAll(strings.TrimRight(raw, "\x00"), "\x00", ".")
			v, found := vm.property(path)
			if !found {
				return st(StatusNotFound)
			}
			return vm.returnString(v, u32(s, 2), u32(s, 3))
		}, false},
		"proxy_set_property": {i32s(4), func(vm *VM, s []uint64) uint32 {
			raw, ok1 := vm.readString(u32(s, 0), u32(s, 1))
			v, ok2 := vm.readString(u32(s, 2), u32(s, 3))
			if !ok1 || !ok2 {
				return st(StatusInvalidMemoryAccess)
			}
			if vm.cur == nil {
				return st(StatusNotFound)
			}
			if vm.cur.props == nil {
				vm.cur.props = map[string]string{}
			}
			vm.cur.props[strings.ReplaceAll(strings.TrimRight(raw, "\x00"), "\x00", ".")] = v
			return st(StatusOK)
		}, false},
		"proxy_send_local_response": {i32s(8), func(vm *VM, s []uint64) uint32 {
			c := vm.cur
			if c == nil || c.root {
				return st(StatusBadArgument)
			}
			details, ok1 := vm.readString(u32(s, 1), u32(s, 2))
			body, ok2 := vm.mem.Read(u32(s, 3), u32(s, 4))
			hdr, ok3 := vm.mem.Read(u32(s, 5), u32(s, 6))
			if !ok1 || !ok2 || !ok3 {
				return st(StatusInvalidMemoryAccess)
			}
			h, err := parseSerialized(hdr)
			if err != nil {
				return st(StatusBadArgument)
			}
			c.local = &LocalReply{
				StatusCode: int(u32(s, 0)),
				Details:    details,
				Body:       append([]byte(nil), body...),
				Headers:    h,
				GRPCStatus: int32(u32(s, 7)),
			}
			return st(StatusOK)
		}, false},
		"proxy_get_shared_data": {i32s(5), func(vm *VM, s []uint64) uint32 {
			key, ok := vm.readString(u32(s, 0), u32(s, 1))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			v, cas, found := r.shared.get(key)
			if !found {
				return st(StatusNotFound)
			}
			if res := vm.returnBytes(v, u32(s, 2), u32(s, 3)); res != 0 {
				return res
			}
			if !vm.mem.WriteUint32Le(u32(s, 4), cas) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_set_shared_data": {i32s(5), func(vm *VM, s []uint64) uint32 {
			key, ok1 := vm.readString(u32(s, 0), u32(s, 1))
			v, ok2 := vm.mem.Read(u32(s, 2), u32(s, 3))
			if !ok1 || !ok2 {
				return st(StatusInvalidMemoryAccess)
			}
			return st(r.shared.set(key, v, u32(s, 4)))
		}, false},
		"proxy_register_shared_queue": {i32s(3), func(vm *VM, s []uint64) uint32 {
			name, ok := vm.readString(u32(s, 0), u32(s, 1))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			if !vm.mem.WriteUint32Le(u32(s, 2), r.queues.register(vm.p.opts.VMID, name)) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_resolve_shared_queue": {i32s(5), func(vm *VM, s []uint64) uint32 {
			vmID, ok1 := vm.readString(u32(s, 0), u32(s, 1))
			name, ok2 := vm.readString(u32(s, 2), u32(s, 3))
			if !ok1 || !ok2 {
				return st(StatusInvalidMemoryAccess)
			}
			id, found := r.queues.resolve(vmID, name)
			if !found {
				return st(StatusNotFound)
			}
			if !vm.mem.WriteUint32Le(u32(s, 4), id) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_enqueue_shared_queue": {i32s(3), func(vm *VM, s []uint64) uint32 {
			v, ok := vm.mem.Read(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			return st(r.queues.enqueue(u32(s, 0), v))
		}, false},
		"proxy_dequeue_shared_queue": {i32s(3), func(vm *VM, s []uint64) uint32 {
			v, status := r.queues.dequeue(u32(s, 0))
			if status != StatusOK {
				return st(status)
			}
			return vm.returnBytes(v, u32(s, 1), u32(s, 2))
		}, false},
		"proxy_get_header_map_value": {i32s(5), func(vm *VM, s []uint64) uint32 {
			m, status := vm.headerMap(MapType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			key, ok := vm.mem.Read(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			for _, kv := range *m {
				if asciiEqualFoldBytes(kv[0], key) {
					return vm.returnString(kv[1], u32(s, 3), u32(s, 4))
				}
			}
			return st(StatusNotFound)
		}, false},
		"proxy_add_header_map_value": {i32s(5), func(vm *VM, s []uint64) uint32 {
			return mapEdit(vm, s, func(m *Headers, k, v string) { m.Add(k, v) })
		}, false},
		"proxy_replace_header_map_value": {i32s(5), func(vm *VM, s []uint64) uint32 {
			return mapEdit(vm, s, func(m *Headers, k, v string) { m.Set(k, v) })
		}, false},
		"proxy_remove_header_map_value": {i32s(3), func(vm *VM, s []uint64) uint32 {
			m, status := vm.headerMap(MapType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			key, ok := vm.readString(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			m.Del(key)
			return st(StatusOK)
		}, false},
		"proxy_get_header_map_pairs": {i32s(3), func(vm *VM, s []uint64) uint32 {
			m, status := vm.headerMap(MapType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			vm.scratch = appendSerialized(vm.scratch[:0], *m)
			b := vm.scratch
			if fault := vm.p.rt.opts.HeaderMapPairs; fault != nil {
				if b, status = fault(b); status != StatusOK {
					return st(status)
				}
			}
			return vm.returnBytes(b, u32(s, 1), u32(s, 2))
		}, false},
		"proxy_set_header_map_pairs": {i32s(3), func(vm *VM, s []uint64) uint32 {
			m, status := vm.headerMap(MapType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			b, ok := vm.mem.Read(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			h, err := parseSerialized(b)
			if err != nil {
				return st(StatusBadArgument)
			}
			*m = h
			return st(StatusOK)
		}, false},
		"proxy_get_header_map_size": {i32s(2), func(vm *VM, s []uint64) uint32 {
			m, status := vm.headerMap(MapType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			if !vm.mem.WriteUint32Le(u32(s, 1), uint32(serializedSize(*m))) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_get_buffer_bytes": {i32s(5), func(vm *VM, s []uint64) uint32 {
			b, status := vm.buffer(BufferType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			start, max := uint64(u32(s, 1)), uint64(u32(s, 2))
			if start > uint64(len(b)) {
				return st(StatusBadArgument)
			}
			end := min(start+max, uint64(len(b)))
			return vm.returnBytes(b[start:end], u32(s, 3), u32(s, 4))
		}, false},
		"proxy_get_buffer_status": {i32s(3), func(vm *VM, s []uint64) uint32 {
			b, status := vm.buffer(BufferType(u32(s, 0)))
			if status != StatusOK {
				return st(status)
			}
			if !vm.mem.WriteUint32Le(u32(s, 1), uint32(len(b))) || !vm.mem.WriteUint32Le(u32(s, 2), 0) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_set_buffer_bytes": {i32s(5), func(vm *VM, s []uint64) uint32 {
			t := BufferType(u32(s, 0))
			b, status := vm.buffer(t)
			if status != StatusOK {
				return st(status)
			}
			if t != BufferRequestBody && t != BufferResponseBody {
				return st(StatusBadArgument)
			}
			v, ok := vm.mem.Read(u32(s, 3), u32(s, 4))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			start := min(uint64(u32(s, 1)), uint64(len(b)))
			end := min(start+uint64(u32(s, 2)), uint64(len(b)))
			nb := make([]byte, 0, len(b)-int(end-start)+len(v))
			nb = append(append(append(nb, b[:start]...), v...), b[end:]...)
			if t == BufferRequestBody {
				vm.cur.reqBody = nb
			} else {
				vm.cur.respBody = nb
			}
			return st(StatusOK)
		}, false},
		"proxy_continue_stream": {i32s(1), func(vm *VM, s []uint64) uint32 {
			return streamFlag(vm, StreamType(u32(s, 0)), true)
		}, false},
		"proxy_close_stream": {i32s(1), func(vm *VM, s []uint64) uint32 {
			return streamFlag(vm, StreamType(u32(s, 0)), false)
		}, false},
		// ABI 0.2.0 names of the same operations.
		"proxy_continue_request": {nil, func(vm *VM, s []uint64) uint32 {
			return streamFlag(vm, StreamRequest, true)
		}, false},
		"proxy_continue_response": {nil, func(vm *VM, s []uint64) uint32 {
			return streamFlag(vm, StreamResponse, true)
		}, false},
		"proxy_clear_route_cache": {nil, func(vm *VM, s []uint64) uint32 { return st(StatusOK) }, false},
		"proxy_done": {nil, func(vm *VM, s []uint64) uint32 {
			if c := vm.cur; c != nil && !c.root && c.ended {
				return st(StatusOK)
			}
			return st(StatusNotFound)
		}, false},
		"proxy_set_effective_context": {i32s(1), func(vm *VM, s []uint64) uint32 {
			c, ok := vm.contexts[u32(s, 0)]
			if !ok {
				return st(StatusBadArgument)
			}
			vm.cur = c
			return st(StatusOK)
		}, false},
		"proxy_define_metric": {i32s(4), func(vm *VM, s []uint64) uint32 {
			name, ok := vm.readString(u32(s, 1), u32(s, 2))
			if !ok {
				return st(StatusInvalidMemoryAccess)
			}
			id, status := r.metrics.define(MetricType(u32(s, 0)), name)
			if status != StatusOK {
				return st(status)
			}
			if !vm.mem.WriteUint32Le(u32(s, 3), id) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		"proxy_increment_metric": {[]api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, func(vm *VM, s []uint64) uint32 {
			return st(r.metrics.increment(u32(s, 0), int64(s[1])))
		}, false},
		"proxy_record_metric": {[]api.ValueType{api.ValueTypeI32, api.ValueTypeI64}, func(vm *VM, s []uint64) uint32 {
			return st(r.metrics.record(u32(s, 0), s[1]))
		}, false},
		"proxy_get_metric": {i32s(2), func(vm *VM, s []uint64) uint32 {
			v, status := r.metrics.get(u32(s, 0))
			if status != StatusOK {
				return st(status)
			}
			if !vm.mem.WriteUint64Le(u32(s, 1), v) {
				return st(StatusInvalidMemoryAccess)
			}
			return st(StatusOK)
		}, false},
		// Outbound calls and foreign functions need an event loop this host does not
		// have: they are importable (a module that imports them loads) and answer
		// UNIMPLEMENTED / NOT_FOUND, so a filter using them fails visibly.
		"proxy_http_call":             {i32s(10), unimplemented, false},
		"proxy_grpc_call":             {i32s(12), unimplemented, false},
		"proxy_grpc_stream":           {i32s(9), unimplemented, false},
		"proxy_grpc_send":             {i32s(4), unimplemented, false},
		"proxy_grpc_cancel":           {i32s(1), unimplemented, false},
		"proxy_grpc_close":            {i32s(1), unimplemented, false},
		"proxy_get_status":            {i32s(3), func(*VM, []uint64) uint32 { return st(StatusNotFound) }, false},
		"proxy_call_foreign_function": {i32s(6), func(*VM, []uint64) uint32 { return st(StatusNotFound) }, false},
	}
}

func unimplemented(*VM, []uint64) uint32 { return uint32(StatusUnimplemented) }

func mapEdit(vm *VM, s []uint64, edit func(m *Headers, k, v string)) uint32 {
	m, status := vm.headerMap(MapType(u32(s, 0)))
	if status != StatusOK {
		return uint32(status)
	}
	k, ok1 := vm.readString(u32(s, 1), u32(s, 2))
	v, ok2 := vm.readString(u32(s, 3), u32(s, 4))
	if !ok1 || !ok2 {
		return uint32(StatusInvalidMemoryAccess)
	}
	edit(m, k, v)
	return uint32(StatusOK)
}

func streamFlag(vm *VM, t StreamType, cont bool) uint32 {
	if t > StreamUpstream {
		return uint32(StatusBadArgument)
	}
	c := vm.cur
	if c == nil || c.root {
		return uint32(StatusNotFound)
	}
	if cont {
		c.continued[t] = true
	} else {
		c.reset[t] = true
	}
	return uint32(StatusOK)
}

// wasiFuncs are the WASI functions Envoy provides to proxy-wasm modules.
func wasiFuncs(r *Runtime) map[string]funcDef {
	i64 := api.ValueTypeI64
	i32 := api.ValueTypeI32
	return map[string]funcDef{
		"fd_write": {i32s(4), func(vm *VM, s []uint64) uint32 {
			fd := u32(s, 0)
			if fd != 1 && fd != 2 {
				return errnoBadf
			}
			iovs, n := u32(s, 1), u32(s, 2)
			var b strings.Builder
			for i := uint32(0); i < n; i++ {
				ptr, ok1 := vm.mem.ReadUint32Le(iovs + 8*i)
				size, ok2 := vm.mem.ReadUint32Le(iovs + 8*i + 4)
				data, ok3 := vm.mem.Read(ptr, size)
				if !ok1 || !ok2 || !ok3 {
					return errnoFault
				}
				b.Write(data)
			}
			if !vm.mem.WriteUint32Le(u32(s, 3), uint32(b.Len())) {
				return errnoFault
			}
			level := LogInfo
			if fd == 2 {
				level = LogError
			}
			if msg := strings.TrimRight(b.String(), "\n"); msg != "" {
				vm.log(vm.cur, level, msg)
			}
			return errnoSuccess
		}, false},
		"fd_read": {i32s(4), func(vm *VM, s []uint64) uint32 {
			if u32(s, 0) != 0 {
				return errnoBadf
			}
			if !vm.mem.WriteUint32Le(u32(s, 3), 0) { // stdin is empty
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"fd_seek": {[]api.ValueType{i32, i64, i32, i32}, func(vm *VM, s []uint64) uint32 {
			if u32(s, 0) <= 2 {
				return errnoSpipe
			}
			return errnoBadf
		}, false},
		"fd_close": {i32s(1), func(vm *VM, s []uint64) uint32 {
			if u32(s, 0) <= 2 {
				return errnoSuccess
			}
			return errnoBadf
		}, false},
		"fd_fdstat_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			if u32(s, 0) > 2 {
				return errnoBadf
			}
			var st [24]byte
			st[0] = 2 // character device
			if !vm.mem.Write(u32(s, 1), st[:]) {
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"fd_prestat_get":      {i32s(2), func(*VM, []uint64) uint32 { return errnoBadf }, false},
		"fd_prestat_dir_name": {i32s(3), func(*VM, []uint64) uint32 { return errnoBadf }, false},
		"environ_sizes_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			size := 0
			for _, e := range vm.p.env {
				size += len(e) + 1
			}
			if !vm.mem.WriteUint32Le(u32(s, 0), uint32(len(vm.p.env))) || !vm.mem.WriteUint32Le(u32(s, 1), uint32(size)) {
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"environ_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			arr, buf := u32(s, 0), u32(s, 1)
			for i, e := range vm.p.env {
				if !vm.mem.WriteUint32Le(arr+4*uint32(i), buf) || !vm.mem.WriteString(buf, e) || !vm.mem.WriteByte(buf+uint32(len(e)), 0) {
					return errnoFault
				}
				buf += uint32(len(e)) + 1
			}
			return errnoSuccess
		}, false},
		"args_sizes_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			if !vm.mem.WriteUint32Le(u32(s, 0), 0) || !vm.mem.WriteUint32Le(u32(s, 1), 0) {
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"args_get": {i32s(2), func(*VM, []uint64) uint32 { return errnoSuccess }, false},
		"proc_exit": {i32s(1), func(vm *VM, s []uint64) uint32 {
			code := u32(s, 0)
			_ = vm.mod.CloseWithExitCode(vm.ctx, code)
			panic(sys.NewExitError(code))
		}, true},
		"clock_time_get": {[]api.ValueType{i32, i64, i32}, func(vm *VM, s []uint64) uint32 {
			var t uint64
			switch u32(s, 0) {
			case 0:
				t = uint64(time.Now().UnixNano())
			case 1:
				t = uint64(time.Since(r.start).Nanoseconds()) + 1
			default:
				return errnoNotsup
			}
			if !vm.mem.WriteUint64Le(u32(s, 2), t) {
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"clock_res_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			if u32(s, 0) > 1 {
				return errnoNotsup
			}
			if !vm.mem.WriteUint64Le(u32(s, 1), 1) {
				return errnoFault
			}
			return errnoSuccess
		}, false},
		"random_get": {i32s(2), func(vm *VM, s []uint64) uint32 {
			n := u32(s, 1)
			if n > 64<<10 {
				return errnoInval
			}
			b, ok := vm.mem.Read(u32(s, 0), n)
			if !ok {
				return errnoFault
			}
			_, _ = rand.Read(b)
			return errnoSuccess
		}, false},
		"sched_yield": {nil, func(*VM, []uint64) uint32 { return errnoSuccess }, false},
		"poll_oneoff": {i32s(4), func(*VM, []uint64) uint32 { return errnoNosys }, false},
	}
}
