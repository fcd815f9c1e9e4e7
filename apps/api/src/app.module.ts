import { DynamicModule, MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import type { TokenVerifier } from '@kedja/auth';
import type { KedjaConfig } from './config/config';
import { AuthGuard } from './auth/auth.guard';
import { ProblemFilter } from './problems/problem.filter';
import type { KedjaRuntime } from './runtime/runtime';
import { CoreModule } from './core/core.module';
import { RecordingModule } from './recording/recording.module';
import { HealthController } from './health/health.controller';
import { HealthService } from './health/health.service';
import { MetricsController } from './metrics/metrics.controller';
import type { MetricsRegistry } from './metrics/metrics.service';
import { RequestLogMiddleware } from './metrics/request-log.middleware';
import { FEATURE_MODULES } from './features';

@Module({})
export class AppModule implements NestModule {
  static create(config: KedjaConfig, runtime: KedjaRuntime, verifier: TokenVerifier, metrics: MetricsRegistry): DynamicModule {
    return {
      module: AppModule,
      imports: [CoreModule.create(config, runtime, verifier, metrics), CqrsModule.forRoot(), RecordingModule, ...FEATURE_MODULES],
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ProblemFilter },
        HealthService,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(RequestLogMiddleware).forRoutes('*path');
  }
}
