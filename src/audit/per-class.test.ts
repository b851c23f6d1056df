import { UsageError } from '../errors';
import { perClassSchema } from '../schema/report';
import { clopperPearson } from '../util/clopper-pearson';
import { perClassAnalysis, PerClassInput } from './per-class';

const input = (labels: number[], cleanPred: number[], robust: number[], advPred: number[], numClasses: number, topPairs?: number): PerClassInput => ({
  labels: Int32Array.from(labels), cleanPred: Int32Array.from(cleanPred), robust: Uint8Array.from(robust), advPred: Int32Array.from(advPred), numClasses, topPairs,
});

describe('perClassAnalysis (hand-computed)', () => {
  // point:      0  1  2  3  4  5  6  7
  // label:      0  0  0  1  1  1  2  2
  // clean:      0  0  1  1  1  2  2  2     (2 and 5 misclassified clean)
  // robust:     1  0  0  1  0  0  1  1
  // adv:        0  2  1  1  0  2  2  2
  // broken: 1 (0→2), 2 (clean 0→1), 4 (1→0), 5 (clean 1→2): 4 non-robust points.
  const small = input([0, 0, 0, 1, 1, 1, 2, 2], [0, 0, 1, 1, 1, 2, 2, 2], [1, 0, 0, 1, 0, 0, 1, 1], [0, 2, 1, 1, 0, 2, 2, 2], 3);

  it('when given 8 points of 3 classes, then per-class accuracies, gap and confusion are the hand-computed ones', () => {
    const r = perClassAnalysis(small);
    expect(perClassSchema.parse(r)).toEqual(r);
    expect(r.classes).toEqual([
      { label: 0, n: 3, cleanAccuracy: 2 / 3, cleanAccuracyInterval: clopperPearson(2, 3), robustAccuracy: 1 / 3, robustAccuracyInterval: clopperPearson(1, 3), smallSample: true },
      { label: 1, n: 3, cleanAccuracy: 2 / 3, cleanAccuracyInterval: clopperPearson(2, 3), robustAccuracy: 1 / 3, robustAccuracyInterval: clopperPearson(1, 3), smallSample: true },
      { label: 2, n: 2, cleanAccuracy: 1, cleanAccuracyInterval: clopperPearson(2, 2), robustAccuracy: 1, robustAccuracyInterval: clopperPearson(2, 2), smallSample: true },
    ]);
    expect(r.robustAccuracyGap).toBeCloseTo(2 / 3, 12);
    expect(r.adversarialConfusion).toEqual([[0, 1, 1], [1, 0, 1], [0, 0, 0]]);
    // All four pairs have count 1: ordered by from, then to.
    expect(r.hardPairs).toEqual([
      { from: 0, to: 1, count: 1, shareOfBroken: 0.25 },
      { from: 0, to: 2, count: 1, shareOfBroken: 0.25 },
      { from: 1, to: 0, count: 1, shareOfBroken: 0.25 },
      { from: 1, to: 2, count: 1, shareOfBroken: 0.25 },
    ]);
  });

  it('when topPairs is 2 and counts differ, then pairs are ordered by count, ties by from then to', () => {
    // 2→0 ×3, 1→0 ×2, 0→1 ×2, 0→2 ×1, one robust point: 8 broken of 9.
    const labels = [2, 2, 2, 1, 1, 0, 0, 0, 0];
    const clean = [2, 2, 0, 1, 1, 0, 1, 0, 0]; // point 2 (2→0) and point 6 (0→1) are clean mistakes
    const robust = [0, 0, 0, 0, 0, 0, 0, 0, 1];
    const adv = [0, 0, 0, 0, 0, 1, 1, 2, 0];
    const r = perClassAnalysis(input(labels, clean, robust, adv, 3, 2));
    expect(r.hardPairs).toEqual([
      { from: 2, to: 0, count: 3, shareOfBroken: 3 / 8 },
      { from: 0, to: 1, count: 2, shareOfBroken: 2 / 8 },
    ]);
    expect(r.adversarialConfusion).toEqual([[0, 2, 1], [2, 0, 0], [3, 0, 0]]);
    expect(perClassAnalysis(input(labels, clean, robust, adv, 3)).hardPairs.map((p) => [p.from, p.to])).toEqual([[2, 0], [0, 1], [1, 0], [0, 2]]);
  });

  it('when a clean-misclassified point carries a different advPred, then its clean prediction is used', () => {
    const r = perClassAnalysis(input([0, 1], [2, 1], [0, 1], [1, 1], 3));
    expect(r.adversarialConfusion[0]).toEqual([0, 0, 1]);
  });

  it('when a class has no points, then its accuracies are null and it does not enter the gap', () => {
    const r = perClassAnalysis(input([0, 0, 2, 2], [0, 0, 2, 2], [1, 0, 1, 1], [0, 1, 2, 2], 4));
    expect(r.classes.map((c) => c.robustAccuracy)).toEqual([0.5, null, 1, null]);
    expect(r.classes.map((c) => c.n)).toEqual([2, 0, 2, 0]);
    expect(r.robustAccuracyGap).toBe(0.5);
    expect(r.classes.map((c) => c.robustAccuracyInterval)).toEqual([clopperPearson(1, 2), null, clopperPearson(2, 2), null]);
  });

  it('marks classes under SMALL_CLASS (30) points as small samples', () => {
    const labels = [...Array(30).fill(0), ...Array(29).fill(1)];
    const r = perClassAnalysis(input(labels, labels, labels.map(() => 1), labels, 2));
    expect(r.classes.map((c) => [c.n, c.smallSample])).toEqual([[30, false], [29, true]]);
  });

  it('when every point is robust, then the gap is 0, the confusion is empty and there are no pairs', () => {
    const r = perClassAnalysis(input([0, 1, 1], [0, 1, 1], [1, 1, 1], [0, 1, 1], 2));
    expect(r).toEqual({
      classes: [
        { label: 0, n: 1, cleanAccuracy: 1, cleanAccuracyInterval: clopperPearson(1, 1), robustAccuracy: 1, robustAccuracyInterval: clopperPearson(1, 1), smallSample: true },
        { label: 1, n: 2, cleanAccuracy: 1, cleanAccuracyInterval: clopperPearson(2, 2), robustAccuracy: 1, robustAccuracyInterval: clopperPearson(2, 2), smallSample: true },
      ],
      robustAccuracyGap: 0, adversarialConfusion: [[0, 0], [0, 0]], hardPairs: [],
    });
  });

  it('when a broken point has no majority class (−1), then it is in no cell but in the share denominator', () => {
    const r = perClassAnalysis(input([0, 0], [0, 0], [0, 0], [-1, 1], 2));
    expect(r.adversarialConfusion).toEqual([[0, 1], [0, 0]]);
    expect(r.hardPairs).toEqual([{ from: 0, to: 1, count: 1, shareOfBroken: 0.5 }]);
  });

  it.each([
    ['lengths differ', input([0, 1], [0], [1, 1], [0, 1], 2), /one entry per point/],
    ['a label is out of range', input([0, 2], [0, 1], [1, 0], [0, 1], 2), /label 2 of point 1/],
    ['a prediction is out of range', input([0, 1], [0, 1], [1, 0], [0, 5], 2), /advPred 5 of point 1/],
    ['a robust point is clean-misclassified', input([0, 1], [1, 1], [1, 1], [1, 1], 2), /marked robust/],
    ['topPairs is negative', input([0], [0], [1], [0], 2, -1), /topPairs/],
  ])('when %s, then a UsageError names the problem', (_, bad, msg) => {
    expect(() => perClassAnalysis(bad)).toThrow(UsageError);
    expect(() => perClassAnalysis(bad)).toThrow(msg);
  });
});
