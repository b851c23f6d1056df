import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../../audit/testing/sample-report';
import { buildStatement, fileSubject, PREDICATE_TYPE, STATEMENT_TYPE, statementSchema } from './statement';

describe('in-toto statement', () => {
  it('subjects are the model and data digests from the report, then the extra artifacts; the predicate is the report', () => {
    const report = sampleReport({ model: { ...sampleReport().model, name: 'net.onnx', sha256: '1'.repeat(64) } });
    const extra = { name: 'adversarial.npz', digest: { sha256: 'c'.repeat(64) } };
    const s = buildStatement(report, [extra]);
    expect(s._type).toBe(STATEMENT_TYPE);
    expect(s.predicateType).toBe(PREDICATE_TYPE);
    expect(s.subject).toEqual([
      { name: 'net.onnx', digest: { sha256: '1'.repeat(64) } },
      { name: report.data.name, digest: { sha256: report.data.sha256 } },
      extra,
    ]);
    expect(s.predicate).toEqual(report);
    expect(statementSchema.parse(JSON.parse(JSON.stringify(s)))).toEqual(s);
  });

  it('refuses an invalid report and a subject whose digest is not sha256 hex', () => {
    expect(() => buildStatement({ ...sampleReport(), robustAccuracy: 2 })).toThrow(/robustAccuracy/);
    expect(() => buildStatement(sampleReport(), [{ name: 'x', digest: { sha256: 'XYZ' } }])).toThrow(/64 lowercase hex/);
  });

  it('fileSubject hashes the file (sha256 of "abc" is the FIPS 180-2 test vector)', () => {
    const f = join(mkdtempSync(join(tmpdir(), 'gauntlet-stmt-')), 'abc.bin');
    writeFileSync(f, 'abc');
    expect(fileSubject(f)).toEqual({ name: 'abc.bin', digest: { sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' } });
    expect(() => fileSubject(`${f}.missing`)).toThrow(/cannot read/);
  });
});
