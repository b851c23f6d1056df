/** Seeded randomness shared by tests, the batch-agreement check and the attacks. */

/** Deterministic PRNG (mulberry32): returns a function yielding uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** murmur3's 32-bit finaliser: a bijective avalanche mix of a 32-bit integer. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The random stream of one sample: mulberry32 seeded from a hash of (seed, id, stream), where
 * `id` is the sample's index in the caller's original batch (AttackBatch.ids) and `stream`
 * separates independent uses (restart, target run, …). A sample's draws therefore depend only on
 * these three numbers, never on which other samples share the batch: an attack run on a subset
 * of a batch (a cascade stage) draws for each sample exactly what it draws in the full batch.
 */
export function sampleRng(seed: number, id: number, stream = 0): () => number {
  let h = mix32((seed >>> 0) ^ 0x9e3779b9);
  h = mix32((h ^ (id >>> 0)) + 0x7f4a7c15);
  h = mix32((h ^ (stream >>> 0)) + 0x94d049bb);
  return mulberry32(h);
}
