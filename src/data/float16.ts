/**
 * IEEE 754 binary16 (half precision) conversions. Node 20 has no Float16Array, so float16 NPY
 * data is widened to float32 on read and narrowed (round to nearest, ties to even) on write.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of a binary16 bit pattern (exact in float32). */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

/** The binary16 bit pattern nearest to `value` (first rounded to float32); NaN stays NaN. */
export function floatToHalfBits(value: number): number {
  f32[0] = value;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent32 = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent32 === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >>> 13) : 0);
  const exponent = exponent32 - 127 + 15;
  if (exponent >= 0x1f) return sign | 0x7c00;
  if (exponent <= 0) return sign | roundShift(mantissa | 0x800000, 14 - exponent);
  // Normal: a carry out of the mantissa correctly bumps the exponent (and 65520+ to Infinity).
  return sign | roundShift((exponent << 23) | mantissa, 13);
}

/** `value >> shift`, rounded to nearest with ties to even; 0 when everything is shifted out. */
function roundShift(value: number, shift: number): number {
  if (shift > 24) return 0;
  const kept = value >>> shift;
  const rest = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return rest > half || (rest === half && kept & 1) ? kept + 1 : kept;
}
