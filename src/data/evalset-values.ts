/**
 * The value checks an evaluation set passes on loading and in validateEvalSet: finite inputs and
 * bounds, lower ≤ x ≤ upper, labels in range. Each error counts the offending positions and names
 * the first as a multi-index, e.g. "x has 3 non-finite value(s) (first: NaN at index [0, 2, 5, 1])".
 */
import { DataError } from '../errors';
import { formatShape } from './npy';

/** Absolute slack allowed when checking lower ≤ x ≤ upper. */
export const BOUNDS_TOLERANCE = 1e-6;
/** The bounds an evaluation set without 'lower'/'upper' arrays gets. */
export const DEFAULT_LOWER = 0;
export const DEFAULT_UPPER = 1;

/** The arrays of an evaluation set (EvalSet extends it), the ones the value checks read. */
export interface EvalSetValues {
  /** Inputs, C order, `xShape` = [n, ...sampleShape]. */
  x: Float32Array;
  xShape: number[];
  /** True labels, length n. */
  y: Int32Array;
  /** Target classes for targeted attacks, length n. */
  target?: Int32Array;
  /** Elementwise input bounds, materialised to x's full size. */
  lower: Float32Array;
  upper: Float32Array;
}

/**
 * The value rules of an evaluation set: x, lower and upper finite, lower ≤ upper, x within
 * [lower, upper] up to BOUNDS_TOLERANCE, labels and targets non-negative and below `numClasses`
 * when given. `defaultBounds` adds a hint that the bounds were the defaults.
 * @throws DataError naming the first offending index and how many positions offend.
 */
export function checkValues(set: EvalSetValues, numClasses: number | undefined, defaultBounds: boolean): void {
  checkFinite(set.x, 'x', set.xShape);
  checkFinite(set.lower, 'lower', set.xShape);
  checkFinite(set.upper, 'upper', set.xShape);
  checkLowerLeUpper(set);
  checkWithinBounds(set, defaultBounds);
  checkLabelRange(set.y, 'y', numClasses);
  if (set.target) checkLabelRange(set.target, 'target', numClasses);
}

function checkFinite(values: Float32Array, name: string, shape: number[]): void {
  const bad = new Counter();
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) bad.add(i, values[i]!);
  if (bad.count > 0) {
    throw new DataError(
      `${name} has ${bad.count} non-finite value(s) (first: ${bad.firstValue} at index ${formatIndex(bad.first, shape)})`,
      bad.details(),
    );
  }
}

function checkLowerLeUpper(set: EvalSetValues): void {
  const bad = new Counter();
  for (let i = 0; i < set.lower.length; i++) if (set.lower[i]! > set.upper[i]!) bad.add(i, set.lower[i]!);
  if (bad.count > 0) {
    const i = bad.first;
    throw new DataError(
      `lower > upper at ${bad.count} position(s) (first at index ${formatIndex(i, set.xShape)}: lower ${set.lower[i]} > upper ${set.upper[i]})`,
      bad.details(),
    );
  }
}

function checkWithinBounds(set: EvalSetValues, defaultBounds: boolean): void {
  const { x, lower, upper } = set;
  const bad = new Counter();
  for (let i = 0; i < x.length; i++) {
    if (x[i]! < lower[i]! - BOUNDS_TOLERANCE || x[i]! > upper[i]! + BOUNDS_TOLERANCE) bad.add(i, x[i]!);
  }
  if (bad.count > 0) {
    const i = bad.first;
    const hint = defaultBounds ? `; no bounds were given, so the defaults [${DEFAULT_LOWER}, ${DEFAULT_UPPER}] apply (store 'lower'/'upper' for another input range)` : '';
    throw new DataError(
      `x lies outside [lower, upper] at ${bad.count} position(s) (first at index ${formatIndex(i, set.xShape)}: ` +
        `x = ${x[i]} not in [${lower[i]}, ${upper[i]}], tolerance ${BOUNDS_TOLERANCE})${hint}`,
      bad.details(),
    );
  }
}

function checkLabelRange(labels: Int32Array, name: string, numClasses: number | undefined): void {
  const bad = new Counter();
  for (let i = 0; i < labels.length; i++) {
    if (labels[i]! < 0 || (numClasses !== undefined && labels[i]! >= numClasses)) bad.add(i, labels[i]!);
  }
  if (bad.count > 0) {
    const range = numClasses === undefined ? 'non-negative' : `in [0, ${numClasses - 1}] (numClasses = ${numClasses})`;
    throw new DataError(
      `${name} has ${bad.count} label(s) that are not ${range} (first at index ${bad.first}: ${bad.firstValue})`,
      bad.details(),
    );
  }
}

/** Counts offending positions and remembers the first one. */
export class Counter {
  count = 0;
  first = -1;
  firstValue: number = NaN;

  add(index: number, value: number): void {
    if (this.count++ === 0) {
      this.first = index;
      this.firstValue = value;
    }
  }

  details(): Record<string, unknown> {
    return { count: this.count, firstIndex: this.first };
  }
}

/** A flat C-order index as a multi-index, e.g. `[3, 0, 12, 5]`. */
function formatIndex(flat: number, shape: number[]): string {
  const index = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    index[d] = flat % shape[d]!;
    flat = Math.floor(flat / shape[d]!);
  }
  return formatShape(index);
}
