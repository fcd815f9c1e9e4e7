import * as fs from 'node:fs';
import * as path from 'node:path';
import { validateEventData, EVENT_TYPES } from '@kedja/chain';
import { startTestApp, type TestApp } from '../support/test-app';

describe('OpenAPI document and docs', () => {
  let app: TestApp;
  beforeAll(async () => {
    app = await startTestApp('sqlite');
  });
  afterAll(() => app?.close());

  it('publishes OpenAPI 3.1 at /openapi.json with every contract endpoint', async () => {
    const response = await app.http().get('/openapi.json');
    expect(response.status).toBe(200);
    expect(response.body.openapi).toBe('3.1.0');
    for (const path of ['/v1/events', '/v1/persons/{subject}/timeline', '/v1/persons/lookup', '/v1/views/settlement-queue', '/v1/views/establishment',
      '/v1/views/municipalities/{kommunkod}/residents', '/v1/views/chain-gaps', '/v1/views/counties/{lanskod}/overview', '/v1/audit', '/v1/analytics/time-to-event', '/health', '/metrics']) {
      expect(Object.keys(response.body.paths)).toContain(path);
    }
  });

  it('has a schema and a valid example for each event type (29 facts and EventRetracted), rejecting unknown fields', async () => {
    const { body } = await app.http().get('/openapi.json');
    expect(EVENT_TYPES).toHaveLength(30);
    const examples = body.paths['/v1/events'].post.requestBody.content['application/cloudevents+json'].examples;
    for (const type of EVENT_TYPES) {
      const schema = body.components.schemas[type].allOf[1].properties.data;
      expect(schema.additionalProperties).toBe(false);
      const example = examples[type].value;
      expect(example.type).toBe(type);
      expect(validateEventData(type, example.data, { time: new Date(example.time).toISOString() })).toEqual([]);
    }
  });

  it('names every operation once, with the version of package.json, and each event type once among the schemas', async () => {
    const { body } = await app.http().get('/openapi.json');
    expect(body.info.version).toBe(JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')).version);
    const ids: string[] = [];
    for (const [route, item] of Object.entries(body.paths as Record<string, Record<string, { operationId?: string }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        expect([route, method, operation.operationId]).toEqual([route, method, expect.stringMatching(/^[a-z][A-Za-z]+$/)]);
        ids.push(operation.operationId!);
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    const schemaNames = Object.keys(body.components.schemas);
    for (const type of EVENT_TYPES) expect(schemaNames.filter((name) => name.includes(type))).toEqual([type]);
  });

  // What each route answers, provoked for real, must be declared for that route.
  it('declares every response the routes were seen to give', async () => {
    const { body } = await app.http().get('/openapi.json');
    const declared = (route: string, method: string) => Object.keys(body.paths[route][method].responses);
    const caseworker = await app.token('migrationsverket', 'caseworker');
    const admin = await app.token('platform', 'admin');
    const seen: Array<[string, string, number]> = [];
    for (const [route, item] of Object.entries(body.paths as Record<string, Record<string, { security?: unknown[] }>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const url = route.replace('{subject}', 'pnr:199203153821').replace('{kommunkod}', '2281').replace('{lanskod}', '22');
        const anonymous = await app.http()[method as 'get' | 'post'](url).set('Content-Type', 'application/json').send(method === 'post' ? '{}' : undefined);
        seen.push([route, method, anonymous.status]);
        if (operation.security === undefined) expect([route, anonymous.status]).toEqual([route, 401]);
      }
    }
    seen.push(['/v1/audit', 'get', (await app.http().get('/v1/audit').set('Authorization', `Bearer ${admin}`)).status]);
    seen.push(['/v1/persons/lookup', 'post', (await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${caseworker}`).send({})).status]);
    seen.push(['/v1/persons/lookup', 'post', (await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${caseworker}`).send({ subject: 'pnr:199203153821' })).status]);
    seen.push(['/v1/persons/{subject}/timeline', 'get', (await app.http().get('/v1/persons/pnr:199203153821/timeline').set('Authorization', `Bearer ${caseworker}`)).status]);
    seen.push(['/v1/persons/{subject}/timeline', 'get', (await app.http().get('/v1/persons/nonsense/timeline').set('Authorization', `Bearer ${caseworker}`)).status]);
    seen.push(['/v1/events', 'post', (await app.http().post('/v1/events').set('Authorization', `Bearer ${caseworker}`).set('Content-Type', 'application/json').send('{')).status]);
    for (const view of ['/v1/views/settlement-queue', '/v1/views/chain-gaps']) {
      seen.push([view, 'get', (await app.http().get(`${view}?limit=0`).set('Authorization', `Bearer ${caseworker}`)).status]);
      seen.push([view, 'get', (await app.http().get(view).set('Authorization', `Bearer ${await app.token('analyst', 'analyst')}`)).status]);
    }
    for (const [route, method, status] of seen) expect([route, method, declared(route, method)]).toEqual([route, method, expect.arrayContaining([String(status)])]);
  });

  it('serves browsable docs at /docs without a token', async () => {
    const response = await app.http().get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger');
  });
});
