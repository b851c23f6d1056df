/** Gauntlet's version, read from the package.json above this file (works from src/ and dist/src/). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

function findVersion(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = dirname(dir)) {
    const p = join(dir, 'package.json');
    if (existsSync(p)) {
      const pkg = JSON.parse(readFileSync(p, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'gauntlet' && pkg.version) return pkg.version;
    }
  }
  return 'unknown';
}

export const GAUNTLET_VERSION = findVersion();
