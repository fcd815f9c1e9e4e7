import { DynamicModule, Global, Module } from '@nestjs/common';
import type { TokenVerifier } from '@kedja/auth';
import type { KedjaConfig } from '../config/config';
import { TOKEN_VERIFIER } from '../auth/auth.guard';
import { TOKEN_RATE_LIMITER, TokenRateLimiter } from '../auth/rate-limit';
import { KEDJA_CONFIG, KEDJA_RUNTIME } from '../runtime/tokens';
import type { KedjaRuntime } from '../runtime/runtime';
import { MetricsRegistry } from '../metrics/metrics.service';

/** What every feature module may inject: configuration, the opened store, the verifier, metrics. */
@Global()
@Module({})
export class CoreModule {
  static create(config: KedjaConfig, runtime: KedjaRuntime, verifier: TokenVerifier, metrics: MetricsRegistry): DynamicModule {
    const providers = [
      { provide: KEDJA_CONFIG, useValue: config },
      { provide: KEDJA_RUNTIME, useValue: runtime },
      { provide: TOKEN_VERIFIER, useValue: verifier },
      { provide: TOKEN_RATE_LIMITER, useValue: new TokenRateLimiter(config.rateLimitPerMinute) },
      { provide: MetricsRegistry, useValue: metrics },
    ];
    return { module: CoreModule, providers, exports: providers.map((p) => p.provide) };
  }
}
