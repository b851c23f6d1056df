/**
 * GAUNTLET_HOME: the one folder holding an installation's state — the job database, uploaded
 * blobs, audit outputs and signing keys. Default `~/.gauntlet`. One environment variable
 * isolates an installation (tests, several services on one host).
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The state folder: GAUNTLET_HOME, else ~/.gauntlet. */
export function gauntletHome(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.GAUNTLET_HOME || join(homedir(), '.gauntlet'));
}

/** Where each kind of state lives under a home folder. */
export function homeLayout(home: string): { db: string; blobs: string; jobs: string; keys: string; tmp: string } {
  return { db: join(home, 'gauntlet.db'), blobs: join(home, 'blobs'), jobs: join(home, 'jobs'), keys: join(home, 'keys'), tmp: join(home, 'tmp') };
}
