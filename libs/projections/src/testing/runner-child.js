// Kill-and-restart test child: runs a ProjectionRunner over the event_counts projection on the
// store named by argv[2] (JSON config), with runner options argv[3] (JSON, plus `slowMs`), and
// prints `applied <n>` after every event it folds in, until killed.
require('../../../../test/support/ts-register');
const { openEventStore } = require('@kedja/event-store');
const { ProjectionRunner } = require('../runner/projection-runner.ts');
const { eventCountsProjection } = require('./event-counts.projection.ts');

async function main() {
  const config = JSON.parse(process.argv[2]);
  const { slowMs = 0, ...options } = JSON.parse(process.argv[3] || '{}');
  const { store, db } = await openEventStore(config);
  let applied = 0;
  const projection = eventCountsProjection({
    beforeEvent: async () => {
      if (slowMs > 0 && ++applied % 10 === 0) await new Promise((resolve) => setTimeout(resolve, slowMs));
    },
  });
  const runner = new ProjectionRunner(store, db, [projection], { ...options, onError: (_name, error) => process.stderr.write(`${error}\n`) });
  await runner.start();
  process.stdout.write('ready\n');
  setInterval(() => process.stdout.write(`applied ${projection.applied}\n`), 20);
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
