/** Contract of a reliability check (one definition per file, listed once in ./index.ts). */
import type { Check, Report, ReportStage } from '../../schema/report';
import type { ProbeEvidence } from '../probe';

/** Plain-language sentences for a reader who is not a specialist (the PDF prints them beside the technical message). */
export interface CheckExplanation {
  /** "whether …": what the check looks at. */
  tests: string;
  /** What a flag means, one sentence. */
  flag: string;
  /** What a pass means, one sentence. */
  pass: string;
}

/** One point set attacked at one ε. */
export interface EpsOutcome {
  eps: number;
  /** 1 where broken (or clean-misclassified). */
  broken: Uint8Array;
}

/** What the audit measured at ε = the whole box. */
export interface FullBoxOutcome {
  /** The ε used: the largest distance from an attacked point to the farthest corner of its box. */
  eps: number;
  /** The attacks run at that ε, in order (the full-box step, then the adapted battery's stages). */
  attacks: string[];
  /** Clean-correct points considered. */
  attacked: number;
  /** Of those, broken by the battery at the audit ε (broken at the whole box too, not attacked again). */
  brokenByBattery: number;
  /** Of those, still robust after every attack. */
  robust: number;
  /** Of the robust ones, those whose box holds an evaluation input the model classifies as another class. */
  robustWitnessed: number;
}

/** Everything the audit measured that a check may look at: the checks are pure functions of it. */
export interface AuditEvidence {
  /** Points in the evaluation set. */
  n: number;
  probe: ProbeEvidence;
  /** Ids of the adaptations applied to the battery. */
  adaptations: readonly string[];
  /** The report's stages (the battery's, then the convergence rounds). */
  stages: readonly ReportStage[];
  /** Per stage: gradient-free (true), white-box (false) or a transfer from a surrogate (null). */
  blackBox: readonly (boolean | null)[];
  /** The audit ε and every sweep ε, with the points broken at each. */
  epsOutcomes: readonly EpsOutcome[];
  /** The whole-box outcome (null: nothing attacked). */
  fullBox: FullBoxOutcome | null;
  /** The convergence rounds that ran, round 1 first. */
  convergenceRounds: readonly ReportStage[];
  /** The escalation budget (battery.escalation.rounds). */
  maxRounds: number;
  hypocritical: Report['hypocritical'];
  integrity: Report['integrity'];
  /** Why the integrity check could not run when integrity is null (null: not measured). */
  integritySkipped: string | null;
}

/** A reliability check: its id (report.checks[].id, policy `failOnFlags`), title, plain-language text and verdict. */
export interface CheckDefinition<Id extends string = string> {
  id: Id;
  title: string;
  explanation: CheckExplanation;
  /**
   * Whether the built-in policy (DEFAULT_POLICY, no --policy) fails the gate when this check flags,
   * and where the id stands in its `failOnFlags` (1 first; the order shows in the gate's rules and
   * in the sha256 of a policy built from shortcuts). A flag meaning the audit's figure cannot be
   * trusted (the attacks failed or did not finish, the data or the risk measurement is unfit) fails
   * it; a masking symptom the battery adapts to is reported but does not (`false`).
   */
  failsByDefault: false | { order: number };
  /** The check's outcome from the audit's evidence (pure). */
  evaluate(evidence: AuditEvidence): Check;
}

/** Declares a check, keeping its id as a literal type (so CheckId is a union of the registry's ids). */
export function defineCheck<const Id extends string>(d: CheckDefinition<Id>): CheckDefinition<Id> {
  return d;
}
