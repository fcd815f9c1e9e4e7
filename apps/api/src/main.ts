import { Logger } from '@nestjs/common';
import { ConfigError, loadConfig } from './config/config';
import { createApp } from './bootstrap';

async function main(): Promise<void> {
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
  new Logger('Kedja').log(`listening on http://127.0.0.1:${config.port} (store: ${config.store.kind}, ${where}); docs at /docs`);
}

main().catch((error: unknown) => {
  process.stderr.write(`kedja: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
