import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/config';

export function registerKeys(program: Command): void {
  program
    .command('rotate-master-key')
    .description('Adds a new master key to the key file, re-wraps every person\'s data key under it and retires the old one (run with the service stopped)')
    .action(async () => {
      const { rotateMasterKey } = await import('./rotate');
      await rotateMasterKey(loadConfig(), process.stdout);
    });
}
