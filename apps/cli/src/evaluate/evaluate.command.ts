import type { Command } from 'commander';
import { loadConfig } from '../../../api/src/config/config';
import type { EvaluateOptions } from './evaluate';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function registerEvaluate(program: Command): void {
  program
    .command('evaluate')
    .description(
      'Time-to-event (Kaplan–Meier) over the local store, as POST /v1/analytics/time-to-event answers it: brings the analytics ' +
        'projection up to date first, then prints one line per group',
    )
    .requiredOption('--from <type>', 'event type that starts the clock (its first occurrence)')
    .requiredOption('--to <type>', 'event type that stops the clock; repeat for "first of any"', collect)
    .option('--competing <cause>', 'a competing exit: an event type or a case closure reason (left-sweden, …); repeatable; adds cumulative incidences', collect)
    .option('--cohort <key=value>', 'filter on year, countyCode, municipalityCode, gender, route, ageBand, highestEducation; value a,b for either; repeatable', collect)
    .option('--group-by <attribute>', 'group by an attribute; repeatable', collect)
    .option('--as-of <time>', 'what was known then: RFC 3339 with offset, or YYYY-MM-DD (end of that day, UTC); default now')
    .option('--horizon <days>', 'share reached by this many days (default 90, 365, 730); repeatable', collect)
    .option('--format <format>', 'table, csv or json (json is the API\'s answer)', 'table')
    .action(async (options: EvaluateOptions) => {
      // Loaded on use: the analytics code would slow every other command's start.
      const { evaluate } = await import('./evaluate');
      process.stdout.write(await evaluate(loadConfig(), options));
    });
}
