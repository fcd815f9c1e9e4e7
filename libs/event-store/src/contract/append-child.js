// Crash-test writer: opens the store from a JSON config (argv[2]), appends single events to
// stream argv[3] for ever and prints `ack <eventId>` after each acknowledged append, until killed.
require('../../../../test/support/ts-register');
const { openEventStore } = require('../open-event-store.ts');

async function main() {
  const config = JSON.parse(process.argv[2]);
  const streamId = process.argv[3];
  const { store } = await openEventStore(config);
  process.stdout.write('ready\n');
  for (let n = 1; ; n++) {
    const eventId = `${streamId}-${n}`;
    await store.append(
      streamId,
      [{ eventId, source: 'crash-test', type: 'Tick', eventTime: new Date().toISOString(), data: { n }, metadata: { actor: 'test' } }],
      { expectedVersion: n - 1 },
    );
    process.stdout.write(`ack ${eventId}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
