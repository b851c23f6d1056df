/** The charts: robustness curve, certified/attacked bracket (when certification ran), cascade, per-class bars and table, hard-pair heatmap, minimal-norm histogram. */
import type { Interval } from '../../../schema/report';
import { bracketData, drawBracket, hasBracket } from '../charts/bracket';
import { cascadeData, cascadeHeight, drawCascade } from '../charts/cascade';
import { drawHeatmap, hardPairHeatmapData, heatmapHeight } from '../charts/heatmap';
import { drawNormHistogram, minimalNormHistogramData } from '../charts/norm-histogram';
import { SMALL_MARK, drawPerClass, perClassData } from '../charts/per-class';
import { drawRobustnessCurve, robustnessCurveData } from '../charts/robustness-curve';
import { Layout } from '../layout';
import { int, normName, num, pct, pctCI, plural } from '../text';
import type { RenderContext } from './context';

/** Classes in the heatmap at most (more would make unreadable cells). */
export const HEATMAP_CLASSES = 15;
/** Cascade bars at most. */
export const CASCADE_BARS = 40;

/** Draws the charts section. */
export function resultsSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  const level = pct(r.intervals.level, 0);
  const bars = `Error bars: exact ${level} Clopper–Pearson confidence intervals.`;
  L.heading('Results', 1);

  L.heading('Robust accuracy against the budget ε', 2);
  const curve = robustnessCurveData(r);
  L.figure(200, (x, y, w) => drawRobustnessCurve(L.doc, { x, y, w, h: 192 }, curve), {
    alt: `Line chart of robust accuracy against ε, from clean accuracy ${pct(curve.clean)} at ε = 0: ${curve.sweep.map((p) => `${num(p.eps)}: ${pctCI(p.robustAccuracy, p.interval)}`).join(', ')}.`,
    caption: `Solid: robust accuracy of the sweep battery at each ε, starting at ε = 0 with the clean accuracy (${curve.sweep.map((p) => `${num(p.eps)} → ${pctCI(p.robustAccuracy, p.interval)}`).join(', ')}). Dashed: the upper bound from the minimal-norm attack (share of points whose smallest adversarial perturbation found is larger than ε). Dotted: clean accuracy ${pct(curve.clean)}. Diamond: the full battery at the audit ε = ${num(curve.audit.eps)}, ${pctCI(curve.audit.robustAccuracy, curve.audit.interval)}. ${bars} Data: report.sweep.points, report.cleanAccuracy, report.robustAccuracy and their intervals.`,
  });

  if (hasBracket(r)) {
    const br = bracketData(r);
    const at = (f: { value: number; interval: Interval } | null) => (f ? pctCI(f.value, f.interval) : 'not measured');
    const figures = br.points.map((p) => `${num(p.eps)}: certified ${at(p.certified)}, attacked ${at(p.attacked)}`).join('; ');
    L.heading('Certified and attacked robust accuracy', 2);
    L.figure(200, (x, y, w) => drawBracket(L.doc, { x, y, w, h: 192 }, br), {
      alt: `Line chart of certified and attacked robust accuracy against ε, the gap between them shaded as unknown: ${figures}.`,
      caption: `Solid: attacked robust accuracy of the sweep battery (an upper bound on the true robust accuracy). Dashed: certified accuracy by ${br.method.toUpperCase()} (a lower bound: each counted point is proven robust). Shaded, "unknown": points neither broken nor certified, between neighbouring ε where both figures were measured (${figures}). ${bars} Data: report.sweep.points, report.certification.sweep.`,
    });
  }

  const steps = cascadeData(r);
  const shown = steps.slice(0, CASCADE_BARS + 1);
  L.heading('Attack cascade', 2);
  L.figure(cascadeHeight(shown.length), (x, y, w) => drawCascade(L.doc, { x, y, w, h: cascadeHeight(shown.length) }, shown), {
    alt: `Bar chart of accuracy before and after each attack stage: ${shown.map((s) => `${s.label} ${pctCI(s.robustAccuracy, s.interval)}`).join(', ')}.`,
    caption: `Accuracy of the whole set before any attack (clean) and after each stage of the battery, in the order they ran; each stage attacks only the points still robust, so the bars can only shrink. "(−k)": points that stage broke.${steps.length > shown.length ? ` Showing the first ${shown.length - 1} of ${steps.length - 1} stages.` : ''} ${bars} Data: report.stages[].robustAccuracyAfter(Interval).`,
  });

  const pc = perClassData(r, ctx.maxTableRows);
  L.heading('Clean and robust accuracy per class', 2);
  if (pc.classes.length === 0) L.paragraph('No class has points.');
  else {
    const small = pc.classes.filter((c) => c.smallSample).length;
    L.figure(190, (x, y, w) => drawPerClass(L.doc, { x, y, w, h: 184 }, pc), {
      alt: `Grouped bar chart of clean and robust accuracy for ${plural(pc.classes.length, 'class', 'classes')}.`,
      caption: `${pc.selection === 'all' ? `All ${plural(pc.total, 'class', 'classes')} with points` : `The ${pc.classes.length} classes with the lowest robust accuracy, of ${int(pc.total)} with points (lowest first)`}. Robust-accuracy gap between the best and worst class: ${pct(r.perClass.robustAccuracyGap)}. ${bars}${small ? ` ${SMALL_MARK}: fewer than 30 points (${plural(small, 'class', 'classes')}); such a class's figures are too uncertain to compare with others.` : ''} Data: report.perClass.classes.`,
    });
    // Certified accuracy per class: a column when certification ran on a model it could bound.
    const certified = r.certification && r.certification.notCertifiable === null && r.certification.perClass
      ? new Map(r.certification.perClass.map((c) => [c.label, c])) : null;
    const certCell = (label: number) => {
      const c = certified?.get(label);
      return c && c.certifiedAccuracy !== null ? pctCI(c.certifiedAccuracy, c.certifiedAccuracyInterval) : '—';
    };
    L.table([
      { header: 'Class', weight: 0.7, align: 'right' }, { header: 'Points', weight: 0.8, align: 'right' },
      { header: 'Clean accuracy (CI)', weight: 1.6, align: 'right' }, { header: 'Robust accuracy (CI)', weight: 1.6, align: 'right' },
      ...(certified ? [{ header: `Certified, ${r.certification!.method.toUpperCase()} (CI)`, weight: 1.6, align: 'right' as const }] : []),
      { header: 'Sample', weight: 1.3 },
    ], pc.classes.map((c) => [
      String(c.label), int(c.n), pctCI(c.clean, c.cleanInterval), pctCI(c.robust, c.robustInterval),
      ...(certified ? [certCell(c.label)] : []),
      c.smallSample ? `${SMALL_MARK} small (n < 30)` : '',
    ]), { fontSize: 8 });
    if (certified) L.caption(`Certified: the class's points proven robust at ε = ${num(r.threat.eps)} (a lower bound on its robust accuracy), with its interval. Data: report.certification.perClass.`);
  }

  const hm = hardPairHeatmapData(r, HEATMAP_CLASSES);
  const hh = heatmapHeight(Math.min(L.width, 330), hm.labels.length);
  L.heading('Hard class pairs', 2);
  L.figure(hh, (x, y, w) => drawHeatmap(L.doc, { x, y, w, h: hh }, hm), {
    alt: `Heatmap of true class against adversarial class. Top pairs: ${r.perClass.hardPairs.slice(0, 5).map((p) => `${p.from} to ${p.to} (${p.count})`).join(', ') || 'none'}.`,
    caption: `Row: true class; column: class of the adversarial example (or of the clean prediction for misclassified points); darker = more points; the diagonal is omitted. ${hm.labels.length < hm.totalClasses ? `The ${hm.labels.length} of ${int(hm.totalClasses)} classes of the hardest pairs (largest off-diagonal cells first), covering ${int(hm.shownTotal)} of ${int(hm.offDiagonalTotal)} off-diagonal points.` : `All ${int(hm.totalClasses)} classes (${int(hm.offDiagonalTotal)} off-diagonal points).`} Top pairs: ${r.perClass.hardPairs.slice(0, 5).map((p) => `${p.from} → ${p.to} (${int(p.count)})`).join(', ') || 'none'}. Data: report.perClass.adversarialConfusion.`,
  });

  const hist = minimalNormHistogramData(r);
  const nm = r.threat.norm === 'linf' ? '∞' : '₂';
  L.heading('Minimal perturbation norms', 2);
  if (hist.found === 0) {
    L.paragraph(hist.attack ? `${hist.attack} found no adversarial example for any of the ${int(hist.cleanCorrect)} clean-correct points.` : 'The minimal-norm attack did not run, so no per-point minimal norms were measured.');
    return;
  }
  L.figure(180, (x, y, w) => drawNormHistogram(L.doc, { x, y, w, h: 174 }, hist), {
    alt: `Histogram of the minimal ‖δ‖${nm} of ${int(hist.found)} points; ${int(hist.withinEps)} are within ε = ${num(hist.eps)}; median ${num(hist.median)}.`,
    caption: `Per point, the smallest ‖δ‖${nm} of a verified adversarial example that ${hist.attack ?? 'the minimal-norm attack'} found (report.points.minimalNorm), for the ${int(hist.found)} of ${int(hist.cleanCorrect)} clean-correct points where it found one${hist.notFound ? `; for ${int(hist.notFound)} it found none within its search` : ''}. Orange: norms within the audit budget (these points are broken at ε = ${num(hist.eps)}); blue: beyond it. Solid line: ε; dashed: the median. Bin width ${num(hist.bins[0].hi - hist.bins[0].lo)}. Norm: ${normName(r.threat.norm)}.`,
  });
}
