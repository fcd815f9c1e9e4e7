import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { TokenVerifier } from '@kedja/auth';
import type { KedjaConfig } from './config/config';
import { AuthGuard, TOKEN_VERIFIER } from './auth/auth.guard';
import { ProblemFilter } from './problems/problem.filter';
import { KEDJA_CONFIG, KEDJA_RUNTIME } from './runtime/tokens';
import type { KedjaRuntime } from './runtime/runtime';
import { EventsController } from './recording/events.controller';
import { RecordEventsHandler } from './recording/record-events.command';
import { Recorder } from './recording/recorder';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry, RecordingMetrics } from './metrics/metrics.service';
import { RequestLogMiddleware } from './metrics/request-log.middleware';

@Module({})
export class AppModule implements NestModule {
  static create(config: KedjaConfig, runtime: KedjaRuntime, verifier: TokenVerifier): DynamicModule {
    return {
      module: AppModule,
      imports: [CqrsModule.forRoot()],
      controllers: [EventsController, HealthController, MetricsController],
      providers: [
        { provide: KEDJA_CONFIG, useValue: config },
        { provide: KEDJA_RUNTIME, useValue: runtime },
        { provide: TOKEN_VERIFIER, useValue: verifier },
        { provide: Recorder, useFactory: () => new Recorder(runtime.store) },
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        RecordEventsHandler,
        MetricsRegistry,
        RecordingMetrics,
        HealthService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLogMiddleware).forRoutes('*path');
  }
}
