;; wasmi 2.0.0 traps with "integer divide by zero" on a divisor that `select` makes 1, after
;; a block left by a `br_if` on a comparison with a 64-bit memory's size; wasmaot and
;; wasmtime return 0. Found by diff seeds 123 and 1256.
;; wasmi differs: wasmaot returned [I32(0)], wasmi trapped: integer divide by zero
(module
  (memory i64 1)
  (func (export "f") (param i32) (result i32)
    (local i64 i32 i32)
    local.get 2
    block
      memory.size
      local.get 1
      i64.le_u
      br_if 0
    end
    i32.const 1
    local.get 3
    local.get 3
    i32.eqz
    select
    i32.div_u))
