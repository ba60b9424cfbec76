package host

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/experimental"
)

var errClosed = errors.New("plugin closed")

// TrapError reports a failure inside the guest (a trap, an out-of-memory, an exit). The
// VM is unusable afterwards; the stream that hit it must fail closed.
type TrapError struct {
	VM       int
	Callback string
	Err      error
}

func (e *TrapError) Error() string {
	return fmt.Sprintf("wasm VM %d failed in %s: %v", e.VM, e.Callback, e.Err)
}

func (e *TrapError) Unwrap() error { return e.Err }

type vmKey struct{}

// VM is one instance of the module (Envoy: the VM of one worker thread) with its root
// context configured for the plugin.
type VM struct {
	p     *Plugin
	index int
	mod   api.Module
	mem   api.Memory
	ctx   context.Context

	mu     sync.Mutex
	stack  [8]uint64
	astack [2]uint64
	fn     struct {
		alloc, gc, create, vmStart, configure                   api.Function
		reqHeaders, reqBody, reqTrailers                        api.Function
		respHeaders, respBody, respTrailers, done, log, delete_ api.Function
	}
	root      *Stream
	nextID    uint32
	contexts  map[uint32]*Stream
	cur       *Stream
	failed    error
	closed    bool
	starting  bool
	startLogs []LogEntry
	pluginCfg []byte // set only while proxy_on_configure runs
	scratch   []byte
}

func (p *Plugin) startVM(ctx context.Context, index int) (*VM, error) {
	r := p.rt
	vm := &VM{p: p, index: index, contexts: map[uint32]*Stream{}}
	vm.ctx = experimental.WithMemoryAllocator(context.WithValue(context.Background(), vmKey{}, vm), memoryAllocator())
	name := fmt.Sprintf("vm-%d", r.seq.Add(1))
	// No start functions: the host calls _initialize or _start itself, like Envoy.
	mod, err := r.rt.InstantiateModule(vm.ctx, r.compiled, wazero.NewModuleConfig().WithName(name).WithStartFunctions())
	if err != nil {
		return nil, &StartError{Phase: "instantiate", Err: err}
	}
	vm.mod, vm.mem = mod, mod.Memory()
	if vm.mem == nil {
		mod.Close(ctx)
		return nil, &StartError{Phase: "instantiate", Err: errors.New("the module exports no memory")}
	}
	f := mod.ExportedFunction
	vm.fn.alloc = f(r.allocName)
	if r.opts.GCTorture {
		vm.fn.gc = f(GCExport)
	}
	vm.fn.create = f("proxy_on_context_create")
	vm.fn.vmStart = f("proxy_on_vm_start")
	vm.fn.configure = f("proxy_on_configure")
	vm.fn.reqHeaders = f("proxy_on_request_headers")
	vm.fn.reqBody = f("proxy_on_request_body")
	vm.fn.reqTrailers = f("proxy_on_request_trailers")
	vm.fn.respHeaders = f("proxy_on_response_headers")
	vm.fn.respBody = f("proxy_on_response_body")
	vm.fn.respTrailers = f("proxy_on_response_trailers")
	vm.fn.done = f("proxy_on_done")
	vm.fn.log = f("proxy_on_log")
	vm.fn.delete_ = f("proxy_on_delete")

	vm.mu.Lock()
	defer vm.mu.Unlock()
	vm.starting = true
	defer func() { vm.starting = false }()
	fail := func(phase string, err error) (*VM, error) {
		logs := vm.startLogs
		vm.closeLocked()
		return nil, &StartError{Phase: phase, Logs: logs, Err: err}
	}
	// Integration: _initialize (+ main) for reactors, _start for commands.
	if init := f("_initialize"); init != nil {
		if _, err := vm.call(nil, "_initialize", init, 0); err != nil {
			return fail("_initialize", err)
		}
		if m := f("main"); m != nil {
			vm.stack[0], vm.stack[1] = 0, 0
			if _, err := vm.call(nil, "main", m, 2); err != nil {
				return fail("main", err)
			}
		}
	} else if start := f("_start"); start != nil {
		if _, err := vm.call(nil, "_start", start, 0); err != nil {
			return fail("_start", err)
		}
	}
	vm.nextID++
	vm.root = &Stream{vm: vm, id: vm.nextID, root: true}
	vm.contexts[vm.root.id] = vm.root
	if vm.fn.create != nil {
		vm.stack[0], vm.stack[1] = uint64(vm.root.id), 0
		if _, err := vm.call(vm.root, "proxy_on_context_create", vm.fn.create, 2); err != nil {
			return fail("proxy_on_context_create", err)
		}
	}
	if vm.fn.vmStart != nil {
		vm.stack[0], vm.stack[1] = uint64(vm.root.id), uint64(len(p.opts.VMConfig))
		ok, err := vm.call(vm.root, "proxy_on_vm_start", vm.fn.vmStart, 2)
		if err != nil {
			return fail("proxy_on_vm_start", err)
		}
		if uint32(ok) == 0 {
			return fail("proxy_on_vm_start", nil)
		}
	}
	if vm.fn.configure != nil {
		vm.pluginCfg = p.opts.Config
		vm.stack[0], vm.stack[1] = uint64(vm.root.id), uint64(len(p.opts.Config))
		ok, err := vm.call(vm.root, "proxy_on_configure", vm.fn.configure, 2)
		vm.pluginCfg = nil
		if err != nil {
			return fail("proxy_on_configure", err)
		}
		if uint32(ok) == 0 {
			return fail("proxy_on_configure", nil)
		}
	}
	vm.startLogs = nil
	return vm, nil
}

// call invokes fn with the first n params already in vm.stack, with c as the effective
// context. vm.mu must be held. A guest failure marks the VM failed.
func (vm *VM) call(c *Stream, name string, fn api.Function, n int) (uint64, error) {
	if vm.failed != nil {
		return 0, vm.failed
	}
	if vm.closed {
		return 0, errClosed
	}
	_ = n
	prev := vm.cur
	vm.cur = c
	err := fn.CallWithStack(vm.ctx, vm.stack[:])
	vm.cur = prev
	if err != nil {
		vm.failed = &TrapError{VM: vm.index, Callback: name, Err: err}
		return 0, vm.failed
	}
	return vm.stack[0], nil
}

// allocate returns size bytes of guest memory from the module's allocator, after a
// forced collection in GC-torture mode. It runs inside a host function; a failure panics
// so that the guest call that led here fails.
func (vm *VM) allocate(size uint32) uint32 {
	if vm.fn.gc != nil {
		vm.p.rt.forcedGCs.Add(1)
		if err := vm.fn.gc.CallWithStack(vm.ctx, vm.astack[:]); err != nil {
			panic(fmt.Errorf("%s: %w", GCExport, err))
		}
	}
	vm.astack[0] = uint64(size)
	if err := vm.fn.alloc.CallWithStack(vm.ctx, vm.astack[:]); err != nil {
		panic(fmt.Errorf("%s(%d): %w", vm.p.rt.allocName, size, err))
	}
	ptr := uint32(vm.astack[0])
	if ptr == 0 {
		panic(fmt.Errorf("%s(%d) returned 0", vm.p.rt.allocName, size))
	}
	return ptr
}

// Index is the VM's position in its plugin's pool.
func (vm *VM) Index() int { return vm.index }

// MemorySize returns the size of the VM's linear memory in bytes.
func (vm *VM) MemorySize() uint32 {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.closed {
		return 0
	}
	return vm.mem.Size()
}

// MemoryContains reports whether b appears anywhere in the VM's linear memory (tests
// use it to check that a credential does not linger after a request).
func (vm *VM) MemoryContains(b []byte) bool {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.closed || len(b) == 0 {
		return false
	}
	all, ok := vm.mem.Read(0, vm.mem.Size())
	return ok && bytes.Contains(all, b)
}

// Allocator returns the guest allocator the host uses for this VM.
func (vm *VM) Allocator() string { return vm.p.rt.allocName }

// Failed returns the error that made the VM unusable, or nil.
func (vm *VM) Failed() error {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	return vm.failed
}

// CallExport calls a function the module exports that takes no arguments (a debug
// hook of a test build, such as the gctorture build's wasmauth_debug_mallocs) and
// returns its results.
func (vm *VM) CallExport(name string) ([]uint64, error) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	if vm.closed {
		return nil, errClosed
	}
	f := vm.mod.ExportedFunction(name)
	if f == nil {
		return nil, fmt.Errorf("module does not export %s", name)
	}
	return f.Call(vm.ctx)
}

// Mallocs returns how many heap allocations the module has made so far: the counter
// the gctorture build exports as MallocsExport.
func (vm *VM) Mallocs() (uint64, error) {
	r, err := vm.CallExport(MallocsExport)
	if err != nil {
		return 0, err
	}
	return r[0], nil
}

// NewStream creates a stream context on this VM.
func (vm *VM) NewStream() (*Stream, error) { return vm.newStream() }

func (vm *VM) newStream() (*Stream, error) {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	vm.nextID++
	s := &Stream{vm: vm, id: vm.nextID}
	vm.contexts[s.id] = s
	if vm.fn.create != nil {
		vm.stack[0], vm.stack[1] = uint64(s.id), uint64(vm.root.id)
		if _, err := vm.call(s, "proxy_on_context_create", vm.fn.create, 2); err != nil {
			delete(vm.contexts, s.id)
			return nil, err
		}
	}
	return s, nil
}

func (vm *VM) log(c *Stream, level LogLevel, msg string) {
	opts := &vm.p.opts
	if level < opts.LogLevel {
		return
	}
	var id uint32
	if c != nil {
		id = c.id
	}
	e := LogEntry{VM: vm.index, Context: id, Level: level, Message: msg}
	if vm.starting {
		vm.startLogs = append(vm.startLogs, e)
	}
	if opts.Logger != nil {
		opts.Logger(e)
	}
}

func (vm *VM) close() {
	vm.mu.Lock()
	defer vm.mu.Unlock()
	vm.closeLocked()
}

func (vm *VM) closeLocked() {
	if vm.closed {
		return
	}
	vm.closed = true
	vm.mod.Close(context.Background())
}
