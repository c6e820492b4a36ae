import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { compileKernel } from '../scripts/build-wasm.mjs';
import { FIR_KERNEL_WASM_BASE64 } from '../src/resample/fir-kernel-wasm.js';

describe('the WebAssembly kernel', () => {
  it('is the committed build of fir-kernel.wat (run build:wasm after editing it)', async () => {
    expect(await compileKernel()).toBe(FIR_KERNEL_WASM_BASE64);
  });
});
