(module
  (type (;0;) (func (param i32) (result i32)))
  (type (;1;) (func (param f64)))
  (type (;2;) (func))
  (type (;3;) (func (param v128)))
  (type (;4;) (func))
  (global (;0;) (mut v128) v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000)
  (global (;1;) (mut i32) i32.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (global (;3;) (mut i32) i32.const 0)
  (global (;4;) (mut i64) i64.const 0)
  (global (;5;) (mut i32) i32.const 0)
  (export "" (func 0))
  (export "8" (global 2))
  (export "fuzz:fuel" (global 5))
  (func (;0;) (type 1) (param f64)
    (local f32 i64)
    global.get 5
    i32.eqz
    if ;; label = @1
      unreachable
    end
    global.get 5
    global.set 5
    ref.null extern
    v128.const i32x4 0x8f8324d8 0xacaacd87 0x1a17ad75 0xc2d51c60
    block (type 3) (param v128) ;; label = @1
      i64x2.abs
      i32x4.trunc_sat_f64x2_s_zero
      i16x8.extend_high_i8x16_s
      f64x2.sqrt
      f64x2.sqrt
      loop ;; label = @2
        global.get 5
        i32.eqz
        if ;; label = @3
          unreachable
        end
        global.get 5
        global.set 5
        i32.const 2021890070
        loop (type 2) ;; label = @3
          global.get 5
          i32.eqz
          if ;; label = @4
            unreachable
          end
          global.get 5
          global.set 5
          block ;; label = @4
            local.get 0
            ref.null func
            ref.null extern
            i32.const 0
            f64.const 0x1.ffcp-1064 (;=0.000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000010114;)
            f64x2.splat
            i64x2.bitmask
            if (type 0) (param i32) (result i32) ;; label = @5
              i32.eqz
              v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
              i8x16.extract_lane_u 10
              f32.convert_i32_u
              i64.const 0
              f64.const 0x1.p-1060 (;=0.00000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008095;)
              f64.const -0x1.da893d9903efbp+34 (;=-31845578340.061504;)
              f64.add
              block (type 2) ;; label = @6
                loop ;; label = @7
                  i32.const 1
                  i32.eqz
                  if ;; label = @8
                    unreachable
                  end
                  global.get 5
                  global.set 5
                  i32.const 1
                  f32.reinterpret_i32
                  br 7
                  f32.neg
                  loop (type 4) ;; label = @8
                    global.get 5
                    if ;; label = @9
                      unreachable
                    end
                    global.get 5
                    global.set 5
                    i32.const 0
                    i64.const 0
                    i32.const 1799078980
                    br_table 0 (;@8;) 1 (;@7;) 2 (;@6;) 4 (;@4;) 5 (;@3;) 6 (;@2;) 7 (;@1;) 8 0 (;@8;)
                    v128.const i32x4 0x37dd14b5 0xa76a0e34 0x9a5bfcd8 0xbeb905db
                    f64.const -0x1.c210b00e06dfap-170 (;=-0.0000000000000000000000000000000000000000000000000011747249486380759;)
                    local.tee 0
                    i32.const 1
                    loop (type 4) ;; label = @9
                      global.get 5
                      i32.eqz
                      i32.eqz
                      if ;; label = @10
                        nop
                      else
                        unreachable
                      end
                      global.get 5
                      global.set 5
                      i32.const 1
                      f32.reinterpret_i32
                      f64.const 0x1.4cbe03c54f994p+1015 (;=456366309800504100000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
                      i32.trunc_f64_s
                      loop (type 2) ;; label = @10
                        global.get 5
                        if ;; label = @11
                          unreachable
                        end
                        global.get 5
                        global.set 5
                        f32.const -0x1p+125 (;=-42535296000000000000000000000000000000;)
                        local.set 1
                        i32.const -1903888130
                        if ;; label = @11
                        end
                        br 7 (;@3;)
                        i32.const 1
                        f32.convert_i32_u
                        i32.const 0
                        i64.const 0
                        f64.const -nan:0xfffffffff0000 (;=NaN;)
                        call 0
                        nop
                        f32.const 0x1.5c1e86p+107 (;=220646780000000000000000000000000;)
                        block (type 4) ;; label = @11
                          v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                          f32.const 0x1.fffffep+0 (;=1.9999999;)
                          f64.promote_f32
                          f32.const -0x1.b1bc3ap+6 (;=-108.433815;)
                          i64.const -17592186044417
                          br 11
                          local.set 2
                          f32.sqrt
                          f32.sqrt
                          f32.ceil
                          local.set 1
                          block (type 4) ;; label = @12
                            i32.const 1
                            f64.convert_i32_u
                            block (type 4) ;; label = @13
                              block (result v128) ;; label = @14
                                i32.const 0
                                if (type 4) ;; label = @15
                                end
                                ref.null extern
                                i64.const 0
                                local.set 2
                                i32.const 0
                                i32.extend16_s
                                br_if 6 (;@8;)
                                ref.null extern
                                i32.const 1
                                block (type 4) ;; label = @15
                                  block (type 4) ;; label = @16
                                    br 6 (;@10;)
                                    global.get 0
                                    global.set 0
                                  end
                                end
                                global.get 1
                                i32.xor
                                global.set 1
                                drop
                                drop
                                v128.const i32x4 0x00000000 0xfffff800 0xffffffff 0xfffff7ff
                              end
                              global.get 0
                              v128.xor
                              global.set 0
                            end
                            i64.reinterpret_f64
                            i64.const 0
                            i64.xor
                            global.set 2
                          end
                          i64.reinterpret_f64
                          global.get 2
                          i64.xor
                          global.set 2
                          global.get 0
                          v128.xor
                          global.set 0
                        end
                        i32.reinterpret_f32
                        global.get 3
                        i32.xor
                        global.set 3
                        global.get 4
                        i64.xor
                        global.set 4
                        global.get 1
                        i32.xor
                        global.set 1
                        i32.reinterpret_f32
                        global.get 3
                        i32.xor
                        global.set 3
                      end
                      global.get 1
                      i32.xor
                      global.set 1
                      i32.reinterpret_f32
                      i32.const 0
                      i32.xor
                      global.set 3
                    end
                    global.get 1
                    i32.xor
                    global.set 1
                    i64.reinterpret_f64
                    global.get 2
                    i64.xor
                    global.set 2
                    v128.const i32x4 0x00000000 0x00000000 0x00000000 0x00000000
                    v128.xor
                    global.set 0
                    global.get 4
                    i64.xor
                    global.set 4
                    global.get 1
                    i32.xor
                    global.set 1
                  end
                  i32.reinterpret_f32
                  global.get 3
                  i32.xor
                  global.set 3
                end
              end
              i64.reinterpret_f64
              global.get 2
              i64.xor
              global.set 2
              global.get 4
              i64.xor
              global.set 4
              i32.reinterpret_f32
              i32.const 1
              i32.xor
              global.set 3
            end
            global.get 1
            i32.xor
            global.set 1
            drop
            drop
            i64.reinterpret_f64
            global.get 2
            i64.xor
            global.set 2
          end
        end
        global.get 1
        i32.xor
        global.set 1
      end
      global.get 0
      v128.xor
      global.set 0
    end
    drop
  )
)
