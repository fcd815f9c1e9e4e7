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
      const schema = body.components.schemas[`${type}Data`];
      expect(schema.additionalProperties).toBe(false);
      const example = examples[type].value;
      expect(example.type).toBe(type);
      expect(validateEventData(type, example.data, { time: new Date(example.time).toISOString() })).toEqual([]);
    }
  });

  it('serves browsable docs at /docs without a token', async () => {
    const response = await app.http().get('/docs/');
    expect(response.status).toBe(200);
    expect(response.text).toContain('swagger');
  });
});
