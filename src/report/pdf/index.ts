/** The PDF compliance report: renderer, its option types, and the pure chart-data functions. */
export { renderReportPdf, renderOptionsSchema, DEFAULT_MAX_TABLE_ROWS } from './render';
export type { RenderOptions } from './render';
export type { AdversarialExample } from './examples';
export { adversarialExampleSchema, imageGeometry } from './examples';
export type { SigningInfo } from './sections/context';
export { robustnessCurveData } from './charts/robustness-curve';
export type { RobustnessCurveData } from './charts/robustness-curve';
export { bracketData, hasBracket } from './charts/bracket';
export type { BracketData } from './charts/bracket';
export { cascadeData } from './charts/cascade';
export type { CascadeStep } from './charts/cascade';
export { perClassData } from './charts/per-class';
export type { PerClassData } from './charts/per-class';
export { hardPairHeatmapData } from './charts/heatmap';
export type { HeatmapData } from './charts/heatmap';
export { minimalNormHistogramData } from './charts/norm-histogram';
export type { NormHistogramData } from './charts/norm-histogram';
export { explainCheck, explainAdaptation } from './explain';
