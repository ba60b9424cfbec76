package host

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// Allocator names: the guest function the host calls to allocate memory for data it
// returns to the guest.
const (
	AllocMalloc   = "malloc"
	AllocOnMemory = "proxy_on_memory_allocate"
	// GCExport is the export of the gctorture build that runs a garbage collection.
	GCExport = "wasmauth_debug_gc"
	// MallocsExport is the export of the gctorture build that returns how many heap
	// allocations the module has made so far.
	MallocsExport = "wasmauth_debug_mallocs"
)

// RuntimeOptions configure a Runtime.
type RuntimeOptions struct {
	// GCTorture calls the module's wasmauth_debug_gc export before every guest
	// allocation the host requests. NewRuntime fails when the module lacks it.
	GCTorture bool
	// MemoryLimitPages caps each VM's linear memory (64 KiB pages); 0 keeps wazero's
	// default (4 GiB).
	MemoryLimitPages uint32
	// HeaderMapPairs, when set, stands in for a faulty host: proxy_get_header_map_pairs
	// returns its status and, on StatusOK, the bytes it makes of the correct encoding.
	HeaderMapPairs func(encoded []byte) ([]byte, Status)
}

// Runtime is one compiled proxy-wasm module plus the state Envoy shares between all VMs
// of that module: shared data, shared queues and metrics. Plugins (each a set of VMs with
// one plugin configuration) are created from it.
type Runtime struct {
	rt        wazero.Runtime
	compiled  wazero.CompiledModule
	opts      RuntimeOptions
	allocName string
	start     time.Time
	seq       atomic.Uint64
	forcedGCs atomic.Int64

	shared  sharedStore
	queues  queueStore
	metrics metricStore
}

// NewRuntime compiles a proxy-wasm module. It picks the allocator exactly as Envoy's
// proxy-wasm-cpp-host does: an exported malloc first, proxy_on_memory_allocate otherwise.
func NewRuntime(ctx context.Context, wasm []byte, opts RuntimeOptions) (*Runtime, error) {
	cfg := wazero.NewRuntimeConfig().WithCloseOnContextDone(false)
	if opts.MemoryLimitPages > 0 {
		cfg = cfg.WithMemoryLimitPages(opts.MemoryLimitPages)
	}
	rt := wazero.NewRuntimeWithConfig(ctx, cfg)
	r := &Runtime{rt: rt, opts: opts, start: time.Now()}
	r.shared.init()
	r.queues.init()
	r.metrics.init()
	if err := r.instantiateHostModules(ctx); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("compiling the module: %w", err)
	}
	r.compiled = compiled
	exports := compiled.ExportedFunctions()
	switch {
	case exports[AllocMalloc] != nil:
		r.allocName = AllocMalloc
	case exports[AllocOnMemory] != nil:
		r.allocName = AllocOnMemory
	default:
		rt.Close(ctx)
		return nil, errors.New("the module exports neither malloc nor proxy_on_memory_allocate: the host cannot return data to it")
	}
	if err := checkAllocSignature(exports[r.allocName]); err != nil {
		rt.Close(ctx)
		return nil, err
	}
	if opts.GCTorture && exports[GCExport] == nil {
		rt.Close(ctx)
		return nil, fmt.Errorf("GC torture requested but the module does not export %s (build it with -tags=gctorture)", GCExport)
	}
	return r, nil
}

func checkAllocSignature(def api.FunctionDefinition) error {
	p, res := def.ParamTypes(), def.ResultTypes()
	if len(p) != 1 || p[0] != api.ValueTypeI32 || len(res) != 1 || res[0] != api.ValueTypeI32 {
		return fmt.Errorf("allocator %s has signature %v -> %v, want (i32) -> i32", def.ExportNames(), p, res)
	}
	return nil
}

// Allocator returns the name of the guest allocator the host uses: "malloc" or
// "proxy_on_memory_allocate".
func (r *Runtime) Allocator() string { return r.allocName }

// Exports lists the module's exported function names.
func (r *Runtime) Exports() []string {
	var out []string
	for name := range r.compiled.ExportedFunctions() {
		out = append(out, name)
	}
	return out
}

// ForcedGCs returns how many collections GC-torture mode has forced so far.
func (r *Runtime) ForcedGCs() int64 { return r.forcedGCs.Load() }

// Close releases the runtime and every VM created from it.
func (r *Runtime) Close(ctx context.Context) error { return r.rt.Close(ctx) }

// Metric is a metric's current state.
type Metric struct {
	Type  MetricType
	Name  string
	Value int64 // counter or gauge value, last recorded histogram value
	Count int64 // histogram: number of recorded values
	Sum   int64 // histogram: sum of recorded values
}

// Metric returns the metric called name, if the module defined one.
func (r *Runtime) Metric(name string) (Metric, bool) { return r.metrics.byName(name) }

// Metrics returns every defined metric.
func (r *Runtime) Metrics() []Metric { return r.metrics.all() }

// SharedData returns the value and CAS of a shared-data key.
func (r *Runtime) SharedData(key string) ([]byte, uint32, bool) { return r.shared.get(key) }

// SharedDataKeys returns every shared-data key, sorted.
func (r *Runtime) SharedDataKeys() []string { return r.shared.keys() }

// SetSharedData sets a shared-data key with Envoy's CAS semantics (cas 0 = unconditional).
func (r *Runtime) SetSharedData(key string, value []byte, cas uint32) Status {
	return r.shared.set(key, value, cas)
}

// sharedStore is proxy_{get,set}_shared_data: one store for every VM of the runtime.
type sharedStore struct {
	mu   sync.Mutex
	data map[string]sharedValue
	cas  uint32
}

type sharedValue struct {
	value []byte
	cas   uint32
}

func (s *sharedStore) init() { s.data = map[string]sharedValue{} }

func (s *sharedStore) get(key string) ([]byte, uint32, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.data[key]
	return v.value, v.cas, ok
}

func (s *sharedStore) keys() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.data))
	for k := range s.data {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *sharedStore) set(key string, value []byte, cas uint32) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.data[key]
	if cas != 0 && ok && old.cas != cas {
		return StatusCASMismatch
	}
	s.cas++
	if s.cas == 0 {
		s.cas = 1
	}
	s.data[key] = sharedValue{value: append([]byte(nil), value...), cas: s.cas}
	return StatusOK
}

// queueStore is the shared queues: registered by name, FIFO of byte strings.
type queueStore struct {
	mu     sync.Mutex
	byName map[string]uint32
	queues map[uint32][][]byte
	next   uint32
}

func (q *queueStore) init() {
	q.byName = map[string]uint32{}
	q.queues = map[uint32][][]byte{}
}

func (q *queueStore) register(vmID, name string) uint32 {
	q.mu.Lock()
	defer q.mu.Unlock()
	key := vmID + "\x00" + name
	if id, ok := q.byName[key]; ok {
		return id
	}
	q.next++
	q.byName[key] = q.next
	q.queues[q.next] = nil
	return q.next
}

func (q *queueStore) resolve(vmID, name string) (uint32, bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	id, ok := q.byName[vmID+"\x00"+name]
	return id, ok
}

func (q *queueStore) enqueue(id uint32, v []byte) Status {
	q.mu.Lock()
	defer q.mu.Unlock()
	items, ok := q.queues[id]
	if !ok {
		return StatusNotFound
	}
	q.queues[id] = append(items, append([]byte(nil), v...))
	return StatusOK
}

func (q *queueStore) dequeue(id uint32) ([]byte, Status) {
	q.mu.Lock()
	defer q.mu.Unlock()
	items, ok := q.queues[id]
	if !ok {
		return nil, StatusNotFound
	}
	if len(items) == 0 {
		return nil, StatusEmpty
	}
	q.queues[id] = items[1:]
	return items[0], StatusOK
}

// metricStore holds metrics by id; defining a name twice returns the same id.
type metricStore struct {
	mu   sync.Mutex
	byID []*Metric
	byNm map[string]uint32
}

func (m *metricStore) init() { m.byNm = map[string]uint32{} }

func (m *metricStore) define(t MetricType, name string) (uint32, Status) {
	if t > MetricHistogram {
		return 0, StatusBadArgument
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if id, ok := m.byNm[name]; ok {
		if m.byID[id-1].Type != t {
			return 0, StatusBadArgument
		}
		return id, StatusOK
	}
	m.byID = append(m.byID, &Metric{Type: t, Name: name})
	id := uint32(len(m.byID))
	m.byNm[name] = id
	return id, StatusOK
}

func (m *metricStore) lookup(id uint32) *Metric {
	if id == 0 || int(id) > len(m.byID) {
		return nil
	}
	return m.byID[id-1]
}

func (m *metricStore) increment(id uint32, delta int64) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := m.lookup(id)
	switch {
	case x == nil:
		return StatusNotFound
	case x.Type == MetricHistogram:
		return StatusBadArgument
	case x.Type == MetricCounter && delta < 0:
		return StatusBadArgument
	}
	x.Value += delta
	return StatusOK
}

func (m *metricStore) record(id uint32, v uint64) Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := m.lookup(id)
	if x == nil {
		return StatusNotFound
	}
	x.Value = int64(v)
	if x.Type == MetricHistogram {
		x.Count++
		x.Sum += int64(v)
	}
	return StatusOK
}

func (m *metricStore) get(id uint32) (uint64, Status) {
	m.mu.Lock()
	defer m.mu.Unlock()
	x := m.lookup(id)
	if x == nil {
		return 0, StatusNotFound
	}
	if x.Type == MetricHistogram {
		return 0, StatusBadArgument
	}
	return uint64(x.Value), StatusOK
}

func (m *metricStore) byName(name string) (Metric, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	id, ok := m.byNm[name]
	if !ok {
		return Metric{}, false
	}
	return *m.byID[id-1], true
}

func (m *metricStore) all() []Metric {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]Metric, 0, len(m.byID))
	for _, x := range m.byID {
		out = append(out, *x)
	}
	return out
}
