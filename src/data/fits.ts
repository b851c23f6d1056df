import { DataError } from '../errors';
import type { EvalSet } from './evalset';

/**
 * Checks that an evaluation set fits a model: the per-sample shape equals the model's input shape
 * and every label is one of its classes.
 * @throws DataError naming the set, the shapes or the first bad label.
 */
export function checkFits(model: { inputShape: readonly number[]; numClasses: number }, set: EvalSet, name: string): void {
  const want = model.inputShape;
  if (want.length !== set.sampleShape.length || want.some((d, i) => d !== set.sampleShape[i])) {
    throw new DataError(`${name}: samples are [${set.sampleShape.join(', ')}] but the model takes [${want.join(', ')}] per sample`);
  }
  const C = model.numClasses;
  for (let i = 0; i < set.n; i++) {
    if (set.y[i] < 0 || set.y[i] >= C) throw new DataError(`${name}: label ${set.y[i]} of sample ${i} is not a class of this ${C}-class model`);
  }
}
