import type { IncomingMessage, Server, ServerResponse } from 'node:http';

export interface ShutdownLog {
  info(message: string, context?: Record<string, unknown>): void;
  error(message: string, context?: Record<string, unknown>): void;
}

export interface DrainOptions {
  /** The whole budget, from the signal to exit (KEDJA_SHUTDOWN_TIMEOUT). */
  readonly timeoutMs: number;
  readonly log: ShutdownLog;
  /** Closes what the server fed: Nest's modules, the projections, the store. */
  readonly close: () => Promise<void>;
  readonly exit?: (code: number) => void;
  /** The signals that start it; tests call `shutdown` themselves. */
  readonly signals?: readonly NodeJS.Signals[];
}

/**
 * Graceful stop of an HTTP process on SIGTERM/SIGINT. Before this, the api waited on
 * `server.close()`, which never returns while a client keeps a keep-alive connection busy (an
 * ingest does), so it went on recording for a minute. Now: stop accepting, answer the requests in
 * flight with `Connection: close`, close each connection as soon as it is idle, and at 80% of the
 * budget cut whatever is left; then close the store. A request that was answered was committed
 * first (the store acknowledges after its sync), so nothing acknowledged is lost; a request cut
 * mid-way was never acknowledged and the client retries it (posting is idempotent).
 */
export function installGracefulShutdown(server: Server, options: DrainOptions): { shutdown(signal: string): Promise<void> } {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  let draining = false;
  // The responses not yet finished, so that those still to send their headers when the drain
  // starts say `Connection: close` too (a Set entry per request: no measurable cost).
  const inFlight = new Set<ServerResponse>();
  // Before any other listener, so the header is set before a handler starts writing.
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (draining) {
      response.setHeader('Connection', 'close');
      return;
    }
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
  });

  const shutdown = (signal: string): Promise<void> => {
    if (stopping) return stopping;
    const started = Date.now();
    draining = true;
    for (const response of inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
    options.log.info('shutdown started', { signal, timeoutMs: options.timeoutMs });
    const hard = setTimeout(() => {
      options.log.error('shutdown timed out; exiting', { elapsedMs: Date.now() - started });
      exit(1);
    }, options.timeoutMs);
    hard.unref();
    stopping = (async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const sweep = setInterval(() => server.closeIdleConnections(), 50);
      const cut = new Promise<'cut'>((resolve) => setTimeout(() => resolve('cut'), Math.floor(options.timeoutMs * 0.8)).unref());
      server.closeIdleConnections();
      const outcome = await Promise.race([closed.then(() => 'drained' as const), cut]);
      clearInterval(sweep);
      if (outcome === 'cut') {
        options.log.error('requests still in flight at the deadline; closing their connections', { elapsedMs: Date.now() - started });
        server.closeAllConnections();
        await closed;
      }
      try {
        await options.close();
      } catch (error) {
        options.log.error('closing failed', { error: error instanceof Error ? error.message : String(error) });
        clearTimeout(hard);
        exit(1);
        return;
      }
      clearTimeout(hard);
      options.log.info('shutdown complete', { signal, elapsedMs: Date.now() - started });
      exit(0);
    })();
    return stopping;
  };
  for (const signal of options.signals ?? ['SIGTERM', 'SIGINT']) process.once(signal, () => void shutdown(signal));
  return { shutdown };
}
