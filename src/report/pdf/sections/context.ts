/** What every section renderer receives. */
import type { Report } from '../../../schema/report';
import type { AdversarialExample } from '../examples';

/** How a signed report can be verified (filled in by the signing step). */
export interface SigningInfo {
  keyFingerprint: string;
  algorithm: string;
  verifyCommand: string;
}

/** A validated report and the resolved render options. */
export interface RenderContext {
  report: Report;
  examples: readonly AdversarialExample[];
  signing: SigningInfo | null;
  /** Rows kept in every top-k table (and bars/classes in the per-class chart). */
  maxTableRows: number;
}
