;; wasmi 2.0.0 gets `select` wrong when its condition is `i32.eqz` of its second operand:
;; f(-1) gives 1 where the spec (and wasmaot and wasmtime) give -1. This is how wasm-smith's
;; trap-free mode guards every divisor (`select(1, x, x == 0)`), so wasmi traps with "integer
;; divide by zero" or divides by the wrong number; the differential target leaves that mode
;; off while the pinned wasmi has the bug. Found by diff seeds 123, 1256, 5001250, 5003421,
;; 5004139 (minimised from 5003421).
;; wasmi differs: wasmi returned [I32(1)]
(module
  (func (export "f") (param i32) (result i32)
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select))
