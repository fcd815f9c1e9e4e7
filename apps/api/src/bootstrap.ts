import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { TokenVerifier } from '@kedja/auth';
import { AppModule } from './app.module';
import type { KedjaConfig } from './config/config';
import { closeRuntime, openRuntime, type KedjaRuntime } from './runtime/runtime';
import { bodyProblem, sendProblem } from './problems/problem.filter';
import { mountDocs } from './openapi/openapi';
import { RequestLogMiddleware } from './metrics/request-log.middleware';
import { MetricsRegistry } from './metrics/metrics.service';
import { NestLogger } from '@kedja/operations';
import type { OpenStoreOptions } from './runtime/open-store';
import { timelineFastLane } from './reading/timeline/timeline.fast-lane';
import { eventsFastLane } from './recording/events.fast-lane';
import { webFront, type DemoToken } from './web/web-front';
import { docsContentSecurityPolicy, securityHeaders } from './security-headers';

export interface KedjaApp {
  readonly app: NestExpressApplication;
  readonly runtime: KedjaRuntime;
  close(): Promise<void>;
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'application/problem+json'];

/** Builds the api on an opened store; used by main.ts and by the e2e tests. */
export async function createApp(config: KedjaConfig, options: { logger?: boolean; demoTokens?: readonly DemoToken[] } & OpenStoreOptions = {}): Promise<KedjaApp> {
  const runtime = await openRuntime(config, options);
  const verifier = await TokenVerifier.create(config.dataDir, config.issuers, { maxLifetimeSeconds: config.tokenMaxLifetimeSeconds, audience: config.audience });
  RequestLogMiddleware.enabled = config.logRequests && options.logger !== false;
  const metrics = new MetricsRegistry();
  metrics.instrumentStore(runtime.store, runtime.db);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.create(config, runtime, verifier, metrics), {
    bodyParser: false,
    // The process's pino logger (main.ts configures it): Nest's own lines in the same format.
    logger: options.logger === false ? false : new NestLogger(),
  });
  app.disable('x-powered-by');
  // No ETag: every answer is computed afresh for its caller (and a timeline read is audited
  // whether or not it changed), so hashing each body only costs time; nothing sends If-None-Match.
  app.set('etag', false);
  // First, so that every answer carries them, the fast lanes' and the body parser's problems too.
  app.use(securityHeaders());
  app.use('/docs', docsContentSecurityPolicy());
  // strict: only objects and arrays. Body parsing runs before Nest's router, so its errors
  // (malformed JSON, over the limit) are turned into problems here rather than by the filter.
  const parse = json({ limit: config.bodyLimitBytes, type: JSON_TYPES, strict: true });
  app.use((request: Request, response: Response, next: NextFunction) =>
    parse(request, response, (error?: unknown) => (error ? sendProblem(response, bodyProblem(error)) : next())));
  // Before the router: the most frequent read answers without walking every route (see there).
  app.use(timelineFastLane(app));
  app.use(eventsFastLane(app));
  mountDocs(app);
  // The web front at `/` (built into dist/web by `npm run build`); without a build the api runs alone.
  const front = webFront({ config: config.web, demoTokens: options.demoTokens });
  if (front) app.use(front);
  else if (options.logger !== false) new Logger('Kedja').warn('no web front built (npm run build); serving the api only');
  // No enableShutdownHooks: main.ts owns SIGTERM (runtime/shutdown.ts), draining keep-alive
  // connections within KEDJA_SHUTDOWN_TIMEOUT, which Nest's hook (server.close alone) did not.
  await app.init();
  return {
    app,
    runtime,
    async close() {
      await app.close();
      await closeRuntime(runtime);
    },
  };
}
