import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { json, type NextFunction, type Request, type Response } from 'express';
import { TokenVerifier } from '@kedja/auth';
import { AppModule } from './app.module';
import type { KedjaConfig } from './config/config';
import { closeRuntime, openRuntime, type KedjaRuntime } from './runtime/runtime';
import { sendProblem, toProblem } from './problems/problem.filter';
import { mountDocs } from './openapi/openapi';
import { RequestLogMiddleware } from './metrics/request-log.middleware';
import { timelineFastLane } from './reading/timeline/timeline.fast-lane';
import { eventsFastLane } from './recording/events.fast-lane';
import { webFront, type DemoToken } from './web/web-front';

export interface KedjaApp {
  readonly app: NestExpressApplication;
  readonly runtime: KedjaRuntime;
  close(): Promise<void>;
}

const JSON_TYPES = ['application/json', 'application/cloudevents+json', 'application/cloudevents-batch+json', 'application/problem+json'];

/** Builds the api on an opened store; used by main.ts and by the e2e tests. */
export async function createApp(config: KedjaConfig, options: { logger?: boolean; demoTokens?: readonly DemoToken[] } = {}): Promise<KedjaApp> {
  const runtime = await openRuntime(config);
  const verifier = await TokenVerifier.create(config.dataDir, config.issuers);
  RequestLogMiddleware.enabled = config.logRequests && options.logger !== false;
  const app = await NestFactory.create<NestExpressApplication>(AppModule.create(config, runtime, verifier), {
    bodyParser: false,
    logger: options.logger === false ? false : ['log', 'warn', 'error'],
  });
  app.disable('x-powered-by');
  // No ETag: every answer is computed afresh for its caller (and a timeline read is audited
  // whether or not it changed), so hashing each body only costs time; nothing sends If-None-Match.
  app.set('etag', false);
  // strict: only objects and arrays. Body parsing runs before Nest's router, so its errors
  // (malformed JSON, over the limit) are turned into problems here rather than by the filter.
  const parse = json({ limit: config.bodyLimitBytes, type: JSON_TYPES, strict: true });
  app.use((request: Request, response: Response, next: NextFunction) =>
    parse(request, response, (error?: unknown) => (error ? sendProblem(response, toProblem(error)) : next())));
  // Before the router: the most frequent read answers without walking every route (see there).
  app.use(timelineFastLane(app));
  app.use(eventsFastLane(app));
  mountDocs(app);
  // The web front at `/` (built into dist/web by `npm run build`); without a build the api runs alone.
  const front = webFront({ config: config.web, demoTokens: options.demoTokens });
  if (front) app.use(front);
  else if (options.logger !== false) new Logger('Kedja').warn('no web front built (npm run build); serving the api only');
  app.enableShutdownHooks();
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
