;; A proxy-wasm module whose request-headers callback traps (unreachable).
;; The host tests use it to prove that a guest trap fails the stream closed and
;; never crashes the host. Rebuild with: wat2wasm trap.wat -o trap.wasm
(module
  (memory (export "memory") 1)
  (global $next (mut i32) (i32.const 1024))
  (func (export "proxy_on_memory_allocate") (param $size i32) (result i32)
    (local $p i32)
    (local.set $p (global.get $next))
    (global.set $next (i32.add (global.get $next) (local.get $size)))
    (local.get $p))
  (func (export "proxy_on_context_create") (param i32 i32))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_configure") (param i32 i32) (result i32) (i32.const 1))
  (func (export "proxy_on_request_headers") (param i32 i32 i32) (result i32)
    unreachable)
  (func (export "proxy_abi_version_0_2_1"))
)
