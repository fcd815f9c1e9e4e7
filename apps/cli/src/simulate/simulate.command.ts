import type { Command } from 'commander';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { DEFAULT_NOW, simulate, type SimulationOptions } from '@kedja/simulator';
import { UsageError } from '../usage';

interface SimulateFlags {
  persons: string;
  seed: string;
  from: string;
  to: string;
  now: string;
  bufferLimit?: string;
}

function wholeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a whole number`);
  return n;
}

/** Writes the feed as NDJSON, waiting for 'drain' so a slow reader never makes the output pile up in memory. */
export async function writeFeed(options: SimulationOptions, out: Writable): Promise<number> {
  let count = 0;
  let chunk = '';
  let failure: Error | undefined;
  const onError = (error: Error) => (failure ??= error);
  out.on('error', onError);
  try {
    // Leaving the loop (also by throwing) ends the generator, which removes its spill files.
    for (const event of simulate(options)) {
      if (failure) throw failure;
      chunk += `${JSON.stringify(event)}\n`;
      count++;
      // Batching lines into ~64 KiB writes keeps syscalls few without holding much.
      if (chunk.length >= 65_536) {
        const ok = out.write(chunk);
        chunk = '';
        if (!ok) await once(out, 'drain');
      }
    }
    if (chunk && !out.write(chunk)) await once(out, 'drain');
    if (failure) throw failure;
    return count;
  } finally {
    out.off('error', onError);
  }
}

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('Write a synthetic, calibrated population feed (CloudEvents NDJSON, ordered by recordedtime) to stdout')
    .requiredOption('--persons <n>', 'number of persons')
    .option('--seed <s>', 'seed: the same seed and options give byte-identical output', '1')
    .option('--from <year>', 'first arrival year (2008–2024)', '2008')
    .option('--to <year>', 'last arrival year (2008–2024)', '2024')
    .option('--now <time>', 'nothing happens or is recorded after this instant', DEFAULT_NOW)
    .option('--buffer-limit <events>', 'events held in memory before spilling sorted runs to temporary files')
    .action(async (flags: SimulateFlags) => {
      const options: SimulationOptions = {
        persons: wholeNumber('persons', flags.persons),
        seed: wholeNumber('seed', flags.seed),
        fromYear: wholeNumber('from', flags.from),
        toYear: wholeNumber('to', flags.to),
        now: flags.now,
        ...(flags.bufferLimit ? { bufferLimit: wholeNumber('buffer-limit', flags.bufferLimit) } : {}),
      };
      try {
        await writeFeed(options, process.stdout);
      } catch (error) {
        // A reader that stops early (`| head`) is a normal end for a producer of output.
        if ((error as NodeJS.ErrnoException).code !== 'EPIPE') throw error;
      }
    });
}
