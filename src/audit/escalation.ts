/**
 * Escalation of the extra-effort (convergence) stage: "iterate until convergence" (Carlini et al.
 * 2019, arXiv:1902.06705 §4.4) made a loop with a stated budget. Round 1 is the battery's
 * convergence step on the points the cascade left robust; while a round breaks a point, the next
 * round runs on the points still robust with twice the restarts (or, for an attack without
 * restarts, twice its iterations/queries) and a fresh random stream, up to `rounds` rounds.
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
import type { ReportStage } from '../report/schema';
import type { BatteryStep } from './battery';

/** Parameters an escalation round multiplies, by preference: the first the attack has. */
const EFFORT_PARAMS = ['restarts', 'steps', 'iterations', 'nQueries'] as const;

/** Offset added to the audit seed per round after the first (new restarts, not the first ones again). */
export const ROUND_SEED_STRIDE = 1000;

/** Origin recorded for round `round` (1-based) of the convergence stage. */
export function roundOrigin(round: number): string {
  return round === 1 ? 'convergence' : `convergence-${round}`;
}

/**
 * The step of round `round` (1-based): round 1 is `base` itself; round r multiplies the attack's
 * restarts (else steps, iterations or queries; through a transfer step, the inner attack's) by 2^(r−1).
 */
export function escalationStep(base: BatteryStep, round: number): BatteryStep {
  if (!Number.isInteger(round) || round < 1) throw new RangeError(`round must be an integer ≥ 1, got ${round}`);
  if (round === 1) return structuredClone(base);
  const factor = 2 ** (round - 1);
  const scale = (attack: string, params: Record<string, unknown>): Record<string, unknown> => {
    const def = getAttack(attack);
    const fields = paramFields(def);
    const key = EFFORT_PARAMS.find((k) => fields.some((f) => f.key === k));
    if (!key) return params;
    const field = fields.find((f) => f.key === key)!;
    const current = typeof params[key] === 'number' ? (params[key] as number) : Number(field.default ?? 1);
    return { ...params, [key]: current * factor };
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
 * Runs rounds 1, 2, … through `runRound` while the previous round broke a point, at most `rounds`
 * rounds; returns every round's record in order.
 */
export async function escalate<R extends RoundRecord>(rounds: number, runRound: (round: number) => Promise<R>): Promise<R[]> {
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError(`escalation rounds must be an integer ≥ 1, got ${rounds}`);
  const out: R[] = [];
  for (let r = 1; r <= rounds; r++) {
    const rec = await runRound(r);
    out.push(rec);
    if (rec.broken === 0) break;
  }
  return out;
}
