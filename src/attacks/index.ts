/**
 * The attack registry: every attack Gauntlet ships, by its public name (CLI `--attack`, API,
 * battery lists). Adding an attack is one import and one entry here; nothing else branches on
 * names. `paramFields` describes an attack's parameters from its zod schema (for usage errors
 * and docs).
 */
import { z } from 'zod';
import { UsageError } from '../errors';
import { fgsm } from './fgsm';
import { pgd } from './pgd';
import { altPgd } from './alt-pgd';
import { apgdCe, apgdDlr, apgdT } from './apgd';
import { fabT } from './fab';
import { square } from './square';
import { TARGET_BPDA, transferAttack } from './transfer';
import { parseParams } from './run';
import { AttackDefinition } from './types';

export type AnyAttack = AttackDefinition<any>;

/** Attacks that run on their own (every entry except 'transfer', which wraps one of them). */
const BASE = {
  fgsm,
  pgd,
  'apgd-ce': apgdCe,
  'apgd-dlr': apgdDlr,
  'apgd-t': apgdT,
  'fab-t': fabT,
  square,
  'alt-pgd': altPgd,
} satisfies Record<string, AnyAttack>;

export type BaseAttackName = keyof typeof BASE;
export const BASE_ATTACK_NAMES = Object.keys(BASE) as BaseAttackName[];
/** Names of the attacks that use gradients (the ones a transfer attack can run on a surrogate). */
export const GRADIENT_ATTACK_NAMES = BASE_ATTACK_NAMES.filter((k) => BASE[k].needs === 'gradients');

const transferSchema = z.object({
  attack: z.string().default('pgd').describe(`gradient attack run with straight-through gradients: ${GRADIENT_ATTACK_NAMES.join(', ')}`),
  params: z.record(z.string(), z.unknown()).default({}).describe('parameters of that attack'),
}).strict().superRefine((v, ctx) => {
  const inner = (BASE as Record<string, AnyAttack>)[v.attack];
  if (!inner || inner.needs !== 'gradients') {
    ctx.addIssue({ code: 'custom', path: ['attack'], message: `expected one of ${GRADIENT_ATTACK_NAMES.join(', ')}, got '${v.attack}'` });
    return;
  }
  const r = inner.params.safeParse(v.params);
  if (!r.success) for (const i of r.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map(String)], message: i.message });
});
type TransferByNameParams = z.infer<typeof transferSchema>;

/**
 * 'transfer' by name: a gradient attack crafted on the target itself with straight-through
 * (BPDA) gradients and verified with the true forward pass. For a separate surrogate model use
 * `transferAttack(surrogate, inner, innerParams)` from ./transfer (a model is not a parameter).
 */
export const transfer: AttackDefinition<TransferByNameParams> = {
  name: 'transfer',
  paper: 'Papernot, McDaniel, Goodfellow 2016, arXiv:1605.07277; BPDA: Athalye, Carlini, Wagner 2018, arXiv:1802.00420',
  needs: 'gradients',
  params: transferSchema,
  search(model, batch, threat, p, ctx) {
    const inner = BASE[p.attack as BaseAttackName] as AnyAttack;
    const def = transferAttack(TARGET_BPDA, inner, p.params);
    return def.search(model, batch, threat, parseParams(def, {}), ctx);
  },
};

/** Every attack by public name. */
export const ATTACKS: Readonly<Record<BaseAttackName | 'transfer', AnyAttack>> = Object.freeze({ ...BASE, transfer });
export type AttackName = keyof typeof ATTACKS;
export const ATTACK_NAMES = Object.keys(ATTACKS) as AttackName[];

/** The attack of that name; UsageError listing the known names otherwise. */
export function getAttack(name: string): AnyAttack {
  if (!Object.prototype.hasOwnProperty.call(ATTACKS, name)) {
    throw new UsageError(`unknown attack '${name}'; known attacks: ${ATTACK_NAMES.join(', ')}`);
  }
  return ATTACKS[name as AttackName];
}

/** One parameter of an attack, read off its zod schema. */
export interface ParamField {
  key: string;
  description?: string;
  /** The schema default, when there is one. */
  default?: unknown;
  optional: boolean;
}

/** The parameters an attack accepts (empty when its schema is not an object). */
export function paramFields(def: AnyAttack): ParamField[] {
  const obj = objectSchema(def.params);
  if (!obj) return [];
  return Object.entries(obj.shape).map(([key, s]) => {
    const field = s as z.ZodType;
    let d: unknown;
    let hasDefault = false;
    let inner: z.ZodType = field;
    let description = field.description;
    for (let guard = 0; guard < 8; guard++) {
      const def_ = (inner as unknown as { _zod: { def: { type: string; defaultValue?: unknown; innerType?: z.ZodType; in?: z.ZodType } } })._zod.def;
      if (def_.type === 'default' || def_.type === 'prefault') { hasDefault = true; d = def_.defaultValue; }
      const next = def_.innerType ?? def_.in;
      if (!next) break;
      inner = next;
      description ??= inner.description;
    }
    return { key, description, ...(hasDefault ? { default: d } : {}), optional: hasDefault || field.safeParse(undefined).success };
  });
}

/** The z.object behind a schema (through pipes, preprocessing, refinements, optional/default wrappers). */
function objectSchema(s: z.ZodType | undefined, depth = 0): z.ZodObject | undefined {
  if (!s || depth > 8) return undefined;
  if (s instanceof z.ZodObject) return s;
  const d: { innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType } = (s as unknown as { _zod: { def: { innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType } } })._zod.def;
  return objectSchema(d.innerType, depth + 1) ?? objectSchema(d.in, depth + 1) ?? objectSchema(d.out, depth + 1);
}

export { runAttack, robustAccuracy, parseParams } from './run';
export { runCascade } from './cascade';
export type { CascadeStep, CascadeResult, CascadeStage } from './cascade';
export { transferAttack, TARGET_BPDA, straightThroughModel } from './transfer';
export type { TransferDefinition, Surrogate } from './transfer';
export type { AttackDefinition, AttackModel, AttackBatch, AttackContext, AttackResult, ThreatModel, Norm } from './types';
export { NORMS } from './types';
