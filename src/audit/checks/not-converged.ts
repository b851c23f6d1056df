/**
 * More iterations/restarts still improve (Carlini et al. 2019, arXiv:1902.06705 §4.4,
 * "iterate until convergence"; Croce & Hein 2020, arXiv:2003.01690, use restarts for the same
 * reason). The audit does not stop at the symptom: the extra-effort stage escalates
 * (../escalation.ts) — while a round breaks points, another round with twice the restarts runs on
 * the points still robust — and every round's breaks are in the audit's figure. The battery is
 * reported as not converged only when the last round the budget allows still broke more than a
 * small share of the set: then the figure is an unfinished upper bound. A round within that
 * tolerance ends the escalation (./escalation.ts uses stillBreaking below).
 */
import type { Check, ReportStage } from '../../schema/report';
import { defineCheck } from './types';

/** The check's registry entry (./index.ts). */
export const notConverged = defineCheck({
  id: 'not-converged',
  title: 'More iterations or restarts still break points',
  explanation: {
    tests: 'whether running the attacks longer would fool more images',
    flag: 'Running the attacks longer, round after round up to the allowed budget, still fooled more images, so the robustness figure may be too optimistic.',
    pass: 'Running the attacks longer, until a round fooled no further image, left the robustness figure stable (the images fooled on the way are counted).',
  },
  failsByDefault: { order: 2 }, // the figure is an unfinished upper bound
  evaluate: (e) => notConvergedCheck(e.convergenceRounds, e.n, e.maxRounds),
});

export const NOT_CONVERGED_SHARE = 0.005;
export const NOT_CONVERGED_MIN = 2;

/**
 * Whether an extra-effort round that broke `broken` of `n` points still improved the figure
 * significantly (≥ NOT_CONVERGED_MIN points and > NOT_CONVERGED_SHARE of the set). The escalation
 * continues exactly while this holds, so it never turns a round the check would pass into a flag.
 */
export function stillBreaking(broken: number, n: number): boolean {
  return broken >= NOT_CONVERGED_MIN && broken > NOT_CONVERGED_SHARE * n;
}

/**
 * `rounds`: the escalation rounds that ran, in order (round 1 is the convergence stage; a single
 * stage is accepted as one round); `maxRounds`: the budget (battery.escalation.rounds).
 */
export function notConvergedCheck(rounds: ReportStage | readonly ReportStage[] | undefined, n: number, maxRounds = 1): Check {
  const base = { id: notConverged.id, title: notConverged.title };
  const list = rounds === undefined ? [] : Array.isArray(rounds) ? (rounds as readonly ReportStage[]) : [rounds as ReportStage];
  if (list.length === 0) return { ...base, status: 'skipped', message: 'no convergence stage ran', evidence: {} };
  const last = list[list.length - 1];
  const total = list.reduce((s, r) => s + r.broken, 0);
  const perRound = list.map((r) => r.broken).join(', ');
  const evidence = {
    attack: list[0].attack, attacked: list[0].attacked, broken: total, brokenPerRound: perRound, rounds: list.length, maxRounds,
    lastRoundBroken: last.broken, share: n ? last.broken / n : 0, threshold: NOT_CONVERGED_SHARE,
  };
  const plural = list.length > 1 || list[0].broken !== 1 ? 's' : '';
  const what = `the extra-effort ${list[0].attack} broke ${perRound} point${plural}${list.length > 1 ? ` in rounds 1–${list.length}` : ''} of the ${list[0].attacked} the battery left robust`;
  const exhausted = list.length >= maxRounds;
  if (exhausted && stillBreaking(last.broken, n)) {
    return { ...base, evidence, status: 'flag', message: `${what}; its last allowed round (${list.length} of ${maxRounds}, ${last.attack} ${describeEffort(last)}) still broke ${last.broken} (${(100 * last.broken / n).toFixed(1)}% of the set): the battery had not converged within the escalation budget` };
  }
  const why = stillBreaking(last.broken, n)
    ? `; the last round broke ${last.broken} and the budget allows ${maxRounds - list.length} more`
    : list.length > 1 ? `; round ${list.length} broke ${last.broken === 0 ? 'none' : `only ${last.broken}, within the tolerance`}: converged (every round's breaks are in the figure)` : '';
  return { ...base, evidence, status: 'pass', message: `${what}${why}` };
}

function describeEffort(s: ReportStage): string {
  const p = (s.params ?? {}) as Record<string, unknown>;
  const parts = ['restarts', 'steps', 'queries'].filter((k) => typeof p[k] === 'number').map((k) => `${k} ${p[k] as number}`);
  return parts.length ? `with ${parts.join(', ')}` : '';
}
