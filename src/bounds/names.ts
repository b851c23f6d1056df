/** Value names of the bound graphs' inputs and output. */
export const LO = 'bounds_lo';
export const HI = 'bounds_hi';
export const LABELS = 'labels';
export const MARGIN_LO = 'margin_lo';
