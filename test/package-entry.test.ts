/**
 * The package's entry: package.json `main` and `exports['.']` name the same built file, it
 * exists after `npm run build` (which `npm test` runs first), and it exposes the library API.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/util/entry';

const ROOT = packageRoot(__dirname);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string; types: string; exports: { '.': { types: string; default: string } };
};

describe('package entry', () => {
  it('when package.json is read, then main, types and exports name the built entry and its declarations', () => {
    expect(join(ROOT, pkg.exports['.'].default)).toBe(join(ROOT, pkg.main));
    expect(join(ROOT, pkg.exports['.'].types)).toBe(join(ROOT, pkg.types));
    expect(existsSync(join(ROOT, pkg.main))).toBe(true);
    expect(existsSync(join(ROOT, pkg.types))).toBe(true);
  });

  it('when the built entry is required, then it exposes the audit and verify use cases, the report schema and the errors', () => {
    const lib = require(join(ROOT, pkg.main)) as Record<string, unknown>;
    for (const name of ['auditFromFiles', 'runAudit', 'runAuditWithExamples', 'loadModel', 'verifyFile', 'validateReport']) {
      expect(typeof lib[name]).toBe('function');
    }
    expect(lib.REPORT_SCHEMA).toBe('gauntlet-report-2');
    expect(typeof (lib.reportSchema as { safeParse?: unknown }).safeParse).toBe('function');
    const { GauntletError, ModelError } = lib as { GauntletError: new (...a: never[]) => Error; ModelError: new (m: string) => Error & { httpStatus: number } };
    const e = new ModelError('bad model');
    expect(e).toBeInstanceOf(GauntletError);
    expect(e.httpStatus).toBe(422);
    expect(typeof lib.GAUNTLET_VERSION).toBe('string');
  });
});
