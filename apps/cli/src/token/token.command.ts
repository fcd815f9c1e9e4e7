import * as fs from 'node:fs';
import type { Command } from 'commander';
import { mintLocalToken, ROLES, type Role } from '@kedja/auth';
import { loadConfig } from '../../../api/src/config/config';
import { UsageError } from '../usage';

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('Mint a token signed by this instance\'s own key (for instances with no configured issuer); prints it alone on stdout')
    .requiredOption('--actor <actor>', 'actor code, e.g. municipality:2281, arbetsformedlingen, platform')
    .option('--role <role...>', `role(s): ${ROLES.join(', ')}`, ['caseworker'])
    .requiredOption('--sub <sub>', 'user or system name')
    .option('--ttl <seconds>', 'lifetime in seconds (default and maximum: KEDJA_TOKEN_MAX_LIFETIME, 12 h unless configured)')
    .action(async (options: { actor: string; role: string[]; sub: string; ttl?: string }) => {
      const config = loadConfig();
      // An empty or missing data directory means a fresh signing key is made here, which no
      // running api knows: the usual "token refused" is a token minted in the wrong folder.
      if (!fs.existsSync(config.dataDir) || fs.readdirSync(config.dataDir).length === 0) {
        process.stderr.write(`kedja: ${config.dataDir} held no signing key, so a new one was made; the api accepts this token only if its KEDJA_DATA_DIR is this directory\n`);
      }
      const max = config.tokenMaxLifetimeSeconds;
      const ttlSeconds = options.ttl === undefined ? max : Number(options.ttl);
      if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new UsageError('--ttl must be a positive whole number of seconds');
      // Refused rather than clamped: a token that silently expires sooner than asked breaks the
      // integration that asked for it at a worse moment than now.
      if (ttlSeconds > max) throw new UsageError(`--ttl ${ttlSeconds} is longer than the service accepts: KEDJA_TOKEN_MAX_LIFETIME is ${max} s; ask for at most ${max}`);
      const token = await mintLocalToken(config.dataDir, {
        actor: options.actor,
        roles: options.role as Role[],
        sub: options.sub,
        ttlSeconds,
        maxLifetimeSeconds: max,
      });
      process.stdout.write(`${token}\n`);
    });
}
