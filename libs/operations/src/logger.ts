import type { LoggerService, LogLevel } from '@nestjs/common';
import pino, { type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

/**
 * One logger for every Kedja process (api, projector, CLI server commands): pino, because it is
 * the well-kept structured logger that costs least per line (it serialises straight to a buffered
 * stream, which matters for the api's access line on every request), and because its JSON lines
 * are what log shippers expect. Each line is one object:
 * `{"level":"info","time":"2026-12-04T18:00:00.000Z","service":"api","context":"HTTP","message":…}`.
 * At a terminal the same records are printed as text by pino-pretty (colour only on a TTY).
 */
export type LogFormat = 'json' | 'text';

export class LogFormatError extends Error {}

/** `KEDJA_LOG_FORMAT=json|text`; unset: text on a terminal, JSON otherwise (files, pipes, containers). */
export function logFormatFrom(env: Readonly<Record<string, string | undefined>>, isTty: boolean): LogFormat {
  const raw = env.KEDJA_LOG_FORMAT;
  if (raw === undefined || raw === '') return isTty ? 'text' : 'json';
  if (raw === 'json' || raw === 'text') return raw;
  throw new LogFormatError(`KEDJA_LOG_FORMAT must be json or text, got "${raw}"`);
}

export interface LoggingOptions {
  readonly service: string;
  readonly format: LogFormat;
  readonly level?: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Where lines go; stdout by default. Tests pass a stream to read them. */
  readonly destination?: DestinationStream | NodeJS.WritableStream;
  /** Colour in text mode; by default only when stdout is a terminal. */
  readonly colour?: boolean;
}

export function createLogger(options: LoggingOptions): Logger {
  const base = {
    base: { service: options.service },
    level: options.level ?? 'info',
    messageKey: 'message',
    // RFC 3339 in UTC (`toISOString`), not epoch milliseconds: readable in a file and unambiguous.
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  if (options.format === 'text') {
    const stream = pretty({
      destination: options.destination ?? 1,
      colorize: options.colour ?? Boolean(process.stdout.isTTY),
      messageKey: 'message',
      // The time as written in JSON; pino-pretty's own formats default to the local zone.
      translateTime: false,
      ignore: 'pid,hostname,service',
      singleLine: true,
      sync: true,
    });
    return pino(base, stream);
  }
  return pino(base, options.destination ?? pino.destination({ dest: 1, sync: false, minLength: 0 }));
}

let root: Logger | undefined;

/** Sets the process's logger once, at start; before that, lines go to a JSON logger on stdout. */
export function configureLogging(options: LoggingOptions): Logger {
  root = createLogger(options);
  return root;
}

export function rootLogger(): Logger {
  root ??= createLogger({ service: 'kedja', format: 'json' });
  return root;
}

/** Writes what is buffered; call before process.exit. */
export function flushLogs(): void {
  try {
    root?.flush();
  } catch {
    // Nothing left to flush to (stdout closed): exiting anyway.
  }
}

const STARTUP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestFactory']);

/** Nest's LoggerService on the same pino logger, so the framework's own lines share the format. */
export class NestLogger implements LoggerService {
  constructor(private readonly logger: () => Logger = rootLogger) {}

  log(message: unknown, ...rest: unknown[]): void {
    this.write('info', message, rest);
  }
  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }
  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }
  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }
  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('fatal', message, rest);
  }
  setLogLevels(_levels: LogLevel[]): void {
    // The level is set once from the configuration; Nest's per-level lists are not used.
  }

  private write(requested: 'debug' | 'info' | 'warn' | 'error' | 'fatal', message: unknown, rest: unknown[]): void {
    // Nest passes (message, context) or (message, stack, context).
    const context = typeof rest[rest.length - 1] === 'string' ? (rest[rest.length - 1] as string) : undefined;
    // Nest's start-up inventory (every module and route, ~40 lines) is debugging detail.
    const level = requested === 'info' && context !== undefined && STARTUP_CONTEXTS.has(context) ? 'debug' : requested;
    const stack = level === 'error' && rest.length > 1 && typeof rest[0] === 'string' ? (rest[0] as string) : undefined;
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    if (stack) fields.stack = stack;
    if (message instanceof Error) {
      fields.error = message.message;
      this.logger()[level](fields, message.message);
    } else if (typeof message === 'object' && message !== null) {
      this.logger()[level]({ ...fields, ...(message as Record<string, unknown>) });
    } else {
      this.logger()[level](fields, String(message));
    }
  }
}
