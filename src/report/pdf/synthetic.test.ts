import { sampleReport } from '../../audit/testing/sample-report';
import { scaleReport } from './synthetic';

describe('scaleReport', () => {
  it('stretches the sample to n points and c classes with aggregates recomputed from the points', () => {
    const r = scaleReport(sampleReport(), { points: 500, classes: 40, seed: 3 });
    expect(r.data.n).toBe(500);
    expect(r.model.numClasses).toBe(40);
    expect(r.perClass.adversarialConfusion).toHaveLength(40);
    const p = r.points;
    expect(r.cleanAccuracy).toBeCloseTo(p.cleanPred.filter((v, i) => v === p.label[i]).length / 500, 12);
    expect(r.robustAccuracy).toBeCloseTo(p.robust.filter((v) => v === 1).length / 500, 12);
    expect(r.stages[r.stages.length - 1].robustAccuracyAfter).toBeCloseTo(r.robustAccuracy, 12);
    expect(r.stages.reduce((s, st) => s + st.broken, 0)).toBe(p.brokenBy.filter((b) => b >= 0).length);
    expect(r.perClass.adversarialConfusion.flat().reduce((s, v) => s + v, 0)).toBe(500);
    expect(r.perClass.classes.reduce((s, k) => s + k.n, 0)).toBe(500);
    expect(r.hypocritical!.perClass).toHaveLength(40);
  });

  it('is deterministic in the seed', () => {
    const a = scaleReport(sampleReport(), { points: 50, classes: 5, seed: 1 });
    expect(scaleReport(sampleReport(), { points: 50, classes: 5, seed: 1 })).toEqual(a);
    expect(scaleReport(sampleReport(), { points: 50, classes: 5, seed: 2 }).points).not.toEqual(a.points);
  });

  it('rejects sizes that cannot make a report', () => {
    expect(() => scaleReport(sampleReport(), { points: 0, classes: 5 })).toThrow(RangeError);
    expect(() => scaleReport(sampleReport(), { points: 5, classes: 1 })).toThrow(RangeError);
  });
});
