/**
 * Certified accuracy per true class: of each class's points, the share certified at the audit ε
 * (report.certification.certified), with its exact interval, and the same small-sample mark as
 * the per-class robust figures (./per-class.ts). Pure.
 */
import { UsageError } from '../errors';
import type { Certification } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { SMALL_CLASS } from './per-class';

/** One class's certified figures (report.certification.perClass[]). */
export type CertifiedClass = NonNullable<Certification['perClass']>[number];

/**
 * Per class 0 … numClasses − 1: points n, certified points, certified/n and its Clopper–Pearson
 * interval (both null when n = 0), and smallSample (n < SMALL_CLASS).
 * @param labels true label per point, in [0, numClasses).
 * @param certified per point, 1 certified (at the audit ε), 0 not; same length as labels.
 * @throws UsageError when the lengths differ, a label is out of range, or numClasses is not a positive integer.
 */
export function certifiedPerClass(labels: ArrayLike<number>, certified: ArrayLike<number>, numClasses: number): CertifiedClass[] {
  if (!Number.isInteger(numClasses) || numClasses < 1) throw new UsageError(`numClasses must be a positive integer, got ${numClasses}`);
  if (certified.length !== labels.length) throw new UsageError(`certified per class: labels (${labels.length}) and certified flags (${certified.length}) must have one entry per point`);
  const n = new Array<number>(numClasses).fill(0);
  const k = new Array<number>(numClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const t = labels[i];
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses)) throw new UsageError(`label ${t} of point ${i} is outside 0…${numClasses - 1}`);
    n[t]++;
    if (certified[i]) k[t]++;
  }
  return n.map((m, t) => ({
    label: t,
    n: m,
    certified: k[t],
    certifiedAccuracy: m > 0 ? k[t] / m : null,
    certifiedAccuracyInterval: m > 0 ? clopperPearson(k[t], m) : null,
    smallSample: m < SMALL_CLASS,
  }));
}
