/** The summary table: the report's headline figures, one row each, with what they mean. */
import type { Report } from '../../../schema/report';
import { Layout } from '../layout';
import { int, normName, num, pct, pctCI, plural, seconds } from '../text';
import type { RenderContext } from './context';

/** Summary rows [figure, value, meaning] from a report (pure). */
export function summaryRows(r: Report, maxSweep = 8): [string, string, string][] {
  const broken = r.points.brokenBy.filter((s) => s >= 0).length;
  const misclassified = r.points.label.filter((y, i) => r.points.cleanPred[i] !== y).length;
  const mn = r.sweep.minimalNorms;
  const hp = r.perClass.hardPairs[0];
  const statuses = { pass: 0, flag: 0, skipped: 0 };
  for (const c of r.checks) statuses[c.status]++;
  const sweep = [...r.sweep.points].sort((a, b) => a.eps - b.eps);
  const rows: [string, string, string][] = [
    ['Clean accuracy', pctCI(r.cleanAccuracy, r.cleanAccuracyInterval), `test points classified correctly without any change (${int(misclassified)} of ${int(r.data.n)} misclassified)`],
    [`Robust accuracy (${normName(r.threat.norm)}, ε = ${num(r.threat.eps)})`, pctCI(r.robustAccuracy, r.robustAccuracyInterval), 'points still classified correctly after every attack of the battery within the budget (an upper bound: stronger attacks can only lower it)'],
    ...certificationRows(r),
    ['Accuracy lost to attacks', `${num(100 * (r.cleanAccuracy - r.robustAccuracy), 3)} points`, `${plural(broken, 'point')} broken by a verified adversarial example`],
    ['Robust accuracy vs ε', sweep.slice(0, maxSweep).map((p) => `${num(p.eps)}: ${pctCI(p.robustAccuracy, p.robustAccuracyInterval)}`).join(', ') + (sweep.length > maxSweep ? ', …' : '') || '—', 'the sweep: how fast robustness falls as the budget grows'],
    ['Median minimal perturbation', mn && mn.quantiles.p50 !== null ? num(mn.quantiles.p50) : '—', mn ? `${mn.attack}: found for ${int(mn.found)} of ${int(mn.n)} clean-correct points` : 'not measured'],
    ['Per-class robust-accuracy gap', pct(r.perClass.robustAccuracyGap), 'best minus worst class: how uneven robustness is across classes'],
    ['Hardest class pair', hp ? `${hp.from} → ${hp.to}` : '—', hp ? `${plural(hp.count, 'point')}, ${pct(hp.shareOfBroken)} of the broken points` : 'no point was broken'],
    ['Hypocritical risk', r.hypocritical ? pctCI(r.hypocritical.risk, r.hypocritical.riskInterval) : 'not measured', r.hypocritical ? `misclassified points a small change makes look correct; faked accuracy ${pctCI(r.hypocritical.fakedAccuracy, r.hypocritical.fakedAccuracyInterval)}` : 'Tao et al. 2022: not run'],
    ['Data integrity', r.integrity ? (r.integrity.flagged ? 'FLAGGED' : 'ok') : 'not measured', r.integrity ? `vs reference ${r.integrity.reference.name}: KS ${num(r.integrity.ks.statistic, 3)}, p = ${num(r.integrity.ks.pValue, 3)}` : 'no reference set was given'],
    ['Reliability checks', `${statuses.pass} pass, ${statuses.flag} flagged, ${statuses.skipped} skipped`, r.flags.length ? `flags: ${r.flags.join(', ')}` : 'no flag raised'],
    ['Adaptations', r.adaptations.length ? r.adaptations.map((a) => a.id).join(', ') : 'none', 'changes to the attacks that the model required'],
    ['Attack stages', String(r.stages.length), `${int(r.stages.reduce((s, x) => s + x.forwardCalls, 0))} forward and ${int(r.stages.reduce((s, x) => s + x.gradientCalls, 0))} gradient calls`],
    ['Time', r.timings.total !== undefined ? seconds(r.timings.total) : '—', `on ${r.environment.cpus} × ${r.environment.cpu}${r.environment.gpu ? ` + ${r.environment.gpu}` : ''}`],
  ];
  return rows;
}

/** The certified-accuracy row (none for reports made before certification existed). */
function certificationRows(r: Report): [string, string, string][] {
  const c = r.certification;
  if (c === undefined) return [];
  if (c === null) return [['Certified accuracy', 'not run', 'certification was turned off (--certify none)']];
  if (c.notCertifiable) return [['Certified accuracy', 'not certifiable', c.notCertifiable]];
  const others = c.sweep.filter((p) => p.eps !== r.threat.eps).map((p) => `${num(p.eps)}: ${pctCI(p.certifiedAccuracy, p.certifiedAccuracyInterval)}`);
  return [[
    `Certified accuracy (${c.method.toUpperCase()}, ε = ${num(r.threat.eps)})`, pctCI(c.certifiedAccuracy, c.certifiedAccuracyInterval),
    `points proven robust: no input within the budget changes their class (a lower bound: certified ≤ true robust ≤ attacked)${others.length ? `; at smaller ε ${others.join(', ')}` : ''}`,
  ]];
}

/** Draws the summary table. */
export function summarySection(L: Layout, ctx: RenderContext): void {
  L.heading('Summary', 1);
  L.table([
    { header: 'Figure', weight: 1.25 },
    { header: 'Value', weight: 1.1 },
    { header: 'What it means', weight: 2.4 },
  ], summaryRows(ctx.report), { fontSize: 8.5 });
  L.caption(`Brackets: exact ${pct(ctx.report.intervals.level, 0)} Clopper–Pearson confidence interval of the figure, in percent (report.*Interval).`);
}
