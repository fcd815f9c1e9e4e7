import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { problem, ProblemBody, ProblemError, redactProblem } from './problem';

/** The one place errors become responses: domain problems as they are, everything else mapped. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const body = this.toProblem(exception);
    if (exception instanceof ProblemError) {
      // A deliberate answer (a view not built yet, the audit log unwritable): its code, for the
      // operator; a caller's mistake (4xx) is the caller's and not logged.
      if (body.status >= 500) this.logger.warn(`answered ${body.status} ${body.code}`);
    } else if (body.status >= 500) {
      // The error's message may quote input; log only its class, never the request.
      this.logger.error(`unhandled ${exception instanceof Error ? exception.name : typeof exception}`);
    }
    if (response.headersSent) return;
    if (exception instanceof ProblemError && exception.headers) {
      for (const [name, value] of Object.entries(exception.headers)) response.setHeader(name, value);
    }
    sendProblem(response, body);
  }

  toProblem(exception: unknown): ProblemBody {
    return toProblem(exception);
  }
}

export function sendProblem(response: Response, body: ProblemBody): void {
  response.status(body.status).type('application/problem+json').send(JSON.stringify(redactProblem(body)));
}

/** Maps anything thrown to a problem; unknown errors become a bare 500 without details. */
export function toProblem(exception: unknown): ProblemBody {
  if (exception instanceof ProblemError) return exception.body;
  // body-parser errors carry a `type` and a `status`.
  const parserType = (exception as { type?: unknown })?.type;
  if (parserType === 'entity.too.large') return problem('payload-too-large', 'The request body exceeds the documented limit.');
  if (parserType === 'entity.parse.failed') return problem('invalid-event', 'The request body is not valid JSON.', [{ path: '', message: 'malformed JSON' }]);
  if (parserType === 'encoding.unsupported') return problem('unsupported-media-type', 'Content-Encoding must be gzip, deflate, br or identity.');
  if (parserType === 'charset.unsupported') {
    return problem('unsupported-media-type', 'Only UTF-8 JSON bodies are accepted.');
  }
  if (typeof parserType === 'string' && parserType.startsWith('request.')) return problem('invalid-request', 'The request body could not be read.');
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status === 404) return problem('not-found', 'No such resource.');
    if (status === 405) return problem('method-not-allowed', 'This method is not allowed here.');
    if (status === 413) return problem('payload-too-large', 'The request body exceeds the documented limit.');
    if (status === 401) return problem('unauthorized', 'A valid bearer token is required.');
    if (status === 403) return problem('not-permitted', 'This token may not do this.');
    if (status >= 400 && status < 500) return { ...problem('invalid-request', 'The request is invalid.'), status };
  }
  return problem('internal', 'An internal error occurred; it has been logged.');
}

/**
 * What the body parser's error answers. Besides its typed errors (toProblem) it passes on the
 * decompression stream's own error (a corrupt or truncated gzip, deflate or brotli body) with
 * status 400 and no type: the caller's body could not be decoded, not a fault of ours.
 */
export function bodyProblem(error: unknown): ProblemBody {
  const body = toProblem(error);
  const status = (error as { status?: unknown })?.status;
  if (body.code === 'internal' && typeof status === 'number' && status >= 400 && status < 500) {
    return problem('invalid-request', 'The request body could not be decoded (check its Content-Encoding).');
  }
  return body;
}
