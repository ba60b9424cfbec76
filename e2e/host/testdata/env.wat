;; A proxy-wasm module that logs its WASI environment from proxy_on_vm_start, so the
;; host tests can check per-VM environment variables (WasmPlugin vmConfig.env).
;; Rebuild with: wat2wasm env.wat -o env.wasm
(module
  (import "wasi_snapshot_preview1" "environ_sizes_get" (func $sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $get (param i32 i32) (result i32)))
  (import "env" "proxy_log" (func $log (param i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (func (export "proxy_on_memory_allocate") (param i32) (result i32) (i32.const 8192))
  (func (export "proxy_on_vm_start") (param i32 i32) (result i32)
    ;; count at 0, buffer size at 4, pointer array at 16, strings at 256
    (drop (call $sizes (i32.const 0) (i32.const 4)))
    (drop (call $get (i32.const 16) (i32.const 256)))
    ;; log the strings, then the pointer to the second one (must be 256 + len(first) + 1)
    (drop (call $log (i32.const 2) (i32.const 256) (i32.load (i32.const 4))))
    (i32.ne (i32.load (i32.const 0)) (i32.const 0)))
)
