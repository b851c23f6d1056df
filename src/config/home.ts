/**
 * GAUNTLET_HOME: the one folder holding an installation's state — the job database, uploaded
 * blobs, audit outputs and signing keys. Default `~/.gauntlet`. One environment variable
 * isolates an installation (tests, several services on one host).
 */
import { homedir } from 'node:os';
import { chmodSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The state folder: GAUNTLET_HOME, else ~/.gauntlet. */
export function gauntletHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GAUNTLET_HOME || join(homedir(), '.gauntlet'));
}

/** Where each kind of state lives under a home folder. */
export function homeLayout(home: string): { db: string; blobs: string; jobs: string; keys: string; tmp: string } {
  return { db: join(home, 'gauntlet.db'), blobs: join(home, 'blobs'), jobs: join(home, 'jobs'), keys: join(home, 'keys'), tmp: join(home, 'tmp') };
}

/**
 * Creates the home and its folders 0700, or tightens them to 0700 (the database and files inside
 * are 0600), and sets the process umask to 0o077 so that everything this process and its
 * children write — job outputs, checkpoints, reports — is readable by the owner only.
 */
export function prepareHome(home: string): ReturnType<typeof homeLayout> {
  process.umask(0o077);
  const layout = homeLayout(home);
  for (const dir of [home, layout.blobs, layout.jobs]) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    try {
      chmodSync(dir, 0o700); // an older installation's folders were 0755
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EPERM') throw e; // another user's folder: leave it
    }
  }
  return layout;
}

/** Whether the home was used before: audit outputs or uploads exist, so its database must hold Gauntlet's tables. */
export function homeInUse(home: string): boolean {
  const layout = homeLayout(home);
  const nonEmpty = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
  return nonEmpty(layout.jobs) || nonEmpty(join(layout.blobs, 'sha256'));
}
