/**
 * README "Service": the curl walk-through works as written. The three marked blocks
 * (<!-- service-walkthrough:serve|setup -->, <!-- service-walkthrough -->) are taken from README.md:
 * the serve command is started on a free port instead of 8080, the setup block runs as written
 * except that GAUNTLET_URL comes from the environment (pointing at that server), and the
 * walk-through runs in bash, unchanged, in a scratch folder that links the repository's fixtures/
 * and bin/. Each step's output is checked: 202 and an id, the audit reaches `succeeded`, the PDF
 * starts with %PDF, the attestation verifies and names the uploaded model and data.
 * Process-level: needs dist/ (npm run build) and curl; the 40-point quick audit takes ~20 s.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST_SKIP, ROOT, startCli } from './support/cli-process';

/** The fenced ```sh block right after `<!-- marker -->` in README.md. */
function markedBlock(readme: string, marker: string): string {
  const m = new RegExp(`<!-- ${marker} -->\\s*\\n\`\`\`sh\\n([\\s\\S]*?)\\n\`\`\``).exec(readme);
  if (!m) throw new Error(`README.md has no \`\`\`sh block after <!-- ${marker} -->`);
  return m[1];
}

/** Steps of a block: runs of lines separated by blank lines. */
function steps(block: string): string[] {
  return block.split(/\n\s*\n/).map((s) => s.trim()).filter(Boolean);
}

const CURL_SKIP = spawnSync('curl', ['--version']).status === 0 ? undefined : 'curl is not installed (.ci/run installs it)';
const SKIP = DIST_SKIP ?? CURL_SKIP;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('README service walk-through', () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');

  test('the marked blocks exist, use $GAUNTLET_URL and $KEY, and the walk-through has the four steps', () => {
    const serve = markedBlock(readme, 'service-walkthrough:serve');
    expect(serve).toMatch(/^node bin\/gauntlet\.js serve --port 8080$/m);
    const setup = markedBlock(readme, 'service-walkthrough:setup');
    expect(setup).toMatch(/^export KEY=\$\(node bin\/gauntlet\.js apikey create --tenant \w+\)$/m);
    expect(setup).toMatch(/^export GAUNTLET_URL=http:\/\/127\.0\.0\.1:8080$/m);
    const walk = markedBlock(readme, 'service-walkthrough');
    expect(steps(walk)).toHaveLength(4);
    expect(walk).not.toMatch(/127\.0\.0\.1|localhost|gk_/); // address and key only through the variables
    expect(walk).toContain('$GAUNTLET_URL/v1/audits');
    expect(walk).toContain('$KEY');
    expect(walk).toContain('config={"eps":0.1,"preset":"quick","n":40,"minRobustAccuracy":0.5}');
  });

  (SKIP ? test.skip : test)(`runs against a real server: 202 + id, succeeded, a PDF, a valid attestation${SKIP ? ` — skipped: ${SKIP}` : ''}`, async () => {
    const serveLine = markedBlock(readme, 'service-walkthrough:serve').split('\n').find((l) => l.startsWith('node bin/gauntlet.js serve'))!;
    const setup = markedBlock(readme, 'service-walkthrough:setup').split('\n').filter((l) => !/^export GAUNTLET_URL=/.test(l)).join('\n');
    const walk = steps(markedBlock(readme, 'service-walkthrough'));

    const home = mkdtempSync(join(tmpdir(), 'gauntlet-readme-home-'));
    const work = mkdtempSync(join(tmpdir(), 'gauntlet-readme-cwd-'));
    for (const d of ['bin', 'fixtures']) symlinkSync(join(ROOT, d), join(work, d));
    const port = await freePort();
    const args = serveLine.replace(/--port \d+/, `--port ${port}`).split(/\s+/).slice(2); // after `node bin/gauntlet.js`
    const env = { GAUNTLET_HOME: home, GAUNTLET_LOG_LEVEL: 'warn' };
    const { child, done } = startCli(args, env);
    try {
      await new Promise<void>((resolve, reject) => {
        let err = '';
        const t = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 30_000);
        child.stderr!.on('data', (d) => { err += String(d); if (err.includes(`serving on http://127.0.0.1:${port}`)) { clearTimeout(t); resolve(); } });
        child.once('exit', (code) => { clearTimeout(t); reject(new Error(`serve exited (${code}): ${err}`)); });
      });
      // One bash runs setup + steps (variables carry over); a marker line separates the steps' outputs.
      const MARK = '@@step@@';
      const script = ['set -euo pipefail', setup, ...walk.map((s) => `echo ${MARK}\n${s}`)].join('\n');
      const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
        const sh = spawn('bash', ['-c', script], {
          cwd: work, env: { ...process.env, GAUNTLET_KEY_DIR: '', GAUNTLET_SIGNING_KEY: '', ...env, GAUNTLET_URL: `http://127.0.0.1:${port}` },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '', stderr = '';
        sh.stdout.on('data', (d) => { stdout += String(d); });
        sh.stderr.on('data', (d) => { stderr += String(d); });
        const t = setTimeout(() => sh.kill('SIGKILL'), 75_000);
        sh.once('error', reject);
        sh.once('close', (code) => { clearTimeout(t); resolve({ code, stdout, stderr }); });
      });
      const parts = out.stdout.split(`${MARK}\n`).slice(1);
      // stderr carries apikey's notice ("created key …"); a failing step shows up in it and in the code.
      expect({ code: out.code, steps: parts.length, stderr: out.code === 0 ? '' : out.stderr }).toEqual({ code: 0, steps: 4, stderr: '' });
      const [submit, poll, download, verify] = parts;

      // 1. submit: the status line, then the answer with the id
      const [status, answer] = submit.trim().split('\n');
      expect(status).toBe('202');
      const accepted = JSON.parse(answer) as { id: string; state: string; links: { self: string } };
      expect(accepted.id).toMatch(/^aud_[0-9a-f]{20}$/);
      expect(accepted.links.self).toBe(`/v1/audits/${accepted.id}`);

      // 2. poll: reaches succeeded, with the result's figures
      const final = /^(\w+) (.*)$/.exec(poll.trim())!;
      expect(final[1]).toBe('succeeded');
      const result = JSON.parse(final[2]) as { verdict: string; cleanAccuracy: number; robustAccuracy: number };
      expect(['PASS', 'FAIL']).toContain(result.verdict);
      expect(result.robustAccuracy).toBeLessThanOrEqual(result.cleanAccuracy);

      // 3. download: a PDF and a DSSE envelope, nothing printed
      expect(download).toBe('');
      expect(readFileSync(join(work, 'report.pdf')).subarray(0, 5).toString('latin1')).toBe('%PDF-');
      const envelope = JSON.parse(readFileSync(join(work, 'report.intoto.jsonl'), 'utf8').split('\n')[0]) as { payloadType: string };
      expect(envelope.payloadType).toBe('application/vnd.in-toto+json');

      // 4. verify: valid, and it names the very model and data uploaded
      const v = JSON.parse(verify) as { valid: boolean; kind: string; digests: { role: string; sha256: string; ok: boolean }[] };
      expect(v.valid).toBe(true);
      expect(v.kind).toBe('dsse');
      expect(v.digests.map((d) => [d.role, d.sha256, d.ok]).sort()).toEqual([
        ['data', sha256(join(ROOT, 'fixtures/data/mnist-eval.npz')), true],
        ['model', sha256(join(ROOT, 'fixtures/models/cnn.onnx')), true],
      ]);
    } finally {
      child.kill('SIGTERM');
      await done;
      rmSync(home, { recursive: true, force: true });
      rmSync(work, { recursive: true, force: true });
    }
  }, 88_000);
});
