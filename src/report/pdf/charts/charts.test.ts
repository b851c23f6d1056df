/**
 * Golden data tests of the chart functions: the numbers each chart draws, compared with values
 * derived by hand from the sample report (src/audit/testing/sample-report.ts) and from a real
 * `gauntlet audit --demo --n 60` report (../testing/demo-report.json).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleReport } from '../../../audit/testing/sample-report';
import { Report, validateReport } from '../../schema';
import { niceTicks } from './axes';
import { cascadeData } from './cascade';
import { hardPairHeatmapData } from './heatmap';
import { minimalNormHistogramData } from './norm-histogram';
import { perClassData } from './per-class';
import { robustnessCurveData } from './robustness-curve';

const demo = (): Report => validateReport(JSON.parse(readFileSync(join(__dirname, '..', 'testing', 'demo-report.json'), 'utf8')));

describe('robustnessCurveData', () => {
  it('sample: sweep points, minimal-norm bound, clean accuracy and the audit point', () => {
    const d = robustnessCurveData(sampleReport());
    expect(d).toEqual({
      norm: 'linf',
      clean: 0.9,
      sweep: [{ eps: 0.05, robustAccuracy: 0.7 }, { eps: 0.1, robustAccuracy: 0.5 }, { eps: 0.2, robustAccuracy: 0.2 }],
      bound: [{ eps: 0.05, value: 0.8 }, { eps: 0.1, value: 0.6 }, { eps: 0.2, value: 0.2 }],
      audit: { eps: 0.1, robustAccuracy: 0.5 },
    });
  });

  it('sorts the sweep by ε and leaves out unmeasured bounds', () => {
    const base = sampleReport();
    const pts = [...base.sweep.points].reverse();
    pts[0] = { ...pts[0], minimalNormBound: null }; // ε = 0.2
    const d = robustnessCurveData({ ...base, sweep: { ...base.sweep, points: pts } });
    expect(d.sweep.map((p) => p.eps)).toEqual([0.05, 0.1, 0.2]);
    expect(d.bound).toEqual([{ eps: 0.05, value: 0.8 }, { eps: 0.1, value: 0.6 }]);
  });

  it('demo report: 60 points, all clean-correct; 58, 56 and 34 robust at ε 0.025, 0.05, 0.1', () => {
    const d = robustnessCurveData(demo());
    expect(d.clean).toBe(1);
    expect(d.sweep.map((p) => p.eps)).toEqual([0.025, 0.05, 0.1]);
    expect(d.sweep.map((p) => p.robustAccuracy * 60)).toEqual([58, 56, 34].map((v) => expect.closeTo(v, 9)));
    expect(d.bound.map((p) => p.value * 60)).toEqual([58, 56, 36].map((v) => expect.closeTo(v, 9)));
    expect(d.audit.robustAccuracy * 60).toBeCloseTo(34, 9);
  });
});

describe('cascadeData', () => {
  it('sample: clean 90 %, then 60 % after APGD (3 broken) and 50 % after Square (1 broken)', () => {
    expect(cascadeData(sampleReport())).toEqual([
      { label: 'clean', attack: null, origin: null, robustAccuracy: 0.9, attacked: null, broken: null },
      { label: '1. apgd', attack: 'apgd', origin: 'battery', robustAccuracy: 0.6, attacked: 9, broken: 3 },
      { label: '2. square', attack: 'square', origin: 'battery', robustAccuracy: 0.5, attacked: 6, broken: 1 },
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
    expect(perClassData(sampleReport())).toEqual({
      classes: [
        { label: 0, n: 4, clean: 0.75, robust: 0.5 },
        { label: 1, n: 3, clean: 1, robust: 2 / 3 },
        { label: 2, n: 3, clean: 1, robust: 1 / 3 },
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
  it('sample, 4 bins: range [0, 0.2] (p90), the 4 broken points (norm 0.1) in bin [0.1, 0.15)', () => {
    const d = minimalNormHistogramData(sampleReport(), 4);
    expect(d.broken).toBe(4);
    expect(d.bins.map((b) => b.count)).toEqual([0, 0, 4, 0]);
    expect(d.bins.map((b) => [b.lo, b.hi])).toEqual([[0, 0.05], [0.05, 0.1], [0.1, 0.15], [0.15, 0.2]].map(([a, b]) => [expect.closeTo(a, 12), expect.closeTo(b, 12)]));
    expect(d.quantiles).toEqual([
      { name: 'p10', value: 0.04 }, { name: 'p25', value: 0.07 }, { name: 'p50', value: 0.1 }, { name: 'p75', value: 0.15 }, { name: 'p90', value: 0.2 },
    ]);
    expect(d.minimalNorms).toEqual({ attack: 'fab', n: 9, found: 9, mean: 0.11 });
  });

  it('without minimal norms the range is the largest norm or ε; null quantiles are dropped', () => {
    const r = sampleReport();
    const d = minimalNormHistogramData({ ...r, sweep: { ...r.sweep, minimalNorms: null } }, 2);
    expect(d.quantiles).toEqual([]);
    expect(d.bins[1].hi).toBeCloseTo(0.1, 12);
    expect(d.bins.map((b) => b.count)).toEqual([0, 4]); // 0.1 = hi goes to the last bin
    const q = { ...r.sweep.minimalNorms!, quantiles: { p10: 0.04, p25: null, p50: 0.1, p75: null, p90: null } };
    expect(minimalNormHistogramData({ ...r, sweep: { ...r.sweep, minimalNorms: q } }).quantiles.map((x) => x.name)).toEqual(['p10', 'p50']);
  });

  it('demo report: the 26 broken points fill the bars; the range reaches the FAB p90', () => {
    const r = demo();
    const d = minimalNormHistogramData(r, 10);
    expect(d.broken).toBe(26);
    expect(d.bins.reduce((s, b) => s + b.count, 0)).toBe(26);
    expect(d.bins[9].hi).toBeCloseTo(r.sweep.minimalNorms!.quantiles.p90!, 12);
    const inRange = (lo: number, hi: number) => r.points.perturbationNorm.filter((v, i) => r.points.brokenBy[i] >= 0 && v >= lo && v < hi).length;
    for (const b of d.bins.slice(0, -1)) expect(b.count).toBe(inRange(b.lo, b.hi));
  });
});

describe('niceTicks', () => {
  it('covers the range on a 1-2-5 grid', () => {
    expect(niceTicks(0, 0.2, 6)).toEqual([0, 0.05, 0.1, 0.15, 0.2]);
    expect(niceTicks(0, 26, 4)).toEqual([0, 10, 20, 30]);
    expect(niceTicks(0, 0, 4)).toEqual([0, 0.5, 1]);
  });
});
