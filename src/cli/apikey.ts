/**
 * `gauntlet apikey create --tenant NAME [--admin]` prints a new API key (shown once; only its
 * hash is stored); `apikey list` shows ids, tenants and roles; `apikey revoke ID` disables one.
 * Keys live in the service database under GAUNTLET_HOME.
 */
import { Command } from 'commander';
import { gauntletHome, homeLayout } from '../config/home';
import { createApiKey } from '../jobs/api-keys';
import { JobStore } from '../jobs/store';
import { UsageError } from '../errors';

function withStore<T>(f: (s: JobStore) => T): T {
  const store = new JobStore(homeLayout(gauntletHome()).db);
  try {
    return f(store);
  } finally {
    store.close();
  }
}

export function apikeyCommand(done: (code: number) => void): Command {
  const cmd = new Command('apikey').description('API keys of the audit service (stored hashed under GAUNTLET_HOME)');
  cmd.addCommand(new Command('create')
    .description('create a key for a tenant and print it (it is shown only once)')
    .requiredOption('--tenant <name>', 'tenant the key acts for (its audits are visible only to its keys)')
    .option('--admin', 'admin role: sees and manages every tenant\'s audits')
    .action((o: { tenant: string; admin?: boolean }) => {
      const { key, record } = withStore((s) => createApiKey(s, o.tenant, o.admin ? 'admin' : 'tenant'));
      process.stdout.write(`${key}\n`);
      process.stderr.write(`gauntlet: created key ${record.id} for tenant ${record.tenant} (${record.role}); store it now, it is not shown again\n`);
      done(0);
    }).exitOverride());
  cmd.addCommand(new Command('list')
    .description('list keys (ids, tenants, roles; never the keys)')
    .action(() => {
      const keys = withStore((s) => s.listApiKeys());
      for (const k of keys) process.stdout.write(`${k.id}  ${k.tenant.padEnd(20)} ${k.role.padEnd(6)} created ${k.createdAt}${k.revokedAt ? `  revoked ${k.revokedAt}` : ''}\n`);
      done(0);
    }).exitOverride());
  cmd.addCommand(new Command('revoke')
    .description('revoke a key by id')
    .argument('<id>', 'key id (the 12 hex characters after gk_)')
    .action((id: string) => {
      if (!withStore((s) => s.revokeApiKey(id))) throw new UsageError(`no API key with id ${id} (see gauntlet apikey list)`);
      process.stderr.write(`gauntlet: revoked key ${id}\n`);
      done(0);
    }).exitOverride());
  return cmd;
}
