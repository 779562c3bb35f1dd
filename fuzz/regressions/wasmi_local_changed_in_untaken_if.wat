;; wasmi 2.0.0 gets a `local.get` value wrong, still on the stack, when a branch not taken
;; at run time would have set that local: `f(x)` pushes `x`, skips the `if` (whose body sets
;; the local to 99) unless `x` is 0, and xors the pushed value into `g`. Each call with `x`
;; other than 0 should xor `x` in: called with 0, 1, i64::MAX and 6038094601263162090 (the
;; argument sets of seed 0), `g` ends as 3185277435591613716 in wasmaot and in wasmtime (its
;; Python package), 0 in wasmi. It needs both the `if`'s parameter and the write of that
;; local in its body (without either, wasmi agrees). Written by hand while tracing diff seed
;; 31011026, whose own mismatch remains without its writes of the local (`../open-findings/`).
;; wasmi differs: global "g": wasmaot I64(3185277435591613716), wasmi I64(0)
(module
  (global (export "g") (mut i64) (i64.const 0))
  (func (export "f") (param i64) (result i64)
    local.get 0
    f32.const 1
    local.get 0
    i64.eqz
    if (param f32) (result f32)
      i64.const 99
      local.set 0
    end
    drop
    global.get 0
    i64.xor
    global.set 0
    local.get 0))
