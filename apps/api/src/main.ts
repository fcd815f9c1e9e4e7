import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
  if (process.argv.includes('--demo')) {
    // `npm start -- --demo`: the same as `npx kedja demo`.
    const { runDemo, printDemo } = await import('./demo/demo');
    const demo = await runDemo({ dataDir: process.env.KEDJA_DEMO_DIR ?? './demo-data', persons: Number(process.env.KEDJA_DEMO_PERSONS ?? 3000), seed: 1, port: Number(process.env.PORT ?? 3000), log: (line) => process.stderr.write(`${line}\n`) });
    printDemo(demo, (text) => process.stdout.write(text));
    return;
  }
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kedja: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const { app } = await createApp(config);
  await app.listen(config.port, config.host);
  const where = config.store.kind === 'sqlite' ? config.store.file : 'PostgreSQL';
  new Logger('Kedja').log(`listening on http://127.0.0.1:${config.port} (store: ${config.store.kind}, ${where}); web front at /, docs at /docs`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kedja: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
