/**
 * Where Gauntlet's own entry files are, whether it runs compiled (dist/) or from its TypeScript
 * sources (jest, tsx): for worker threads and child processes started from a module's folder.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { InternalError, RuntimeFailure } from '../errors';

/**
 * How to start the entry module `base` (no extension) that sits in the folder `dir` of the calling
 * module (pass `__dirname`): the compiled `.js` file, or the `.ts` source through tsx's CommonJS
 * hook when the caller itself runs from sources.
 * @param fromTs whether the caller runs from sources (pass `__filename.endsWith('.ts')`).
 */
export function moduleEntry(dir: string, base: string, fromTs: boolean): { filename: string; execArgv: string[] } {
  if (!fromTs) return { filename: join(dir, `${base}.js`), execArgv: [] };
  let tsx: string;
  try {
    tsx = require.resolve('tsx/cjs');
  } catch {
    throw new RuntimeFailure('running Gauntlet from its TypeScript sources needs the tsx devDependency to start workers (npm install), or run the compiled dist/ build');
  }
  return { filename: join(dir, `${base}.ts`), execArgv: ['--require', tsx] };
}

/** The package root (the folder holding package.json) above `from`. */
export function packageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new InternalError(`no package.json above ${from}`);
  }
}
