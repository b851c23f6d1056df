/**
 * Upload verification in a child process: same results as in-process, a timeout and a heap cap
 * that end in a one-line 422, an abort that kills the child, and the concurrency cap.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleReport } from '../audit/testing/sample-report';
import { UsageError } from '../errors';
import { loadOrCreateSigningKey } from '../report/sign/keys';
import { attestReport } from '../report/sign';
import { UnverifiableUpload, UploadVerifier } from './verify';

const dir = mkdtempSync(join(tmpdir(), 'gauntlet-verify-child-'));
const key = loadOrCreateSigningKey({ env: { GAUNTLET_KEY_DIR: join(dir, 'keys') } });
const keys = [{ key: key.publicKey, source: 'test key' }];
const att = join(dir, 'blob-1');
writeFileSync(att, attestReport(sampleReport(), key).jsonl);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Pids of this process's children. */
function children(): string[] {
  return readdirSync('/proc/self/task').flatMap((t) => {
    try { return readFileSync(`/proc/self/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean); } catch { return []; }
  });
}

describe('UploadVerifier', () => {
  it('when the attestation is good then the child returns the verifier\'s result under the display name', async () => {
    const r = await new UploadVerifier().verify({ file: att, names: { file: 'report.intoto.jsonl' }, keys });
    expect(r).toMatchObject({ valid: true, kind: 'dsse', file: 'report.intoto.jsonl', problems: [] });
    expect(r.signatures).toEqual([expect.objectContaining({ status: 'valid', signer: key.fingerprint })]);
  });

  it('when the upload is neither PDF nor envelope then the UsageError arrives as such, naming the display name', async () => {
    const txt = join(dir, 'blob-2');
    writeFileSync(txt, 'hello');
    await expect(new UploadVerifier().verify({ file: txt, names: { file: 'notes.txt' }, keys }))
      .rejects.toEqual(new UsageError('notes.txt: neither a PDF nor a DSSE envelope file (.intoto.jsonl / .json)'));
  });

  it('when the verification outlives the timeout then the child is killed and the answer is a one-line 422', async () => {
    const before = children().length;
    const e = await new UploadVerifier({ timeoutMs: 1 }).verify({ file: att, names: { file: 'report.intoto.jsonl' }, keys }).catch((x) => x);
    expect(e).toBeInstanceOf(Error);
    expect(e).toMatchObject({ code: 'unverifiable', httpStatus: 422, message: 'report.intoto.jsonl could not be verified within 1 ms (the file is too complex to verify)' });
    expect(children().length).toBe(before);
  });

  it('when parsing needs more than the heap cap then the answer is a 422 naming the limit, not a crash', async () => {
    // 48 MB of JSON strings: parsed, they need more than a 16 MB heap
    const big = join(dir, 'blob-3');
    writeFileSync(big, `{"payload":"${'A'.repeat(48 * 1024 * 1024)}","payloadType":"x","signatures":[{"sig":"AA=="}]}`);
    const e = await new UploadVerifier({ maxOldSpaceMb: 16 }).verify({ file: big, names: { file: 'big.json' }, keys }).catch((x) => x);
    expect(e).toBeInstanceOf(UnverifiableUpload);
    expect(e.message).toBe("big.json could not be verified within the verifier's 16 MB memory limit");
    expect(e.message).not.toContain(dir);
  });

  it('when the verifier outgrows its OS memory cap (heap cap lifted) then the answer is a 422 naming that limit', async () => {
    const big = join(dir, 'blob-4');
    writeFileSync(big, `{"payload":"${'A'.repeat(160 * 1024 * 1024)}","payloadType":"x","signatures":[{"sig":"AA=="}]}`);
    const e = await new UploadVerifier({ maxOldSpaceMb: 4096, memoryMb: 256 }).verify({ file: big, names: { file: 'big.json' }, keys }).catch((x) => x);
    rmSync(big);
    expect(e).toBeInstanceOf(UnverifiableUpload);
    expect(e.message).toBe("big.json could not be verified within the verifier's memory limit of 256 MiB");
  });

  it('when the caller aborts then the child is killed', async () => {
    const ac = new AbortController();
    const p = new UploadVerifier().verify({ file: att, names: { file: 'a' }, keys }, ac.signal).catch((x) => x);
    ac.abort();
    expect(await p).toMatchObject({ code: 'unverifiable', message: 'the verification was cancelled: the client went away' });
  });

  it('when more requests come than maxConcurrent then they wait their turn and all complete', async () => {
    const v = new UploadVerifier({ maxConcurrent: 1 });
    let peak = 0;
    const watch = setInterval(() => { peak = Math.max(peak, children().length); }, 5);
    const base = children().length;
    const rs = await Promise.all([1, 2, 3].map(() => v.verify({ file: att, names: { file: 'r.jsonl' }, keys })));
    clearInterval(watch);
    expect(rs.map((r) => r.valid)).toEqual([true, true, true]);
    expect(peak - base).toBeLessThanOrEqual(1);
  });
});
