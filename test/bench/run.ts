import { machineDescription, markdownTable, registeredSuites, runSuites, textTable } from './harness';
import './store.bench';
import './ingest.bench';
import './analytics.bench';
import './reading.bench';
import './secrecy.bench';

/**
 * Usage: `npm run bench -- [--only <suite>[,<suite>...]] [--repeats <n>] [--markdown]`.
 * A suite registers itself with `registerSuite` in its own `*.bench.ts`, imported above.
 */
function parseArgs(argv: readonly string[]): { only?: string[]; repeats: number; markdown: boolean } {
  let only: string[] | undefined;
  let repeats = 3;
  let markdown = false;
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index];
    if (arg === '--only') only = (argv[++index] ?? '').split(',').filter(Boolean);
    else if (arg.startsWith('--only=')) only = arg.slice(7).split(',').filter(Boolean);
    else if (arg === '--repeats') repeats = Number(argv[++index]);
    else if (arg === '--markdown') markdown = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (!Number.isInteger(repeats) || repeats < 3) throw new Error('--repeats must be an integer ≥ 3');
  return { only, repeats, markdown };
}

async function main(): Promise<void> {
  const { only, repeats, markdown } = parseArgs(process.argv.slice(2));
  const all = registeredSuites();
  const unknown = (only ?? []).filter((name) => !all.some((suite) => suite.name === name));
  if (unknown.length > 0) throw new Error(`unknown suite(s) ${unknown.join(', ')}; known: ${all.map((suite) => suite.name).join(', ')}`);
  const selected = only ? all.filter((suite) => only.includes(suite.name)) : all;
  const started = Date.now();
  const rows = await runSuites(selected, repeats);
  process.stdout.write(`\n${new Date().toISOString()} — ${machineDescription()}\n`);
  process.stdout.write(`medians of ${repeats} runs, ${Math.round((Date.now() - started) / 1000)} s in all\n\n`);
  process.stdout.write(`${textTable(rows)}\n`);
  if (markdown) process.stdout.write(`\n${markdownTable(rows)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
