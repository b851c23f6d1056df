/** The charts: robustness curve, cascade, per-class bars, hard-pair heatmap, norm histogram. */
import { cascadeData, cascadeHeight, drawCascade } from '../charts/cascade';
import { drawHeatmap, hardPairHeatmapData, heatmapHeight } from '../charts/heatmap';
import { drawNormHistogram, minimalNormHistogramData } from '../charts/norm-histogram';
import { drawPerClass, perClassData } from '../charts/per-class';
import { drawRobustnessCurve, robustnessCurveData } from '../charts/robustness-curve';
import { Layout } from '../layout';
import { normName, num, pct, plural } from '../text';
import type { RenderContext } from './context';

/** Classes in the heatmap at most (more would make unreadable cells). */
export const HEATMAP_CLASSES = 15;
/** Cascade bars at most. */
export const CASCADE_BARS = 40;

/** Draws the charts section. */
export function resultsSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  L.heading('Results', 1);

  L.heading('Robust accuracy against the budget ε', 2);
  const curve = robustnessCurveData(r);
  L.block(200, (x, y, w) => drawRobustnessCurve(L.doc, { x, y, w, h: 192 }, curve));
  L.caption(`Solid: robust accuracy of the sweep battery at each ε (${curve.sweep.map((p) => `${num(p.eps)} → ${pct(p.robustAccuracy)}`).join(', ') || 'no sweep'}). Dashed: the upper bound from the minimal-norm attack (share of points whose smallest adversarial perturbation found is larger than ε). Dotted: clean accuracy ${pct(curve.clean)}. Diamond: the full battery at the audit ε = ${num(curve.audit.eps)}, ${pct(curve.audit.robustAccuracy)}. Data: report.sweep.points, report.cleanAccuracy, report.robustAccuracy.`);

  const steps = cascadeData(r);
  const shown = steps.slice(0, CASCADE_BARS + 1);
  L.heading('Attack cascade', 2);
  L.block(cascadeHeight(shown.length), (x, y, w) => drawCascade(L.doc, { x, y, w, h: cascadeHeight(shown.length) }, shown));
  L.caption(`Accuracy of the whole set before any attack (clean) and after each stage of the battery, in the order they ran; each stage attacks only the points still robust, so the bars can only shrink. "(−k)": points that stage broke.${steps.length > shown.length ? ` Showing the first ${shown.length - 1} of ${steps.length - 1} stages.` : ''} Data: report.stages[].robustAccuracyAfter.`);

  const pc = perClassData(r, ctx.maxTableRows);
  L.heading('Clean and robust accuracy per class', 2);
  if (pc.classes.length === 0) L.paragraph('No class has points.');
  else {
    L.block(190, (x, y, w) => drawPerClass(L.doc, { x, y, w, h: 184 }, pc));
    L.caption(`${pc.selection === 'all' ? `All ${plural(pc.total, 'class', 'classes')} with points` : `The ${pc.classes.length} classes with the lowest robust accuracy, of ${pc.total} with points (lowest first)`}. Robust-accuracy gap between the best and worst class: ${pct(r.perClass.robustAccuracyGap)}. Data: report.perClass.classes.`);
  }

  const hm = hardPairHeatmapData(r, HEATMAP_CLASSES);
  const hh = heatmapHeight(Math.min(L.width, 330), hm.labels.length);
  L.heading('Hard class pairs', 2);
  L.block(hh, (x, y, w) => drawHeatmap(L.doc, { x, y, w, h: hh }, hm));
  L.caption(`Row: true class; column: class of the adversarial example (or of the clean prediction for misclassified points); darker = more points; the diagonal is omitted. ${hm.labels.length < hm.totalClasses ? `The ${hm.labels.length} of ${hm.totalClasses} classes of the hardest pairs (largest off-diagonal cells first), covering ${hm.shownTotal} of ${hm.offDiagonalTotal} off-diagonal points.` : `All ${hm.totalClasses} classes (${hm.offDiagonalTotal} off-diagonal points).`} Top pairs: ${r.perClass.hardPairs.slice(0, 5).map((p) => `${p.from} → ${p.to} (${p.count})`).join(', ') || 'none'}. Data: report.perClass.adversarialConfusion.`);

  const hist = minimalNormHistogramData(r);
  L.heading('Perturbation norms', 2);
  L.block(180, (x, y, w) => drawNormHistogram(L.doc, { x, y, w, h: 174 }, hist));
  const q = hist.quantiles.map((v) => `${v.name} ${num(v.value)}`).join(', ');
  L.caption(`Bars: ‖δ‖${r.threat.norm === 'linf' ? '∞' : '₂'} of the verified adversarial examples the battery found at the audit ε (report.points.perturbationNorm of the ${plural(hist.broken, 'broken point')}; each is an upper bound on that point's minimal perturbation and at most ε). Dashed markers: quantiles of the minimal norms found by the minimal-norm attack ${hist.minimalNorms ? `${hist.minimalNorms.attack} on ${hist.minimalNorms.n} clean-correct points, found ${hist.minimalNorms.found}` : '(not run)'}${q ? `: ${q}` : ''} (report.sweep.minimalNorms.quantiles; the report keeps quantiles only, no per-point minimal norms). Solid line: ε. Norm: ${normName(r.threat.norm)}.`);
}
