/**
 * renderReportPdf: the audit report (src/schema/report.ts, validated) as a PDF for a compliance
 * reviewer — cover with the verdict, summary, vector charts, example images, hypocritical risk,
 * reliability checks and adaptations in plain language, methodology and references,
 * environment, verification. Fonts are embedded (./fonts.ts); the output is deterministic for the
 * same input: CreationDate/ModDate come from report.createdAt and pdfkit's file ID is a hash of
 * the document info, so there is no clock and no random id in the file.
 */
import { z } from 'zod';
import { DataError, UsageError } from '../../errors';
import { Report, reportSchema } from '../../schema/report';
import { adversarialExampleSchema, AdversarialExample } from './examples';
import { createDocument } from './document';
import { Layout } from './layout';
import type { RenderContext, SigningInfo } from './sections/context';
import { coverSection } from './sections/cover';
import { environmentSection } from './sections/environment';
import { examplesSection } from './sections/examples';
import { hypocriticalSection } from './sections/hypocritical';
import { methodologySection } from './sections/methodology';
import { reliabilitySection } from './sections/reliability';
import { resultsSection } from './sections/results';
import { summarySection } from './sections/summary';
import { verificationSection } from './sections/verification';

/** Sections that start on a new page (when the page before is at least a third full: Layout.sectionBreak). */
export const SECTION_STARTS_PAGE: ReadonlySet<string> = new Set(['Summary', 'Results', 'Reliability checks', 'Methodology and references']);

/** Rows kept in top-k tables when the caller does not say. */
export const DEFAULT_MAX_TABLE_ROWS = 30;

/** Render options: example images, signing details for the verification section, table size. */
export const renderOptionsSchema = z.object({
  examples: z.array(adversarialExampleSchema).optional(),
  signing: z.object({
    keyFingerprint: z.string().min(1),
    algorithm: z.string().min(1),
    verifyCommand: z.string().min(1),
  }).optional(),
  maxTableRows: z.number().int().min(1).max(10_000).optional(),
});

/** Options of renderReportPdf. */
export interface RenderOptions {
  examples?: AdversarialExample[];
  signing?: SigningInfo;
  maxTableRows?: number;
}

function resolve(report: unknown, opts: unknown): RenderContext {
  const r = reportSchema.safeParse(report);
  if (!r.success) {
    const issues = r.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(report)'}: ${i.message}`).join('; ');
    throw new DataError(`cannot render the PDF: the report does not match ${reportSchema.shape.schema.value}: ${issues}`);
  }
  const o = renderOptionsSchema.safeParse(opts ?? {});
  if (!o.success) {
    const issues = o.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(options)'}: ${i.message}`).join('; ');
    throw new UsageError(`invalid PDF render options: ${issues} (examples need Float32Array x and xAdv; maxTableRows is a positive integer)`);
  }
  return {
    report: r.data as Report,
    examples: (o.data.examples ?? []) as AdversarialExample[],
    signing: o.data.signing ?? null,
    maxTableRows: o.data.maxTableRows ?? DEFAULT_MAX_TABLE_ROWS,
  };
}

/** The document date: report.createdAt, or the Unix epoch when it is not a date (never the clock). */
export function documentDate(createdAt: string): Date {
  const d = new Date(createdAt);
  return Number.isNaN(d.getTime()) ? new Date(0) : d;
}

/**
 * Renders a report as PDF bytes. Throws DataError when `report` is not a valid Report and
 * UsageError for bad options (including example images whose shape does not fit their data).
 */
export async function renderReportPdf(report: Report, opts: RenderOptions = {}): Promise<Uint8Array> {
  const ctx = resolve(report, opts);
  const r = ctx.report;
  const { doc, bytes } = createDocument({
    Title: `Adversarial robustness audit — ${r.model.name}`,
    Author: `Gauntlet ${r.environment.gauntlet}`,
    Subject: `${r.gate?.verdict ?? 'NO VERDICT'}: ${r.model.name} (sha256 ${r.model.sha256}) on ${r.data.name} (sha256 ${r.data.sha256}), ${r.threat.norm} ε=${r.threat.eps}`,
    Keywords: 'adversarial robustness, audit, gauntlet',
    CreationDate: documentDate(r.createdAt),
  });
  const L = new Layout(doc);
  const sections: [string, (l: Layout, c: RenderContext) => void][] = [
    ['Cover', coverSection],
    ['Summary', summarySection],
    ['Results', resultsSection],
    ['Adversarial examples', examplesSection],
    ['Hypocritical risk', hypocriticalSection],
    ['Reliability checks', reliabilitySection],
    ['Methodology and references', methodologySection],
    ['Environment', environmentSection],
    ['Verification', verificationSection],
  ];
  sections.forEach(([title, draw], i) => {
    // Major sections start a new page unless the current one is less than a third full.
    if (i > 0 && SECTION_STARTS_PAGE.has(title)) L.sectionBreak();
    L.bookmark(title);
    draw(L, ctx);
  });
  L.footer(`Gauntlet robustness audit · ${r.model.name} · sha256 ${r.model.sha256.slice(0, 16)}… · ${r.gate?.verdict ?? 'NO VERDICT'}`);
  doc.end();
  return bytes;
}
