/**
 * `gauntlet admin backup FILE`: an online copy of the job database (audits and hashed API keys)
 * while the service may run; `gauntlet admin restore FILE [--force]`: checks a backup and puts
 * it in place of the database (service stopped). Both use GAUNTLET_HOME; docs/service.md
 * ("Backup and restore") says what else to copy.
 */
import { Command } from 'commander';
import { resolve } from 'node:path';
import { gauntletHome, homeLayout, prepareHome } from '../config/home';
import { backupDatabase, BackupSummary, restoreDatabase } from '../jobs/backup';

const summary = (s: BackupSummary) => `${s.audits} audit(s), ${s.apiKeys} API key(s), ${s.bytes} bytes`;

export function adminCommand(done: (code: number) => void): Command {
  const cmd = new Command('admin').description('maintenance of the service state under GAUNTLET_HOME (backup, restore)');
  cmd.addCommand(new Command('backup')
    .description('copy the job database (audits, hashed API keys) to FILE; safe while the service runs')
    .argument('<file>', 'new file to write (never overwritten; written 0600)')
    .action(async (file: string) => {
      process.umask(0o077);
      const s = await backupDatabase(homeLayout(gauntletHome()).db, resolve(file));
      process.stderr.write(`gauntlet: backed up ${summary(s)} to ${s.file}\n`);
      done(0);
    }).exitOverride());
  cmd.addCommand(new Command('restore')
    .description('check a backup FILE and replace the job database with it (stop the service first)')
    .argument('<file>', 'a file written by `gauntlet admin backup`')
    .option('--force', 'replace even though a -wal file says the database is open (only after a crash)')
    .action(async (file: string, o: { force?: boolean }) => {
      const db = prepareHome(gauntletHome()).db;
      const s = await restoreDatabase(db, resolve(file), { force: o.force });
      process.stderr.write(`gauntlet: restored ${summary(s)} into ${s.file}; start the service again\n`);
      done(0);
    }).exitOverride());
  return cmd;
}
