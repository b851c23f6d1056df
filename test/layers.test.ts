/**
 * The layer rule (.dependency-cruiser.js, docs/architecture.md): src has no upward import and no
 * cycle, and the rule really catches both — proved on a planted tree that uses the same config.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { packageRoot } from '../src/util/entry';

const ROOT = packageRoot(__dirname);
const DEPCRUISE = join(ROOT, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

/** Runs dependency-cruiser on `src` of `cwd`; returns its exit status and the violations it printed. */
function cruise(cwd: string): { status: number; out: string } {
  try {
    const out = execFileSync(process.execPath, [DEPCRUISE, 'src', '--config', join(ROOT, '.dependency-cruiser.js'), '--output-type', 'err'], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return { status: 0, out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, out: err.stdout + err.stderr };
  }
}

function write(root: string, files: Record<string, string>): void {
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
}

describe('layers', () => {
  it('when src is cruised, then no layer imports upward and there is no cycle', () => {
    const { status, out } = cruise(ROOT);
    expect(out).toContain('no dependency violations found');
    expect(status).toBe(0);
  });

  describe('when violations are planted in a tree checked with the same rules', () => {
    let dir = '';
    let result = { status: 0, out: '' };
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'gauntlet-layers-'));
      copyFileSync(join(ROOT, 'tsconfig.json'), join(dir, 'tsconfig.json'));
      write(dir, {
        // onnx is the bottom of the domain: importing the audit is an upward arrow.
        'src/onnx/upward.ts': "import { audited } from '../audit/down';\nexport const up = audited;\n",
        'src/audit/down.ts': "export const audited = 1;\n",
        // the audit importing onnx is downward and allowed
        'src/audit/ok.ts': "import { up } from '../onnx/upward';\nexport const fine = up;\n",
        // a cycle inside one layer
        'src/attacks/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
        'src/attacks/b.ts': "import { a } from './a';\nexport const b = () => a();\n",
        // a folder no layer owns
        'src/stray/x.ts': "import { audited } from '../audit/down';\nexport const x = audited;\n",
        // tests and testing helpers may reach across layers
        'src/onnx/testing/helper.ts': "import { audited } from '../../audit/down';\nexport const h = audited;\n",
      });
      result = cruise(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('then it fails, naming the upward import with its layer', () => {
      expect(result.status).not.toBe(0);
      expect(result.out).toMatch(/layer-onnx: src\/onnx\/upward\.ts → src\/audit\/down\.ts/);
    });

    it('then it names the cycle and the file outside every layer', () => {
      expect(result.out).toMatch(/no-circular: src\/attacks\/(a|b)\.ts/);
      expect(result.out).toMatch(/layer-unknown: src\/stray\/x\.ts/);
    });

    it('then downward imports and testing helpers pass', () => {
      expect(result.out).not.toMatch(/src\/audit\/ok\.ts →/);
      expect(result.out).not.toMatch(/src\/onnx\/testing\/helper\.ts →/);
    });
  });
});
