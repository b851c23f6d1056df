/**
 * Synthetic reports of any size for the PDF renderer's scale tests and benchmark: a base report
 * (the sample report or a real one) stretched to `points` points and `classes` classes, with
 * per-point outcomes drawn from a seeded PRNG and every aggregate (accuracies, stage counts,
 * per-class figures, confusion matrix, hard pairs, hypocritical risk, and their intervals) recomputed
 * from them, so
 * the result is schema-valid and internally consistent. Not an audit: the numbers mean nothing.
 */
import { SMALL_CLASS } from '../../audit/per-class';
import { clopperPearson } from '../../util/clopper-pearson';
import { mulberry32 } from '../../util/random';
import { Report, validateReport } from '../../schema/report';

/** Size and seed of a synthetic report. */
export interface SyntheticSize {
  points: number;
  classes: number;
  seed?: number;
  /** Share of points misclassified before any attack (default 0.1). */
  errorRate?: number;
  /** Share of clean-correct points the battery breaks (default 0.5). */
  breakRate?: number;
}

/** Stretches `base` to the given size (see the module comment). */
export function scaleReport(base: Report, s: SyntheticSize): Report {
  const { points: n, classes: c } = s;
  if (!(n >= 1 && c >= 2 && Number.isInteger(n) && Number.isInteger(c))) throw new RangeError(`scaleReport: need points ≥ 1 and classes ≥ 2, got ${n}, ${c}`);
  const rnd = mulberry32(s.seed ?? 1);
  const errorRate = s.errorRate ?? 0.1, breakRate = s.breakRate ?? 0.5;
  const eps = base.threat.eps;
  const stages = base.stages.length ? base.stages : [{ attack: 'apgd-ce', params: {}, origin: 'battery', attacked: 0, broken: 0, robustAccuracyAfter: 0, robustAccuracyAfterInterval: clopperPearson(0, 1), forwardCalls: 0, gradientCalls: 0, seconds: 0 }];
  const other = (y: number) => (y + 1 + Math.floor(rnd() * rnd() * Math.min(5, c - 1))) % c; // skewed: a few hard neighbours
  const label: number[] = [], cleanPred: number[] = [], robust: (0 | 1)[] = [], brokenBy: number[] = [], advPred: number[] = [], norm: number[] = [], minimalNorm: (number | null)[] = [];
  for (let i = 0; i < n; i++) {
    const y = i % c;
    label.push(y);
    if (rnd() < errorRate) {
      const p = other(y);
      cleanPred.push(p); robust.push(0); brokenBy.push(-1); advPred.push(p); norm.push(0); minimalNorm.push(null);
    } else if (rnd() < breakRate) {
      cleanPred.push(y); robust.push(0); brokenBy.push(Math.min(stages.length - 1, Math.floor(rnd() * rnd() * stages.length)));
      advPred.push(other(y)); norm.push(eps * (0.3 + 0.7 * rnd())); minimalNorm.push(eps * (0.2 + 0.8 * rnd()));
    } else {
      cleanPred.push(y); robust.push(1); brokenBy.push(-1); advPred.push(y); norm.push(0); minimalNorm.push(rnd() < 0.05 ? null : eps * (1 + 2 * rnd()));
    }
  }
  const correct = cleanPred.filter((p, i) => p === label[i]).length;
  const robustN = robust.reduce<number>((a, v) => a + v, 0);
  const clean = correct / n, ra = robustN / n;

  let left = correct;
  const newStages = stages.map((st, k) => {
    const broken = brokenBy.filter((b) => b === k).length;
    const attacked = left;
    left -= broken;
    return { ...st, attacked, broken, robustAccuracyAfter: left / n, robustAccuracyAfterInterval: clopperPearson(left, n) };
  });

  const conf = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  const perN = new Array<number>(c).fill(0), perCorrect = new Array<number>(c).fill(0), perRobust = new Array<number>(c).fill(0);
  for (let i = 0; i < n; i++) {
    const y = label[i];
    perN[y]++;
    if (cleanPred[i] === y) perCorrect[y]++;
    perRobust[y] += robust[i];
    conf[y][robust[i] ? y : advPred[i]]++;
  }
  const classes = perN.map((m, y) => ({
    label: y, n: m,
    cleanAccuracy: m ? perCorrect[y] / m : null, cleanAccuracyInterval: m ? clopperPearson(perCorrect[y], m) : null,
    robustAccuracy: m ? perRobust[y] / m : null, robustAccuracyInterval: m ? clopperPearson(perRobust[y], m) : null,
    smallSample: m < SMALL_CLASS,
  }));
  const ras = classes.filter((k) => k.n > 0).map((k) => k.robustAccuracy as number);
  const brokenTotal = brokenBy.filter((b) => b >= 0).length;
  const pairs: { from: number; to: number; count: number; shareOfBroken: number }[] = [];
  const pairCount = new Map<number, number>();
  for (let i = 0; i < n; i++) if (brokenBy[i] >= 0) pairCount.set(label[i] * c + advPred[i], (pairCount.get(label[i] * c + advPred[i]) ?? 0) + 1);
  for (const [key, count] of pairCount) pairs.push({ from: Math.floor(key / c), to: key % c, count, shareOfBroken: brokenTotal ? count / brokenTotal : 0 });
  pairs.sort((a, b) => b.count - a.count || a.from - b.from || a.to - b.to);

  const sweep = base.sweep.points.map((p) => {
    const r = p.eps <= eps ? clean - (clean - ra) * (eps > 0 ? p.eps / eps : 1) : ra * Math.max(0, 1 - (p.eps - eps) / Math.max(eps, 1e-12));
    const k = Math.round(r * n);
    return { ...p, robustAccuracy: k / n, robustAccuracyInterval: clopperPearson(k, n), minimalNormBound: p.minimalNormBound === null ? null : Math.min(clean, k / n + 0.02) };
  });

  let hyp = base.hypocritical;
  if (hyp) {
    const per = perN.map((m, y) => {
      const mis = m - perCorrect[y];
      const fixable = Math.floor(mis * rnd());
      return { label: y, n: m, misclassified: mis, fixable, risk: m ? fixable / m : null };
    });
    const fixable = per.reduce((a, k) => a + k.fixable, 0);
    hyp = { ...hyp, misclassified: n - correct, fixable, risk: fixable / n, riskInterval: clopperPearson(fixable, n), fakedAccuracy: Math.min(1, clean + fixable / n), fakedAccuracyInterval: clopperPearson(Math.min(n, correct + fixable), n), perClass: per, substandard: clean < hyp.substandardBelow, fakeable: clean < hyp.substandardBelow && clean + fixable / n >= hyp.substandardBelow };
  }

  return validateReport({
    ...base,
    model: { ...base.model, numClasses: c },
    data: { ...base.data, n },
    cleanAccuracy: clean,
    cleanAccuracyInterval: clopperPearson(correct, n),
    robustAccuracy: ra,
    robustAccuracyInterval: clopperPearson(robustN, n),
    stages: newStages,
    points: { label, cleanPred, robust, brokenBy, advPred, perturbationNorm: norm, minimalNorm },
    sweep: { ...base.sweep, points: sweep },
    perClass: { classes, robustAccuracyGap: ras.length ? Math.max(...ras) - Math.min(...ras) : 0, adversarialConfusion: conf, hardPairs: pairs.slice(0, 20) },
    hypocritical: hyp,
  });
}
