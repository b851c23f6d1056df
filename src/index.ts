/**
 * Gauntlet's library entry (package.json `main` / `exports`): the use cases the CLI and the
 * service are built on — audit a model file, verify a signed report — with the report's schema
 * and the typed errors they throw. Everything else is internal and may move between releases.
 */
export { GAUNTLET_VERSION } from './version';
export {
  CancelledError, DataError, GauntletError, InternalError, ModelError, ProviderError, RuntimeFailure, StateError,
  UnsupportedOpError, UsageError,
} from './errors';
export { auditFromFiles } from './audit/from-files';
export type { AuditFilesOptions, AuditFilesResult, AuditFilesSpec } from './audit/from-files';
export { runAudit, runAuditWithExamples } from './audit/audit';
export type { AuditOptions, AuditResult } from './audit/audit';
export { loadModel } from './runtime/model';
export type { LoadOptions, Model } from './runtime/model';
export { REPORT_SCHEMA, reportSchema, validateReport } from './report/schema';
export type { Report } from './report/schema';
export { verifyFile } from './report/sign';
export type { TrustedKey, VerifyOptions, VerifyResult } from './report/sign';
