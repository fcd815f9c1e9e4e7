import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import { maskSubject } from '@kedja/access';
import { configureLogging } from '@kedja/operations';
import { RequestLogMiddleware } from './request-log.middleware';
import { MetricsRegistry } from './metrics.service';

// The access log writes request paths through maskSubject; these are the forms clients send.
describe('paths in the access log', () => {
  it.each([
    '/v1/persons/pnr:199203153821/timeline',
    '/v1/persons/pnr%3A199203153821/timeline',
    '/v1/persons/dossier:24-000123/timeline',
    '/v1/audit?subject=pnr:199203153821',
  ])('masks identifiers in %s', (path) => {
    const masked = maskSubject(path);
    expect(masked).not.toContain('199203153821');
    expect(masked).not.toContain('24-000123');
  });

  it('keeps person ids, which are not personal identifiers', () => {
    const path = '/v1/persons/person:688972be-c3fe-4cbd-8dec-542943df6eae/timeline';
    expect(maskSubject(path)).toBe(path);
  });
});

describe('the access line', () => {
  // A real middleware, logger and metrics; express's request and response reduced to what it reads.
  const lines: string[] = [];
  configureLogging({ service: 'api', format: 'json', destination: new Writable({ write(chunk, _encoding, done) { lines.push(String(chunk)); done(); } }) });
  const middleware = new RequestLogMiddleware(new MetricsRegistry());

  function serve(url: string, headers: Record<string, string>, actor?: string) {
    const response = Object.assign(new EventEmitter(), { statusCode: 200, headers: {} as Record<string, string>, setHeader(name: string, value: string) { this.headers[name] = value; } });
    const request = { method: 'GET', originalUrl: url, baseUrl: '', route: { path: '/v1/persons/:subject/timeline' }, headers, ...(actor ? { principal: { actor } } : {}) };
    middleware.use(request as never, response as never, () => undefined);
    response.emit('finish');
    return { response, line: JSON.parse(lines[lines.length - 1]) as Record<string, unknown> };
  }

  it('is one JSON object with UTC time, request id (the caller\'s when sane), actor, route pattern, status and duration, the path masked', () => {
    const { response, line } = serve('/v1/persons/pnr:199203153821/timeline', { 'x-request-id': 'trace-42' }, 'municipality:2281');
    expect(line).toMatchObject({ level: 'info', service: 'api', context: 'HTTP', requestId: 'trace-42', actor: 'municipality:2281', method: 'GET', route: '/v1/persons/:subject/timeline', status: 200 });
    expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(typeof line.durationMs).toBe('number');
    expect(response.headers['x-request-id']).toBe('trace-42');
    expect(JSON.stringify(line)).not.toContain('199203153821');
  });

  it('replaces a request id that holds a personal identifier in any spelling, and never logs it', () => {
    for (const sent of ['199203153821', '9203153821', '19920315-3821', 'case-24-000123', '24000123', 'trace:199203153821']) {
      const { response, line } = serve('/health', { 'x-request-id': sent });
      expect([sent, line.requestId]).toEqual([sent, expect.stringMatching(/^[0-9a-f-]{36}$/)]);
      expect(response.headers['x-request-id']).toBe(line.requestId);
      expect(JSON.stringify(line)).not.toContain(sent);
    }
  });

  it('replaces a request id that is not a plain token, and never logs it', () => {
    const { response, line } = serve('/health', { 'x-request-id': 'evil\nid 199203153821' });
    expect(line.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(response.headers['x-request-id']).toBe(line.requestId);
    expect(lines.join('')).not.toContain('evil');
  });
});
