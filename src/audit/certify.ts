/**
 * Certification of an evaluation set: per point, whether a bound graph proves every margin
 * logit_y − logit_j > 0 over the whole threat box (src/bounds, src/model/certifier.ts), with the
 * certified accuracy and its Clopper–Pearson interval. A model whose graph has an op without a
 * bound rule certifies nothing, and the reason says which op.
 *
 * Soundness: a certified point that an attack broke (a verified adversarial example inside the
 * same threat set) proves a bug in a bound rule; `assertSound` stops the audit with it.
 */
import { InternalError, SoundnessViolation } from '../errors';
import { threatBox64, certifiedMargin } from '../bounds/threat-box';
import type { Certifier, BoundMethod } from '../model/certifier';
import type { Norm } from '../attacks/types';
import { clopperPearson, ProportionInterval } from '../util/clopper-pearson';

/** The points and threat model to certify. */
export interface CertifyInput {
  x: Float32Array;
  y: Int32Array;
  n: number;
  lower: Float32Array;
  upper: Float32Array;
  norm: Norm;
  eps: number;
}

export interface CertifyResult {
  method: BoundMethod;
  norm: Norm;
  eps: number;
  /** 1 where certified. */
  certified: Uint8Array;
  /** Per point, the smallest lower bound of logit_y − logit_j over j ≠ y (certified iff > 0). */
  margins: Float64Array;
  certifiedAccuracy: number;
  interval: ProportionInterval;
  /** Why nothing could be certified (an op without a bound rule), when that is so. */
  unsupported?: string;
  /** Method 'best': per method, the points it certifies on its own. */
  byMethod?: Record<string, number>;
  seconds: number;
}

/**
 * Certifies every point with `certifier` (undefined with `unsupported` when the bound graph could
 * not be built: every point is then not certified, with that reason).
 */
export async function certifyPoints(
  certifier: Certifier | undefined, input: CertifyInput, method: BoundMethod, opts: { unsupported?: string; signal?: AbortSignal } = {},
): Promise<CertifyResult> {
  const t0 = performance.now();
  const { n } = input;
  const certified = new Uint8Array(n);
  const margins = new Float64Array(n).fill(-Infinity);
  let byMethod: Record<string, number> | undefined;
  if (certifier) {
    if (input.norm !== 'linf' && input.norm !== 'l2') throw new InternalError(`unknown norm ${String(input.norm)}`);
    // The L2 ball lies inside the L∞ box of the same radius: sound for IBP; CROWN concretises over the ball.
    const box = threatBox64(input.x, input.eps, input.lower, input.upper);
    const K = certifier.numClasses;
    const l2 = input.norm === 'l2' ? { x: input.x, eps: input.eps } : undefined;
    // Method 'best' runs its parts one by one (the same bounds as its own call), to say which certifies what.
    // Per class the largest bound of any part (each is a lower bound), so a point may be certified by their combination.
    const parts = certifier.parts?.length ? certifier.parts : [certifier];
    let best: Float32Array | undefined;
    for (const part of parts) {
      const b = await part.marginLowerBounds(box.lo, box.hi, n, input.y, opts.signal, l2);
      if (certifier.parts?.length) {
        let own = 0;
        for (let i = 0; i < n; i++) if (certifiedMargin(b, i, K, input.y[i]).certified) own++;
        (byMethod ??= {})[part.method] = own;
      }
      best = best ? best.map((v, i) => Math.max(v, b[i])) : b;
    }
    for (let i = 0; i < n; i++) {
      const m = certifiedMargin(best!, i, K, input.y[i]);
      certified[i] = m.certified ? 1 : 0;
      margins[i] = m.margin;
    }
  }
  const k = certified.reduce((s, v) => s + v, 0);
  return {
    method, norm: input.norm, eps: input.eps, certified, margins,
    certifiedAccuracy: n ? k / n : 0, interval: clopperPearson(k, n),
    ...(certifier ? {} : { unsupported: opts.unsupported ?? 'no bound graph' }),
    ...(byMethod ? { byMethod } : {}),
    seconds: (performance.now() - t0) / 1000,
  };
}

/**
 * Checks certified ⇒ not broken, per point. `broken[i]` = 1 where an attack's verified
 * adversarial example exists (clean-misclassified points count as broken: a certificate covers x).
 * @throws SoundnessViolation naming the points.
 */
export function assertSound(certified: Uint8Array, broken: Uint8Array, what: string): void {
  const bad: number[] = [];
  for (let i = 0; i < certified.length; i++) if (certified[i] && broken[i]) bad.push(i);
  if (bad.length) {
    throw new SoundnessViolation(
      `soundness violation: ${bad.length} point(s) certified by ${what} were broken by an attack (first: ${bad.slice(0, 10).join(', ')}); the bounds are wrong, so no certificate of this run can be trusted`,
      { points: bad.slice(0, 100), method: what },
    );
  }
}
