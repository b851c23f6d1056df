/** Value names of the bound graphs' inputs and output. */
export const LO = 'bounds_lo';
export const HI = 'bounds_hi';
export const LABELS = 'labels';
export const MARGIN_LO = 'margin_lo';
/** CROWN graphs: the margins of the exact network (no float32-evaluation allowance). */
export const MARGIN_EXACT = 'margin_exact';
/** Outputs of an interval graph (propagate.ts): elementwise bounds of the bounded value. */
export const OUT_LO = 'interval_lo';
export const OUT_HI = 'interval_hi';
/** Inputs of an L2 CROWN graph: the ball's centre [N, ...] and radius [N]. */
export const CENTER = 'bounds_center';
export const EPS = 'bounds_eps';
