import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certifiedPerClass } from '../../audit/certified-per-class';
import { sampleReport } from '../../audit/testing/sample-report';
import { reportSchema } from '../../schema/report';
import { clopperPearson } from '../../util/clopper-pearson';
import { signStatement, verifyEnvelope } from './dsse';
import { loadOrCreateSigningKey } from './keys';
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

  it('when the report has a certification, then the signed predicate carries it: method, certified accuracy with its interval, per ε and per class', () => {
    const base = sampleReport();
    const certified: (0 | 1)[] = [1, 1, 1, 0, 0, 0, 0, 0, 0, 0]; // 3 of the 5 robust points at ε = 0.1
    const certification = {
      method: 'ibp', certifiedAccuracy: 0.3, certifiedAccuracyInterval: clopperPearson(3, 10), certified,
      sweep: [[0.05, 6], [0.1, 3], [0.2, 1]].map(([eps, k]) => ({ eps, certifiedAccuracy: k / 10, certifiedAccuracyInterval: clopperPearson(k, 10) })),
      notCertifiable: null,
      perClass: certifiedPerClass(base.points.label, certified, base.model.numClasses),
    };
    const statement = buildStatement({ ...base, certification });
    const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(mkdtempSync(join(tmpdir(), 'gauntlet-stmt-')), 'keys') } });
    const check = verifyEnvelope(signStatement(statement, key), [key.publicKey]);
    expect(check.verifiedBy).toHaveLength(1);
    // What a verifier reads back: the signed payload's predicate, validated as a report.
    const signed = reportSchema.parse(statementSchema.parse(JSON.parse(check.payload.toString('utf8'))).predicate);
    expect(signed.certification).toEqual(certification);
    expect(signed.certification).toMatchObject({
      method: 'ibp', certifiedAccuracy: 0.3, certifiedAccuracyInterval: { k: 3, n: 10 },
      sweep: [{ eps: 0.05, certifiedAccuracyInterval: { k: 6 } }, { eps: 0.1, certifiedAccuracyInterval: { k: 3 } }, { eps: 0.2, certifiedAccuracyInterval: { k: 1 } }],
    });
    // Per class (labels 0 1 2 0 1 2 …): class 0 has points 0, 3, 6, 9 (point 0 certified); class 1: 1, 4, 7 (point 1); class 2: 2, 5, 8 (point 2).
    expect(signed.certification!.perClass!.map((c) => [c.label, c.n, c.certified])).toEqual([[0, 4, 1], [1, 3, 1], [2, 3, 1]]);
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
