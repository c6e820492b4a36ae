;; Polyphase FIR kernel for @patchbay/audio, in WebAssembly SIMD (f32x4).
;; Source of fir-kernel-wasm.ts; rebuild with `pnpm --filter @patchbay/audio build:wasm`.
;;
;; `emit` runs the whole output loop of one stage for one chunk, so JavaScript
;; crosses into WebAssembly once per chunk, not once per sample. Memory holds,
;; from offsets the caller picks: coefficients (f32, each phase front-padded
;; with zeros to a multiple of 4 taps), a phase table (i32 start, length, lead
;; per phase), the input history (f32) and the output (f32). The final phase
;; and newest-input index are written back to bytes 0 and 4.
;;
;; `widen` and `narrow` move 16-bit PCM in and out of the float history and
;; output, eight samples an instruction; `narrow` rounds as JavaScript's
;; Math.round does (floor of x + 0.5, exact in f32 for every value that
;; fits 16 bits) and saturates as the JavaScript path clamps.
(module
  (memory (export "memory") 1)

  (func (export "emit")
    (param $coef i32) (param $table i32) (param $hist i32) (param $out i32)
    (param $held i32) (param $phase i32) (param $newest i32) (param $limit i32)
    (param $up i32) (param $stepWhole i32) (param $stepFraction i32)
    (result i32)
    (local $written i32) (local $entry i32) (local $c i32) (local $h i32) (local $end i32)
    (local $acc0 v128) (local $acc1 v128)

    (block $done
      (loop $outputs
        (br_if $done (i32.ge_s (local.get $newest) (local.get $held)))
        (br_if $done (i32.ge_u (local.get $written) (local.get $limit)))

        (local.set $entry (i32.add (local.get $table) (i32.mul (local.get $phase) (i32.const 12))))
        (local.set $c (i32.add (local.get $coef) (i32.shl (i32.load (local.get $entry)) (i32.const 2))))
        (local.set $end (i32.add (local.get $c)
          (i32.shl (i32.load offset=4 (local.get $entry)) (i32.const 2))))
        (local.set $h (i32.add (local.get $hist)
          (i32.shl (i32.sub (local.get $newest) (i32.load offset=8 (local.get $entry))) (i32.const 2))))

        ;; Two accumulators, eight taps a turn: each add does not wait for the last.
        (local.set $acc0 (v128.const f32x4 0 0 0 0))
        (local.set $acc1 (v128.const f32x4 0 0 0 0))
        (block $pairs_done
          (loop $pairs
            (br_if $pairs_done (i32.gt_u (i32.add (local.get $c) (i32.const 32)) (local.get $end)))
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $h)))))
            (local.set $acc1 (f32x4.add (local.get $acc1)
              (f32x4.mul (v128.load offset=16 (local.get $c)) (v128.load offset=16 (local.get $h)))))
            (local.set $c (i32.add (local.get $c) (i32.const 32)))
            (local.set $h (i32.add (local.get $h) (i32.const 32)))
            (br $pairs)))
        (if (i32.lt_u (local.get $c) (local.get $end))
          (then
            (local.set $acc0 (f32x4.add (local.get $acc0)
              (f32x4.mul (v128.load (local.get $c)) (v128.load (local.get $h)))))))

        (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $acc1)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $written) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc0)) (f32x4.extract_lane 1 (local.get $acc0)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc0)) (f32x4.extract_lane 3 (local.get $acc0)))))
        (local.set $written (i32.add (local.get $written) (i32.const 1)))

        (local.set $phase (i32.add (local.get $phase) (local.get $stepFraction)))
        (local.set $newest (i32.add (local.get $newest) (local.get $stepWhole)))
        (if (i32.ge_u (local.get $phase) (local.get $up))
          (then
            (local.set $phase (i32.sub (local.get $phase) (local.get $up)))
            (local.set $newest (i32.add (local.get $newest) (i32.const 1)))))
        (br $outputs)))

    (i32.store (i32.const 0) (local.get $phase))
    (i32.store (i32.const 4) (local.get $newest))
    (local.get $written))

  (func (export "widen") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32) (local $v v128)
    (local.set $end (i32.add (local.get $src) (i32.shl (local.get $count) (i32.const 1))))
    (block $eights_done
      (loop $eights
        (br_if $eights_done (i32.gt_u (i32.add (local.get $src) (i32.const 16)) (local.get $end)))
        (local.set $v (v128.load (local.get $src)))
        (v128.store (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_low_i16x8_s (local.get $v))))
        (v128.store offset=16 (local.get $dst)
          (f32x4.convert_i32x4_s (i32x4.extend_high_i16x8_s (local.get $v))))
        (local.set $src (i32.add (local.get $src) (i32.const 16)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 32)))
        (br $eights)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_u (local.get $src) (local.get $end)))
        (f32.store (local.get $dst) (f32.convert_i32_s (i32.load16_s (local.get $src))))
        (local.set $src (i32.add (local.get $src) (i32.const 2)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 4)))
        (br $rest))))

  (func (export "narrow") (param $src i32) (param $dst i32) (param $count i32)
    (local $end i32) (local $half v128) (local $x i32)
    (local.set $end (i32.add (local.get $dst) (i32.shl (local.get $count) (i32.const 1))))
    (local.set $half (f32x4.splat (f32.const 0.5)))
    (block $eights_done
      (loop $eights
        (br_if $eights_done (i32.gt_u (i32.add (local.get $dst) (i32.const 16)) (local.get $end)))
        (v128.store (local.get $dst)
          (i16x8.narrow_i32x4_s
            (i32x4.trunc_sat_f32x4_s
              (f32x4.floor (f32x4.add (v128.load (local.get $src)) (local.get $half))))
            (i32x4.trunc_sat_f32x4_s
              (f32x4.floor (f32x4.add (v128.load offset=16 (local.get $src)) (local.get $half))))))
        (local.set $src (i32.add (local.get $src) (i32.const 32)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 16)))
        (br $eights)))
    (block $rest_done
      (loop $rest
        (br_if $rest_done (i32.ge_u (local.get $dst) (local.get $end)))
        (local.set $x (i32.trunc_sat_f32_s
          (f32.floor (f32.add (f32.load (local.get $src)) (f32.const 0.5)))))
        (local.set $x (select (i32.const 32767) (local.get $x)
          (i32.gt_s (local.get $x) (i32.const 32767))))
        (local.set $x (select (i32.const -32768) (local.get $x)
          (i32.lt_s (local.get $x) (i32.const -32768))))
        (i32.store16 (local.get $dst) (local.get $x))
        (local.set $src (i32.add (local.get $src) (i32.const 4)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 2)))
        (br $rest))))
)
