/**
 * Golden data tests of the chart functions: the numbers each chart draws, compared with values
 * derived by hand from the sample report (src/audit/testing/sample-report.ts) and from a real
 * `gauntlet audit --demo --n 60` report (../testing/demo-report.json, gauntlet-report-2; the same
 * breaks and figures as the gauntlet-report-1 file it replaces). Its certification block was
 * added by hand for the bracket chart (IBP certifies 55, 47 and 20 of the 60 points at ε 0.025,
 * 0.05 and 0.1; the 20 at 0.1 are the first 20 robust points): not measured, but consistent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleReport } from '../../../audit/testing/sample-report';
import { Report, validateReport } from '../../../schema/report';
import { clopperPearson } from '../../../util/clopper-pearson';
import { niceTicks } from './axes';
import { bracketData, hasBracket } from './bracket';
import { cascadeData } from './cascade';
import { hardPairHeatmapData } from './heatmap';
import { minimalNormHistogramData } from './norm-histogram';
import { perClassData } from './per-class';
import { robustnessCurveData } from './robustness-curve';

const demo = (): Report => validateReport(JSON.parse(readFileSync(join(__dirname, '..', 'testing', 'demo-report.json'), 'utf8')));

describe('robustnessCurveData', () => {
  it('sample: sweep points, minimal-norm bound, clean accuracy and the audit point', () => {
    const r = sampleReport();
    const d = robustnessCurveData(r);
    expect(d).toEqual({
      norm: 'linf',
      clean: 0.9,
      // The curve starts at ε = 0 with the clean accuracy and its interval.
      sweep: [
        { eps: 0, robustAccuracy: 0.9, interval: r.cleanAccuracyInterval },
        ...[0.7, 0.5, 0.2].map((v, i) => ({ eps: [0.05, 0.1, 0.2][i], robustAccuracy: v, interval: r.sweep.points[i].robustAccuracyInterval })),
      ],
      bound: [{ eps: 0, value: 0.9 }, { eps: 0.05, value: 0.8 }, { eps: 0.1, value: 0.6 }, { eps: 0.2, value: 0.2 }],
      audit: { eps: 0.1, robustAccuracy: 0.5, interval: r.robustAccuracyInterval },
    });
    for (const p of d.sweep) expect(p.interval.lower).toBeLessThanOrEqual(p.robustAccuracy);
  });

  it('sorts the sweep by ε and leaves out unmeasured bounds', () => {
    const base = sampleReport();
    const pts = [...base.sweep.points].reverse();
    pts[0] = { ...pts[0], minimalNormBound: null }; // ε = 0.2
    const d = robustnessCurveData({ ...base, sweep: { ...base.sweep, points: pts } });
    expect(d.sweep.map((p) => p.eps)).toEqual([0, 0.05, 0.1, 0.2]);
    expect(d.bound).toEqual([{ eps: 0, value: 0.9 }, { eps: 0.05, value: 0.8 }, { eps: 0.1, value: 0.6 }]);
  });

  it('demo report: 60 points, all clean-correct; 58, 56 and 34 robust at ε 0.025, 0.05, 0.1', () => {
    const d = robustnessCurveData(demo());
    expect(d.clean).toBe(1);
    expect(d.sweep.map((p) => p.eps)).toEqual([0, 0.025, 0.05, 0.1]);
    expect(d.sweep.map((p) => p.robustAccuracy * 60)).toEqual([60, 58, 56, 34].map((v) => expect.closeTo(v, 9)));
    expect(d.sweep.map((p) => p.interval.k)).toEqual([60, 58, 56, 34]);
    expect(d.bound.map((p) => p.value * 60)).toEqual([60, 58, 56, 36].map((v) => expect.closeTo(v, 9)));
    expect(d.audit.robustAccuracy * 60).toBeCloseTo(34, 9);
  });
});

/** The sample report (10 points) with a certification whose sweep certifies k points at each listed ε; at ε = 0.1 points 0 … k − 1 (all robust). */
function withCertification(sweep: [number, number][], extra: Partial<NonNullable<Report['certification']>> = {}): Report {
  const base = sampleReport();
  const k = sweep.find(([eps]) => eps === base.threat.eps)?.[1] ?? 0;
  return validateReport({
    ...base,
    certification: {
      method: 'ibp', certifiedAccuracy: k / 10, certifiedAccuracyInterval: clopperPearson(k, 10),
      certified: Array.from({ length: 10 }, (_, i) => (i < k ? 1 : 0)),
      sweep: sweep.map(([eps, c]) => ({ eps, certifiedAccuracy: c / 10, certifiedAccuracyInterval: clopperPearson(c, 10) })),
      notCertifiable: null,
      ...extra,
    },
  });
}

describe('bracketData', () => {
  // The sample sweep (attacked): ε 0.05 → 7, 0.1 → 5, 0.2 → 2 of 10 points robust.
  const fig = (k: number) => ({ value: k / 10, interval: clopperPearson(k, 10) });
  const attacked = (r: Report, i: number) => ({ value: r.sweep.points[i].robustAccuracy, interval: r.sweep.points[i].robustAccuracyInterval });

  it('sample, certified 7, 3, 2 of 10: equal to the attacked figure at 0.05 and 0.2 (no gap there), unknown 0.2 at ε = 0.1', () => {
    const r = withCertification([[0.05, 7], [0.1, 3], [0.2, 2]]);
    expect(bracketData(r)).toEqual({
      norm: 'linf', method: 'ibp', auditEps: 0.1,
      points: [
        { eps: 0.05, attacked: attacked(r, 0), certified: fig(7), unknown: 0 },
        { eps: 0.1, attacked: attacked(r, 1), certified: fig(3), unknown: expect.closeTo(0.2, 12) },
        { eps: 0.2, attacked: attacked(r, 2), certified: fig(2), unknown: 0 },
      ],
      // Each segment touches ε = 0.1, where the gap is 2 points: both are shaded, pinched to nothing at 0.05 and 0.2.
      shaded: [{ from: 0.05, to: 0.1 }, { from: 0.1, to: 0.2 }],
    });
    for (const p of bracketData(r).points) expect(p.certified!.value).toBeLessThanOrEqual(p.attacked!.value);
  });

  it('certified = attacked at two neighbouring ε: the segment between them is not shaded', () => {
    const d = bracketData(withCertification([[0.05, 7], [0.1, 5], [0.2, 1]]));
    expect(d.points.map((p) => p.unknown)).toEqual([0, 0, expect.closeTo(0.1, 12)]);
    expect(d.shaded).toEqual([{ from: 0.1, to: 0.2 }]);
  });

  it('an ε without certification: its certified figure and gap are null and no segment next to it is shaded', () => {
    const r = withCertification([[0.05, 6], [0.2, 1]]);
    const d = bracketData(r);
    expect(d.points).toEqual([
      { eps: 0.05, attacked: attacked(r, 0), certified: fig(6), unknown: expect.closeTo(0.1, 12) },
      { eps: 0.1, attacked: attacked(r, 1), certified: null, unknown: null },
      { eps: 0.2, attacked: attacked(r, 2), certified: fig(1), unknown: expect.closeTo(0.1, 12) },
    ]);
    expect(d.shaded).toEqual([]);
  });

  it('an ε certified but not in the sweep: its attacked figure is null; ε are merged in ascending order', () => {
    const d = bracketData(withCertification([[0.02, 8], [0.05, 6], [0.1, 3]]));
    expect(d.points.map((p) => p.eps)).toEqual([0.02, 0.05, 0.1, 0.2]);
    expect(d.points[0]).toEqual({ eps: 0.02, attacked: null, certified: fig(8), unknown: null });
    expect(d.points[3].certified).toBeNull();
    expect(d.shaded).toEqual([{ from: 0.05, to: 0.1 }]);
  });

  it('no bracket when certification is absent, off (null), not certifiable, or has no ε', () => {
    expect(hasBracket(sampleReport())).toBe(false);
    expect(hasBracket({ ...sampleReport(), certification: null })).toBe(false);
    const notCertifiable = withCertification([[0.1, 0]], { notCertifiable: 'no bound rule for op Softmax' });
    expect(hasBracket(notCertifiable)).toBe(false);
    expect(() => bracketData(notCertifiable)).toThrow(/no certification/);
    expect(hasBracket(withCertification([]))).toBe(false);
    expect(hasBracket(withCertification([[0.1, 3]]))).toBe(true);
  });

  it('demo report: certified 55, 47, 20 of 60 against attacked 58, 56, 34 at ε 0.025, 0.05, 0.1; every segment shaded', () => {
    const r = demo();
    const d = bracketData(r);
    expect(d.method).toBe('ibp');
    expect(d.points.map((p) => p.eps)).toEqual([0.025, 0.05, 0.1]);
    expect(d.points.map((p) => p.certified!.interval.k)).toEqual([55, 47, 20]);
    expect(d.points.map((p) => p.attacked!.interval.k)).toEqual([58, 56, 34]);
    expect(d.points.map((p) => p.unknown! * 60)).toEqual([3, 9, 14].map((v) => expect.closeTo(v, 9)));
    expect(d.shaded).toEqual([{ from: 0.025, to: 0.05 }, { from: 0.05, to: 0.1 }]);
    // The per-point flags at the audit ε agree with its figure, and only robust points are certified.
    const c = r.certification!;
    expect(c.certified.reduce((s: number, v) => s + v, 0)).toBe(20);
    c.certified.forEach((v, i) => { if (v) expect(r.points.robust[i]).toBe(1); });
    // Its per-class figures recount those flags by label.
    for (const pc of c.perClass!) {
      const idx = r.points.label.flatMap((y, i) => (y === pc.label ? [i] : []));
      expect([pc.n, pc.certified]).toEqual([idx.length, idx.filter((i) => c.certified[i] === 1).length]);
      expect(pc.certifiedAccuracyInterval).toEqual(clopperPearson(pc.certified, pc.n));
    }
  });
});

describe('cascadeData', () => {
  it('sample: clean 90 %, then 60 % after APGD (3 broken) and 50 % after Square (1 broken)', () => {
    const r = sampleReport();
    expect(cascadeData(r)).toEqual([
      { label: 'clean', attack: null, origin: null, robustAccuracy: 0.9, interval: r.cleanAccuracyInterval, attacked: null, broken: null },
      { label: '1. apgd', attack: 'apgd', origin: 'battery', robustAccuracy: 0.6, interval: r.stages[0].robustAccuracyAfterInterval, attacked: 9, broken: 3 },
      { label: '2. square', attack: 'square', origin: 'battery', robustAccuracy: 0.5, interval: r.stages[1].robustAccuracyAfterInterval, attacked: 6, broken: 1 },
    ]);
  });

  it('demo report: 60 → 35 (APGD-CE broke 25) → 34 (APGD-T broke 1) → 34 for the rest; the convergence stage is labelled', () => {
    const d = cascadeData(demo());
    expect(d.map((s) => s.label)).toEqual(['clean', '1. apgd-ce', '2. apgd-t', '3. fab-t', '4. square', '5. alt-pgd', '6. apgd-ce (convergence)']);
    expect(d.map((s) => Math.round(s.robustAccuracy * 60))).toEqual([60, 35, 34, 34, 34, 34, 34]);
    expect(d.map((s) => s.broken)).toEqual([null, 25, 1, 0, 0, 0, 0]);
    // Each stage attacks what the previous ones left: attacked(k+1) = attacked(k) − broken(k).
    for (let k = 2; k < d.length - 1; k++) expect(d[k + 1].attacked).toBe((d[k].attacked as number) - (d[k].broken as number));
  });
});

describe('perClassData', () => {
  it('sample: the three classes in label order with their clean and robust accuracy', () => {
    const r = sampleReport();
    const iv = (i: number) => ({ cleanInterval: r.perClass.classes[i].cleanAccuracyInterval, robustInterval: r.perClass.classes[i].robustAccuracyInterval, smallSample: true });
    expect(perClassData(r)).toEqual({
      classes: [
        { label: 0, n: 4, clean: 0.75, robust: 0.5, ...iv(0) },
        { label: 1, n: 3, clean: 1, robust: 2 / 3, ...iv(1) },
        { label: 2, n: 3, clean: 1, robust: 1 / 3, ...iv(2) },
      ],
      total: 3,
      selection: 'all',
    });
  });

  it('more classes than k: the k least robust, lowest first; empty classes are left out', () => {
    const r = sampleReport();
    const classes = [...r.perClass.classes, { label: 3, n: 0, cleanAccuracy: null, cleanAccuracyInterval: null, robustAccuracy: null, robustAccuracyInterval: null, smallSample: true }];
    const d = perClassData({ ...r, perClass: { ...r.perClass, classes } }, 2);
    expect(d.selection).toBe('worst');
    expect(d.total).toBe(3);
    expect(d.classes.map((c) => c.label)).toEqual([2, 0]);
  });

  it('demo report: per-class robust accuracy equals the robust points of each label / its count', () => {
    const r = demo();
    const d = perClassData(r);
    expect(d.classes.map((c) => c.label)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const c of d.classes) {
      const idx = r.points.label.flatMap((y, i) => (y === c.label ? [i] : []));
      expect(c.n).toBe(idx.length);
      expect(c.robust).toBeCloseTo(idx.filter((i) => r.points.robust[i] === 1).length / idx.length, 12);
    }
    expect(d.classes.reduce((s, c) => s + c.n, 0)).toBe(60);
  });
});

describe('hardPairHeatmapData', () => {
  // sample confusion [[2,2,0],[0,2,1],[2,0,1]]: off-diagonal cells (0→1)=2, (2→0)=2, (1→2)=1, total 5;
  // failures (row + column off-diagonal): class 0: 2+2 = 4, class 1: 1+2 = 3, class 2: 2+1 = 3.
  it('sample, all classes: the matrix without its diagonal', () => {
    expect(hardPairHeatmapData(sampleReport(), 3)).toEqual({
      labels: [0, 1, 2],
      cells: [[null, 2, 0], [0, null, 1], [2, 0, null]],
      max: 2,
      failures: [4, 3, 3],
      totalClasses: 3,
      offDiagonalTotal: 5,
      shownTotal: 5,
    });
  });

  it('sample, k = 2: the classes of the hardest pair (0 → 1, tie with 2 → 0 broken by the true class)', () => {
    const d = hardPairHeatmapData(sampleReport(), 2);
    expect(d.labels).toEqual([0, 1]);
    expect(d.cells).toEqual([[null, 2], [0, null]]);
    expect(d.shownTotal).toBe(2);
  });

  it('demo report: the cells agree with report.perClass.hardPairs wherever both classes are shown', () => {
    const r = demo();
    const d = hardPairHeatmapData(r, 4);
    expect(d.labels.length).toBe(4);
    // The two hardest pairs (3 → 9 and 9 → 4, 3 points each) are in a 4-class view.
    expect(d.labels).toEqual(expect.arrayContaining([3, 4, 9]));
    expect(d.max).toBe(3);
    for (const p of r.perClass.hardPairs) {
      const i = d.labels.indexOf(p.from), j = d.labels.indexOf(p.to);
      if (i >= 0 && j >= 0) expect(d.cells[i][j]).toBe(p.count);
    }
    // Off-diagonal total = broken points + clean misclassifications (none here): 26.
    expect(d.offDiagonalTotal).toBe(r.points.brokenBy.filter((b) => b >= 0).length);
  });
});

describe('minimalNormHistogramData', () => {
  // sample: minimal norms of the 9 clean-correct points 0.12 0.15 0.2 0.3 0.11 0.04 0.07 0.1 0.05 (point 9 is misclassified: null).
  it('sample, √9 → 5 bins asked: width 0.05 (the largest 1-2-5 step ≤ 0.3 / 5), 6 bins over [0, 0.3]', () => {
    const d = minimalNormHistogramData(sampleReport());
    expect(d.bins.map((b) => b.count)).toEqual([1, 2, 3, 1, 1, 1]); // 0.05, 0.1, 0.15 on an edge go up; 0.3 = hi to the last
    expect(d.bins.map((b) => b.hi - b.lo)).toEqual(Array(6).fill(expect.closeTo(0.05, 12)));
    expect(d).toMatchObject({ cleanCorrect: 9, found: 9, notFound: 0, withinEps: 4, median: 0.11, attack: 'fab', eps: 0.1 });
  });

  it('a forced bin count gives equal bins over [0, max(norms, ε)]; points without a norm are counted as not found', () => {
    const r = sampleReport();
    const minimalNorm = [...r.points.minimalNorm];
    minimalNorm[3] = null; // 0.3: none found
    const d = minimalNormHistogramData({ ...r, points: { ...r.points, minimalNorm } }, 4);
    expect(d.bins[3].hi).toBeCloseTo(0.2, 12);
    expect(d.bins.map((b) => b.count)).toEqual([1, 2, 3, 2]);
    expect(d).toMatchObject({ found: 8, notFound: 1 });
  });

  it('demo report: every found FAB norm of a clean-correct point is in exactly one bin', () => {
    const r = demo();
    const d = minimalNormHistogramData(r);
    const norms = r.points.minimalNorm.filter((v, i): v is number => v !== null && r.points.cleanPred[i] === r.points.label[i]);
    expect(d.found).toBe(norms.length);
    expect(d.bins.reduce((s, b) => s + b.count, 0)).toBe(norms.length);
    expect(d.bins.length).toBeGreaterThanOrEqual(5);
    for (const b of d.bins.slice(0, -1)) expect(b.count).toBe(norms.filter((v) => v >= b.lo - 1e-12 && v < b.hi - 1e-12).length);
    expect(d.withinEps).toBe(norms.filter((v) => v <= r.threat.eps).length);
  });
});

describe('niceTicks', () => {
  it('covers the range on a 1-2-5 grid', () => {
    expect(niceTicks(0, 0.2, 6)).toEqual([0, 0.05, 0.1, 0.15, 0.2]);
    expect(niceTicks(0, 26, 4)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0, 0, 4)).toEqual([0, 0.5, 1]);
  });
});
