/**
 * docs/architecture.md stays true: every source file it names exists (the "where do I add"
 * answers use real paths), and no source file in src is longer than the 450 lines it promises.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../src/util/entry';

const ROOT = packageRoot(__dirname);
const MAX_LINES = 450;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

describe('docs/architecture.md', () => {
  const doc = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

  it('when it names a file, then that file exists', () => {
    const named = [...doc.matchAll(/`((?:src|test|docs)\/[^`<>*\s]+\.(?:ts|md))`/g)].map((m) => m[1]);
    expect(named.length).toBeGreaterThan(15);
    expect(named.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
  });

  it(`when src is read, then no source file is longer than ${MAX_LINES} lines`, () => {
    const long = sourceFiles(join(ROOT, 'src'))
      .map((p) => ({ p: p.slice(ROOT.length + 1), lines: readFileSync(p, 'utf8').split('\n').length - 1 }))
      .filter((f) => f.lines > MAX_LINES);
    expect(long).toEqual([]);
  });
});
