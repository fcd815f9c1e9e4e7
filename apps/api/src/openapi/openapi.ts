import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EVENT_TYPES, EXAMPLES, EXAMPLE_TIME, eventDataJsonSchema } from '@kedja/chain';
import { PROBLEM_CODES } from '../problems/problem';
import { ANALYTICS_OPENAPI_PATHS, DISCLOSURE_RULE } from '../analytics/openapi';

/**
 * The OpenAPI 3.1 document. Event data schemas are generated from the same catalogue that
 * validates posted events (libs/chain), so the document cannot drift from what is enforced.
 */
export function buildOpenApiDocument(extraPaths: Record<string, unknown> = {}, extraSchemas: Record<string, unknown> = {}): OpenAPIObject {
  const eventSchemas: Record<string, unknown> = {};
  const variants: unknown[] = [];
  for (const type of EVENT_TYPES) {
    eventSchemas[`${type}Data`] = eventDataJsonSchema(type);
    eventSchemas[type] = {
      allOf: [
        { $ref: '#/components/schemas/CloudEventEnvelope' },
        {
          type: 'object',
          required: ['type', 'data'],
          properties: { type: { const: type }, data: { $ref: `#/components/schemas/${type}Data` } },
        },
      ],
      examples: [exampleEvent(type)],
    };
    variants.push({ $ref: `#/components/schemas/${type}` });
  }
  const problemResponse = (description: string) => ({
    description,
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
  });
  const paging = [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'Opaque; from nextCursor of the previous page' },
  ];
  const view = (summary: string, parameters: unknown[] = []) => ({
    tags: ['views'], summary: `${summary} (role caseworker, scoped to the caller's actor; each listed person is audited)`,
    parameters: [...parameters, ...paging],
    responses: { '200': { description: 'A page: `{ items, nextCursor }` (nextCursor null on the last page)' }, '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted') },
  });
  const examples = Object.fromEntries(EVENT_TYPES.map((type) => [type, { summary: type, value: exampleEvent(type) }]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kedja',
      version: '1.0.0',
      description:
        'The shared, append-only record of Sweden\'s reception and establishment chain. Agencies post facts as CloudEvents; ' +
        'caseworkers read timelines and views within their mandate; analysts replay the history. Errors are RFC 9457 problem ' +
        `details with a stable \`code\` (${PROBLEM_CODES.join(', ')}).`,
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    paths: {
      '/v1/events': {
        post: {
          tags: ['recording'],
          summary: 'Post one event (structured or binary mode) or a batch of up to 1,000',
          description:
            'Structured mode: `application/cloudevents+json` (or `application/json` with an object and no `ce-` headers). ' +
            'Binary mode: attributes as `ce-` headers, `data` as the `application/json` body. Batch: ' +
            '`application/cloudevents-batch+json` (or `application/json` with an array). The body limit is 5 MiB by default ' +
            '(`KEDJA_BODY_LIMIT_BYTES`); larger bodies and batches over 1,000 events answer 413. Posting the same (source, id) ' +
            'again with the same content answers `duplicate`.',
          requestBody: {
            required: true,
            content: {
              'application/cloudevents+json': { schema: { $ref: '#/components/schemas/CloudEvent' }, examples },
              'application/cloudevents-batch+json': { schema: { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/CloudEvent' } } },
              'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/CloudEvent' }, { type: 'array', maxItems: 1000, items: { $ref: '#/components/schemas/CloudEvent' } }] } },
            },
          },
          responses: {
            '201': { description: 'Recorded', content: { 'application/json': { schema: { $ref: '#/components/schemas/EventResult' } } } },
            '200': { description: 'A duplicate of a recorded event (single), or the per-event results of a batch', content: { 'application/json': { schema: { oneOf: [{ $ref: '#/components/schemas/EventResult' }, { $ref: '#/components/schemas/BatchResult' }] } } } },
            '400': problemResponse('invalid-event or unknown-event-type'),
            '401': problemResponse('unauthorized'),
            '403': problemResponse('not-permitted'),
            '409': problemResponse('subject-exists, identifier-conflict or duplicate-id-conflict'),
            '413': problemResponse('payload-too-large'),
            '415': problemResponse('unsupported-media-type'),
            '422': problemResponse('unknown-subject or rule-violation'),
          },
        },
      },
      '/health': {
        get: { tags: ['operations'], security: [], summary: 'Liveness and readiness (no token)', responses: { '200': { description: 'Up' }, '503': { description: 'The event store is unreachable' } } },
      },
      '/metrics': {
        get: { tags: ['operations'], security: [], summary: 'Prometheus metrics (no token)', responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } },
      },
      '/v1/persons/{subject}/timeline': {
        get: {
          tags: ['reading'], summary: "A person's timeline as the caller's actor may see it (role caseworker); every call is audited",
          description: 'Events the caller may see, with only the allowed fields, ordered by event time (ties by recording order). `asOf` shows what was known at that moment. A person outside the caller\'s scope answers 404 exactly like one who does not exist. Prefer `person:<uuid>` (see `/v1/persons/lookup`) so personnummer stay out of URLs.',
          parameters: [
            { name: 'subject', in: 'path', required: true, schema: { type: 'string' }, description: 'dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid>' },
            { name: 'asOf', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'x-purpose', in: 'header', schema: { type: 'string' }, description: 'Why the record is read; kept in the audit log' },
          ],
          responses: { '200': { description: 'The timeline', content: { 'application/json': { schema: { $ref: '#/components/schemas/Timeline' } } } }, '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found') },
        },
      },
      '/v1/persons/lookup': {
        post: {
          tags: ['reading'], summary: 'Resolve a subject to the person id, scoped and audited like a timeline read',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['subject'], additionalProperties: false, properties: { subject: { type: 'string' } } } } } },
          responses: { '200': { description: 'Found', content: { 'application/json': { schema: { type: 'object', properties: { personId: { type: 'string', format: 'uuid' } } } } } }, '400': problemResponse('invalid-request'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found') },
        },
      },
      '/v1/views/settlement-queue': { get: view('People with a permit who are not settled: days waiting and assigned municipality') },
      '/v1/views/establishment': { get: view('Active establishment programme participants: start, planned end, days left, current activities') },
      '/v1/views/municipalities/{kommunkod}/residents': { get: view("The municipality's people and the status of each step (SFI, SO, programme, internship, work)", [{ name: 'kommunkod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}$' } }]) },
      '/v1/views/chain-gaps': { get: view('Open hand-offs past their threshold: person, gap code, since, days open', [{ name: 'gap', in: 'query', schema: { type: 'string', enum: ['permit-to-settlement', 'assignment-to-settlement', 'settlement-to-sfi', 'settlement-to-civic-orientation', 'settlement-to-programme', 'programme-ending-without-outcome', 'programme-without-activity'] } }]) },
      '/v1/views/counties/{lanskod}/overview': { get: { ...view('Per municipality of the county: people received (assigned vs self-arranged), median days permit→settlement, settlement→SFI, settlement→work, open gaps; data-quality anomalies for county boards and national agencies. Any value may be null under disclosure control, the row (or anomaly) then carrying "suppressed": true and suppressedFields. ' + DISCLOSURE_RULE, [{ name: 'lanskod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{2}$' } }]), parameters: [{ name: 'lanskod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{2}$' } }] } },
      '/v1/audit': {
        get: {
          tags: ['personal data'], summary: "Every read of a person's record: who, actor, when, what (admin of actor platform)",
          parameters: [{ name: 'subject', in: 'query', required: true, schema: { type: 'string' } }, ...paging],
          responses: { '200': { description: 'Audit entries, oldest first' }, '403': problemResponse('not-permitted'), '404': problemResponse('not-found') },
        },
      },
      ...extraPaths,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        CloudEventEnvelope: {
          type: 'object',
          required: ['specversion', 'id', 'source', 'type', 'time', 'subject', 'data'],
          additionalProperties: false,
          properties: {
            specversion: { const: '1.0' },
            id: { type: 'string', minLength: 1, maxLength: 256, description: 'Unique together with source; reposting the same pair is idempotent.' },
            source: { type: 'string', format: 'uri-reference', maxLength: 512, examples: ['urn:se:kommun:2281:sfi'] },
            type: { type: 'string', enum: [...EVENT_TYPES] },
            time: { type: 'string', format: 'date-time', description: 'When it happened: RFC 3339 with offset, not in the future, not before 1990-01-01.' },
            subject: { type: 'string', pattern: '^(dossier:\\d{2}-\\d{6}|pnr:\\d{12}|person:[0-9a-f-]{36})$', description: 'dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid>' },
            datacontenttype: { const: 'application/json' },
            dataschema: { type: 'string', format: 'uri' },
            actor: { type: 'string', description: 'Extension: the reporting agency. Required when an admin of actor platform imports; otherwise, if present, must equal the token\'s actor.' },
            recordedtime: { type: 'string', format: 'date-time', description: 'Extension, imports only: when the agency learned the fact; used for as-of replay.' },
            data: { type: 'object' },
          },
        },
        CloudEvent: { oneOf: variants, discriminator: { propertyName: 'type' } },
        ...eventSchemas,
        EventResult: {
          type: 'object',
          required: ['status'],
          properties: {
            id: { type: 'string' },
            status: { enum: ['recorded', 'duplicate', 'rejected'] },
            personId: { type: 'string', format: 'uuid' },
            problem: { $ref: '#/components/schemas/Problem' },
          },
        },
        BatchResult: { type: 'object', required: ['results'], properties: { results: { type: 'array', items: { $ref: '#/components/schemas/EventResult' } } } },
        Timeline: {
          type: 'object',
          required: ['personId', 'summary', 'events'],
          properties: {
            personId: { type: 'string', format: 'uuid' },
            summary: { type: 'object', properties: { phase: { enum: ['asylum', 'refused', 'permit', 'settled', 'establishment', 'employed', 'studying', 'business', 'left'] }, municipalityCode: { type: ['string', 'null'] }, countyCode: { type: ['string', 'null'] } } },
            events: { type: 'array', items: { type: 'object', required: ['id', 'source', 'type', 'time', 'recordedAt', 'postedBy', 'data'], properties: { id: { type: 'string' }, source: { type: 'string' }, type: { type: 'string' }, time: { type: 'string', format: 'date-time' }, recordedAt: { type: 'string', format: 'date-time' }, postedBy: { type: 'string' }, data: { type: 'object' } } } },
          },
        },
        Problem: {
          type: 'object',
          required: ['type', 'title', 'status', 'detail', 'code'],
          properties: {
            type: { type: 'string', format: 'uri-reference' },
            title: { type: 'string' },
            status: { type: 'integer' },
            detail: { type: 'string' },
            code: { type: 'string', enum: PROBLEM_CODES },
            errors: { type: 'array', items: { type: 'object', required: ['path', 'message'], properties: { path: { type: 'string' }, message: { type: 'string' } } } },
          },
        },
        ...extraSchemas,
      },
    },
  } as unknown as OpenAPIObject;
}

const EXAMPLE_SUBJECTS: Record<string, string> = {
  MigrationCaseOpened: 'dossier:12-345678',
  ReceptionHousingAssigned: 'dossier:12-345678',
  ResidencePermitGranted: 'dossier:12-345678',
  ResidencePermitRefused: 'dossier:12-345678',
  MunicipalityAssigned: 'dossier:12-345678',
  MigrationCaseClosed: 'dossier:12-345678',
  PopulationRegistered: 'dossier:12-345678',
};

function exampleEvent(type: string) {
  return {
    specversion: '1.0',
    id: `example-${type}`,
    source: 'urn:se:example:system',
    type,
    time: EXAMPLE_TIME,
    subject: EXAMPLE_SUBJECTS[type] ?? 'pnr:199001012383',
    data: (EXAMPLES as Record<string, unknown>)[type],
  };
}

let cached: OpenAPIObject | undefined;

export function openApiDocument(): OpenAPIObject {
  cached ??= buildOpenApiDocument(ANALYTICS_OPENAPI_PATHS);
  return cached;
}

export function mountDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(), { jsonDocumentUrl: 'openapi.json', customSiteTitle: 'Kedja API' });
}
