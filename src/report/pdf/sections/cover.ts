/** The cover page: verdict, reasons, identities of model and data, threat model, battery, seed, date. */
import { COLORS, Layout } from '../layout';
import { clip, normName, num, pct, pctCI, plural, reportDate } from '../text';
import type { RenderContext } from './context';

/** Failed rules listed on the cover at most (each clipped to 300 characters). */
export const COVER_REASONS = 10;

/** The cover's verdict word and colour: PASS green, FAIL red, UNGATED a neutral blue-grey (nothing was certified), NO VERDICT grey when the gate did not run. */
export function verdictOf(ctx: RenderContext): { word: string; color: string } {
  const v = ctx.report.gate?.verdict;
  if (v === 'PASS') return { word: 'PASS', color: COLORS.pass };
  if (v === 'FAIL') return { word: 'FAIL', color: COLORS.fail };
  if (v === 'UNGATED') return { word: 'UNGATED', color: COLORS.neutral };
  return { word: 'NO VERDICT', color: COLORS.muted };
}

/** Draws the cover. */
export function coverSection(L: Layout, ctx: RenderContext): void {
  const r = ctx.report;
  L.font('bold', 22);
  L.tag('H1', () => { L.doc.text('Adversarial robustness audit', L.left, L.y, { width: L.width }); });
  L.y = L.doc.y + 2;
  L.paragraph(`${r.model.name} on ${r.data.name} — ${normName(r.threat.norm)} threat model, ε = ${num(r.threat.eps)}`, { size: 11, color: COLORS.muted, gap: 14 });

  const { word, color } = verdictOf(ctx);
  const boxH = 74;
  const level = pct(r.intervals.level, 0);
  const lines = [
    r.gate ? `policy: ${r.gate.policy.name}` : 'the policy gate did not run',
    `clean accuracy ${pctCI(r.cleanAccuracy, r.cleanAccuracyInterval)}`,
    `robust accuracy ${pctCI(r.robustAccuracy, r.robustAccuracyInterval)} at ε = ${num(r.threat.eps)}`,
    `(${level} confidence intervals in brackets)`,
  ];
  L.block(boxH + 10, (x, y, w) => {
    L.doc.roundedRect(x, y, w, boxH, 6).fill(color);
    // The word at 40 pt, smaller when it would run into the figures beside it.
    L.font('bold', 40, '#ffffff');
    const size = Math.min(40, (40 * (w * 0.46 - 30)) / L.doc.widthOfString(word));
    L.font('bold', size, '#ffffff').doc.text(word, x + 18, y + (boxH - size) / 2 + 2, { width: w * 0.46, lineBreak: false });
    L.font('regular', 9, '#ffffff');
    lines.forEach((s, i) => L.doc.text(s, x + w * 0.46, y + 10 + i * 14, { width: w * 0.54 - 10, height: 14, ellipsis: true, lineBreak: false }));
  }, `Verdict ${word}. ${lines.join('; ')}.`);

  if (r.gate?.verdict === 'UNGATED') {
    const note = r.gate.note ?? 'no requirement on a measured figure was stated, so nothing was certified';
    L.paragraph(`UNGATED — ${note.charAt(0).toUpperCase()}${note.slice(1)}.`, { font: 'bold', color: COLORS.neutral, gap: 4 });
  }
  if (r.gate && r.gate.confidence !== null) {
    L.paragraph(`Thresholds were applied to the bounds of the ${pct(r.gate.confidence, 0)} confidence intervals, not to the point estimates: a minimum must hold for the interval's lower bound, a maximum for its upper bound.`, { gap: 4 });
  }

  if (r.gate) {
    const failed = r.gate.rules.filter((g) => !g.passed);
    if (failed.length) {
      L.heading(`Why the report fails (${plural(failed.length, 'rule')})`, 3);
      const shown = Math.min(COVER_REASONS, ctx.maxTableRows);
      for (const g of failed.slice(0, shown)) L.paragraph(`• ${g.rule}: ${clip(g.message, 300)}`, { indent: 8, gap: 2 });
      if (failed.length > shown) L.paragraph(`… and ${failed.length - shown} more (listed under Methodology → Policy gate).`, { color: COLORS.muted });
    } else {
      L.paragraph(`All ${plural(r.gate.rules.length, 'rule')} of policy '${r.gate.policy.name}' passed.`, { gap: 2 });
    }
  } else {
    L.paragraph('No policy was evaluated, so the report carries no verdict; the figures below are measurements only.');
  }
  if (r.flags.length) {
    L.paragraph(`Reliability flags raised: ${r.flags.join(', ')} (explained under Reliability checks).`, { color: COLORS.warn });
  } else {
    L.paragraph('No reliability flag was raised.', { color: COLORS.muted });
  }
  L.space(10);

  L.heading('What was audited', 2);
  L.keyValues([
    ['Model', `${r.model.name} — input shape [${r.model.inputShape.join(', ')}], ${r.model.numClasses} classes`],
    ['Model SHA-256', r.model.sha256, 'mono'],
    ['Evaluation data', `${r.data.name} — ${plural(r.data.n, 'point')}`],
    ['Data SHA-256', r.data.sha256, 'mono'],
    ['Threat model', `every input may be changed by any δ with ‖δ‖${r.threat.norm === 'linf' ? '∞' : '₂'} ≤ ${num(r.threat.eps)} (${normName(r.threat.norm)} ball, input units), clipped to the valid input range`],
    ['Battery', `${r.battery.id} (preset ${r.battery.preset}): ${r.battery.stages.map((s) => s.attack).join(' → ') || 'no stage'}`],
    ['Seed', String(r.seed)],
    ['Date', reportDate(r.createdAt)],
    ['Policy', r.gate ? `${r.gate.policy.name}${r.gate.policy.sha256 ? ` (SHA-256 ${r.gate.policy.sha256})` : ' (built-in)'}` : 'none'],
    ['Report format', `${r.schema}, Gauntlet ${r.environment.gauntlet}${r.resumed ? `, resumed ${plural(r.resumed, 'time')} from a checkpoint` : ''}`],
  ], { keyWidth: 110 });
}
