/** Ids of every check the audit reports (report.checks[].id, policy `failOnFlags`), in report order. */
export const CHECK_IDS = [
  'probability-outputs', 'randomized-outputs', 'zero-gradients', 'black-box-beats-white-box', 'non-monotone-eps',
  'full-box-not-zero', 'not-converged', 'hypocritical-fakeable', 'data-too-easy',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];
