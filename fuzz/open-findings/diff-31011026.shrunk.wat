(module
  (type (;0;) (func (param i64 i64) (result i64)))
  (type (;1;) (func (param f32) (result f32)))
  (type (;2;) (func (param f64)))
  (table (;0;) 7 22 funcref)
  (global (;0;) (mut v128) v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000)
  (global (;1;) (mut i64) i64.const 0)
  (global (;2;) (mut i32) i32.const 0)
  (global (;3;) (mut i32) i32.const 0)
  (global (;4;) (mut i64) i64.const 0)
  (global (;5;) (mut i32) i32.const 1)
  (export "v" (func 0))
  (export "" (global 1))
  (func (;0;) (type 0) (param i64 i64) (result i64)
    (local v128)
    global.get 5
    if ;; label = @1
    else
      unreachable
    end
    i32.const 1
    global.set 5
    i64.const 0
    f64.convert_i64_s
    loop (type 2) (param f64) ;; label = @1
      i32.const 0
      if ;; label = @2
        unreachable
      end
      global.get 5
      global.set 5
      f32.demote_f64
      local.get 0
      ref.null extern
      f64.const 0x1p+0 (;=1;)
      i64.const 0
      f32.const 0x1.cf8a38p-4 (;=0.113168925;)
      local.get 0
      i64.eqz
      if (type 1) (param f32) (result f32) ;; label = @2
        i64.trunc_sat_f32_u
        f64.convert_i64_s
        f32.const -0x1.254638p-114 (;=-0.000000000000000000000000000000000055158764;)
        i64.const 1
        f64.convert_i64_s
        i32.const 63
        i32.const 0
        i64.const 0
        f64.reinterpret_i64
        loop (type 2) (param f64) ;; label = @3
          global.get 5
          if ;; label = @4
            unreachable
          end
          i32.const 1
          global.set 5
          loop (type 2) (param f64) ;; label = @4
            i32.const 0
            if ;; label = @5
              unreachable
            end
            i32.const 0
            global.set 5
            i64.trunc_f64_s
            f64.reinterpret_i64
            f64.trunc
            i64.const 1
            f32.convert_i64_s
            br 2 (;@2;)
            i32.trunc_f64_u
            i32.const 0
            i32.rotr
            i32.const 1
            i32.le_u
            v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
            i64.const 0
            i32.const 0
            loop (result i64) ;; label = @5
              global.get 5
              if ;; label = @6
              else
                unreachable
              end
              global.get 5
              global.set 5
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              local.get 0
              f32.convert_i64_s
              v128.const i32x4 0xbf9a4009 0xb3ad7cd9 0xb0991e7b 0x9bc80978
              i32.const 31
              if (result v128) ;; label = @6
                v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                i64.const 0
                ref.null extern
                i32.const 0
                f32.convert_i32_u
                i64.const 0
                f32.convert_i64_s
                i32.const 1
                f64.convert_i32_u
                br 3 (;@3;)
                i32.trunc_sat_f32_s
                i16x8.splat
                i16x8.extract_lane_s 6
                f64.convert_i32_u
                i32.trunc_sat_f64_s
                i32.popcnt
                f32.convert_i32_u
                f32.ceil
                f32.lt
                i32.ctz
                i64.const 0
                f64.convert_i64_s
                i32.const 0
                call_indirect (type 2)
                i32.ctz
                i32.ctz
                f32.convert_i32_s
                f32.floor
                br 1 (;@5;)
                i32.trunc_sat_f32_u
                i16x8.splat
                f32x4.sqrt
                v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                v128.xor
                global.set 0
                drop
                i64.const 0
                i64.xor
                global.set 1
              else
                v128.const i32x4 0xffffffff 0x0000000f 0x00000080 0x00000000
              end
              global.get 0
              v128.xor
              global.set 0
              global.get 0
              v128.xor
              global.set 0
              i32.reinterpret_f32
              global.get 2
              i32.xor
              global.set 2
              global.get 0
              v128.xor
              global.set 0
              i64.const 0
            end
            global.get 1
            i64.xor
            global.set 1
            global.get 3
            i32.xor
            global.set 3
            i64.const 1
            i64.xor
            global.set 1
            global.get 0
            v128.xor
            global.set 0
            i32.const 0
            i32.xor
            global.set 3
          end
        end
        global.get 3
        i32.xor
        global.set 3
        i32.const 1
        i32.xor
        global.set 3
        i64.reinterpret_f64
        global.get 4
        i64.xor
        global.set 4
        i32.reinterpret_f32
        global.get 2
        i32.xor
        global.set 2
        i64.reinterpret_f64
        global.get 4
        i64.xor
        global.set 4
        f32.const -0x1.d506bap+62 (;=-8449226000000000000;)
      end
      i32.reinterpret_f32
      i32.const 1
      i32.xor
      global.set 2
      global.get 1
      i64.xor
      global.set 1
      i64.reinterpret_f64
      global.get 4
      i64.xor
      global.set 4
      drop
      global.get 1
      i64.xor
      global.set 1
      i32.reinterpret_f32
      global.get 2
      i32.xor
      global.set 2
    end
    i64.const 1
  )
)
