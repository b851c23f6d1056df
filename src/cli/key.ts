/**
 * `gauntlet key show [--jwk] [--algorithm ecdsa-p256|ed25519]`: prints the signing key's public
 * half as SPKI PEM (or a JWK set), generating the key on first use; `gauntlet key path` prints
 * where the key lives. Keys: GAUNTLET_SIGNING_KEY, else GAUNTLET_KEY_DIR or $GAUNTLET_HOME/keys (default ~/.gauntlet/keys).
 */
import { Command, Option } from 'commander';
import { KEY_ALGORITHMS, KeyAlgorithm, keyDir, loadOrCreateSigningKey, publicKeyJwks, publicKeyPem } from '../report/sign/keys';
import { choice } from './options';

/** The `key` command group. */
export function keyCommand(done: (code: number) => void): Command {
  const key = new Command('key').description('the report signing key (ECDSA P-256 or Ed25519)');
  key.addCommand(new Command('show')
    .description('print the public key (PEM, or --jwk for a JWK set); generates the key on first use')
    .option('--jwk', 'print a JWK set (kid = key fingerprint) instead of PEM')
    .addOption(new Option('--algorithm <alg>', 'algorithm for a newly generated key').choices(KEY_ALGORITHMS).argParser(choice(KEY_ALGORITHMS)))
    .action((o: { jwk?: boolean; algorithm?: KeyAlgorithm }) => {
      const k = loadOrCreateSigningKey({ algorithm: o.algorithm });
      if (k.created) process.stderr.write(`gauntlet: generated a new ${k.algorithm} signing key in ${k.source}\n`);
      process.stdout.write(o.jwk ? `${JSON.stringify(publicKeyJwks(k.publicKey), null, 2)}\n` : publicKeyPem(k.publicKey));
      process.stderr.write(`gauntlet: key ${k.fingerprint} (${k.algorithm}) from ${k.source}\n`);
      done(0);
    }).exitOverride());
  key.addCommand(new Command('path')
    .description('print the private key file used for signing (or GAUNTLET_SIGNING_KEY), without creating it')
    .action(() => {
      const env = process.env.GAUNTLET_SIGNING_KEY;
      process.stdout.write(`${env ? (env.includes('-----BEGIN') ? 'GAUNTLET_SIGNING_KEY (PEM in the environment)' : env) : `${keyDir()}/signing-key.pem`}\n`);
      done(0);
    }).exitOverride());
  return key;
}
