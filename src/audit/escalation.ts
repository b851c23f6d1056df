/**
 * Escalation of the extra-effort (convergence) stage: "iterate until convergence" (Carlini et al.
 * 2019, arXiv:1902.06705 §4.4) made a loop with a stated budget. Round 1 is the battery's
 * convergence step on the points the cascade left robust; while a round still breaks points
 * (stillBreaking: ≥ 2 and > 0.5 % of the set, the not-converged check's tolerance), the next
 * round runs on the points still robust with a fresh random stream and as many new restarts as
 * all earlier rounds together, so the restarts tried per point double every round (base, 2·base,
 * 4·base, … in all) while round r costs 2^(r−2) times round 1 (worst case for 3 rounds: 4× the
 * convergence stage, on the points still robust only). An attack without restarts gets twice its
 * steps/queries per round instead (not cumulative: its run is deterministic per seed).
 * A round within that tolerance ends the loop, so escalation never turns a pass into a flag.
 * Every round is a report stage of its own (origin 'convergence', 'convergence-2', …), so the
 * robust accuracy stays the per-point minimum over every stage; `not-converged` is raised only
 * when the last allowed round still broke points (./checks/not-converged.ts).
 *
 * Determinism under shards and --resume: each round is run through runStagedCascade (checkpointed
 * per (stage, chunk)), and whether another round runs depends only on the rounds' units. A shard
 * decides from its own chunks (it can only stop earlier than the whole run, never later); the
 * final run on the merged checkpoint decides from all chunks and runs any round a shard stopped
 * short of, so the report equals a single run's.
 */
import { getAttack, paramFields } from '../attacks';
import type { AttackContext } from '../attacks/types';
import type { ReportStage } from '../schema/report';
import type { BatteryStep } from './battery';
import { stillBreaking } from './checks/not-converged';

/** Parameters an escalation round multiplies, by preference: the first the attack has. */
const EFFORT_PARAMS = ['restarts', 'steps', 'queries'] as const;

/** Offset added to the audit seed per round after the first (new restarts, not the first ones again). */
export const ROUND_SEED_STRIDE = 1000;

/** Origin recorded for round `round` (1-based) of the convergence stage. */
export function roundOrigin(round: number): string {
  return round === 1 ? 'convergence' : `convergence-${round}`;
}

/**
 * The step of round `round` (1-based): round 1 is `base` itself; round r ≥ 2 runs 2^(r−2) times the
 * base restarts (new ones: see roundContext), or, for an attack without restarts, 2^(r−1) times its
 * steps or queries; through a transfer step, the inner attack's.
 */
export function escalationStep(base: BatteryStep, round: number): BatteryStep {
  if (!Number.isInteger(round) || round < 1) throw new RangeError(`round must be an integer ≥ 1, got ${round}`);
  if (round === 1) return structuredClone(base);
  const scale = (attack: string, params: Record<string, unknown>): Record<string, unknown> => {
    const def = getAttack(attack);
    const fields = paramFields(def);
    const key = EFFORT_PARAMS.find((k) => fields.some((f) => f.key === k));
    if (!key) return params;
    const field = fields.find((f) => f.key === key)!;
    const current = typeof params[key] === 'number' ? (params[key] as number) : Number(field.default ?? 1);
    return { ...params, [key]: current * 2 ** (key === 'restarts' ? round - 2 : round - 1) };
  };
  let params: Record<string, unknown>;
  if (base.attack === 'transfer') {
    const inner = base.params as { attack: string; params?: Record<string, unknown> };
    params = { ...base.params, params: scale(inner.attack, inner.params ?? {}) };
  } else params = scale(base.attack, base.params);
  return { ...structuredClone(base), params, origin: roundOrigin(round) };
}

/** The attack context of round `round`: its own random stream (round 1 keeps the audit's). */
export function roundContext(ctx: AttackContext, round: number): AttackContext {
  return round === 1 ? ctx : { ...ctx, seed: ctx.seed + ROUND_SEED_STRIDE * (round - 1) };
}

/** What one round did (a report stage). */
export type RoundRecord = Pick<ReportStage, 'broken'> & Partial<ReportStage>;

/**
 * Runs rounds 1, 2, … through `runRound` while the previous round still broke points
 * (`stillBreaking(broken, n)` of ./checks/not-converged.ts for a set of `n` points), at most
 * `rounds` rounds; returns every round's record in order.
 */
export async function escalate<R extends RoundRecord>(rounds: number, n: number, runRound: (round: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`escalation rounds must be an integer ≥ 1, got ${rounds}`);
  const out: R[] = [];
  for (let r = 1; r <= rounds; r++) {
    const rec = await runRound(r);
    out.push(rec);
    if (!stillBreaking(rec.broken, n)) break;
  }
  return out;
}
