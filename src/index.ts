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
export { auditFromFiles } from './usecases/from-files';
export type { AuditFilesOptions, AuditFilesResult, AuditFilesSpec } from './usecases/from-files';
export { runAudit, runAuditWithExamples } from './audit/audit';
export type { AuditOptions, AuditResult } from './audit/audit';
export { loadModel } from './model/load';
export type { LoadOptions } from './model/load';
export type { Model } from './model/model';
export { REPORT_SCHEMA, reportSchema, validateReport } from './schema/report';
export type { Report } from './schema/report';
export { verifyFile } from './report/sign';
export type { TrustedKey, VerifyOptions, VerifyResult } from './report/sign';
