import type { INestApplication } from '@nestjs/common';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { EVENT_TYPES, EXAMPLES, EXAMPLE_TIME, eventDataJsonSchema } from '@kedja/chain';
import { productVersion } from '@kedja/operations';
import { PROBLEM_CODES } from '../problems/problem';
import { ANALYTICS_OPENAPI_PATHS, DISCLOSURE_RULE } from '../analytics/openapi';
import { withEdgeRules } from './edge-rules';

/**
 * The OpenAPI 3.1 document. Event data schemas are generated from the same catalogue that
 * validates posted events (libs/chain), so the document cannot drift from what is enforced.
 */
export function buildOpenApiDocument(extraPaths: Record<string, unknown> = {}, extraSchemas: Record<string, unknown> = {}): OpenAPIObject {
  const eventSchemas: Record<string, unknown> = {};
  const variants: unknown[] = [];
  for (const type of EVENT_TYPES) {
    // One schema per event type, its data inline: a separate `<type>Data` component listed
    // every type twice in /docs.
    eventSchemas[type] = {
      allOf: [
        { $ref: '#/components/schemas/CloudEventEnvelope' },
        {
          type: 'object',
          required: ['type', 'data'],
          properties: { type: { const: type }, data: eventDataJsonSchema(type) },
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
  const retryAfter = { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } };
  const unavailable = (description: string) => ({ ...problemResponse(description), headers: retryAfter });
  const paging = [
    { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
    { name: 'cursor', in: 'query', schema: { type: 'string' }, description: 'Opaque; from nextCursor of the previous page' },
  ];
  const view = (operationId: string, summary: string, parameters: unknown[] = []) => ({
    operationId,
    tags: ['views'], summary: `${summary} (role caseworker, scoped to the caller's actor; each listed person is audited)`,
    parameters: [...parameters, ...paging],
    responses: {
      '200': { description: 'A page: `{ items, nextCursor }` (nextCursor null on the last page)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } } },
      '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'),
      '503': unavailable('unavailable: the view is not built yet (the detail says whether a projector is running), or the audit log could not be written'),
    },
  });
  const examples = Object.fromEntries(EVENT_TYPES.map((type) => [type, { summary: type, value: exampleEvent(type) }]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kedja',
      license: { name: 'UNLICENSED', identifier: 'LicenseRef-UNLICENSED' },
      // The product's version (package.json), as /metrics' kedja_build_info and `kedja --version` say.
      version: productVersion(),
      description:
        'The shared, append-only record of Sweden\'s reception and establishment chain. Agencies post facts as CloudEvents; ' +
        'caseworkers read timelines and views within their mandate; analysts replay the history. Errors are RFC 9457 problem ' +
        `details with a stable \`code\` (${PROBLEM_CODES.join(', ')}).`,
    },
    servers: [{ url: '/', description: 'The server that serves this document' }],
    security: [{ bearer: [] }],
    paths: {
      '/v1/events': {
        post: {
          operationId: 'postEvents',
          tags: ['recording'],
          summary: 'Post one event (structured or binary mode) or a batch of up to 1,000',
          description:
            'Structured mode: `application/cloudevents+json` (or `application/json` with an object and no `ce-` headers). ' +
            'Binary mode: attributes as `ce-` headers, `data` as the `application/json` body. Batch: ' +
            '`application/cloudevents-batch+json` (or `application/json` with an array). The body limit is 5 MiB by default ' +
            '(`KEDJA_BODY_LIMIT_BYTES`); larger bodies and batches over 1,000 events answer 413. Posting the same (source, id) ' +
            'again with the same content answers `duplicate`. Checked in this order (Amendments v1.1): token and role; may this ' +
            'actor post this type (403 not-permitted); does the `source` belong to this actor, the first that posted with it ' +
            '(403 not-permitted, "This source belongs to another actor."); is the person in the actor\'s scope, or does the event ' +
            'create it (MigrationCaseOpened by Migrationsverket, PopulationRegistered by Skatteverket, SettledInMunicipality by the ' +
            'municipality named in it) — otherwise 422 unknown-subject with exactly the body of an unknown subject; only then the ' +
            'duplicate check.',
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
            '403': problemResponse('not-permitted (this type, this municipality, or a source owned by another actor)'),
            '409': problemResponse('subject-exists, identifier-conflict or duplicate-id-conflict'),
            '413': problemResponse('payload-too-large'),
            '415': problemResponse('unsupported-media-type'),
            '422': problemResponse('unknown-subject (no person in your scope has this identifier; also for a person outside the caller\'s scope) or rule-violation (a later event that the post would break is named only if the caller posted it)'),
            '503': unavailable('unavailable: the person was being changed by other requests, or the store is unreachable; retry'),
          },
        },
      },
      '/health': {
        get: {
          operationId: 'getHealth', tags: ['operations'], security: [], summary: 'The operator\'s report: store, each projection\'s position and lag, and why the status is degraded (no token)',
          responses: { '200': { description: '`ok` or `degraded` (with `reasons`, e.g. no projector running)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } }, '503': { description: '`down`: the event store is unreachable', headers: retryAfter, content: { 'application/json': { schema: { $ref: '#/components/schemas/Health' } } } } },
        },
      },
      '/health/live': {
        get: { operationId: 'getLiveness', tags: ['operations'], security: [], summary: 'Liveness: the process answers (no token)', responses: { '200': { description: 'Alive', content: { 'application/json': { schema: { type: 'object', properties: { status: { const: 'ok' } } } } } } } },
      },
      '/health/ready': {
        get: {
          operationId: 'getReadiness', tags: ['operations'], security: [], summary: 'Readiness: the store answers, so requests can be served (no token)',
          responses: {
            '200': { description: 'Ready (`reasons` may still name a missing projector)', content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
            '503': { description: 'Not ready: the event store is unreachable', headers: retryAfter, content: { 'application/json': { schema: { $ref: '#/components/schemas/Readiness' } } } },
          },
        },
      },
      '/metrics': {
        get: { operationId: 'getMetrics', tags: ['operations'], security: [], summary: 'Prometheus metrics (no token)', responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } } },
      },
      '/v1/persons/{subject}/timeline': {
        get: {
          operationId: 'getTimeline',
          tags: ['reading'], summary: "A person's timeline as the caller's actor may see it (role caseworker); every call is audited",
          description: 'Events the caller may see, with only the allowed fields, ordered by event time (ties by recording order). `asOf` shows what was known at that moment. A person outside the caller\'s scope answers 404 exactly like one who does not exist. Prefer `person:<uuid>` (see `/v1/persons/lookup`) so personnummer stay out of URLs.',
          parameters: [
            { name: 'subject', in: 'path', required: true, schema: { type: 'string' }, description: 'dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid>' },
            { name: 'asOf', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'x-purpose', in: 'header', schema: { type: 'string' }, description: 'Why the record is read; kept in the audit log' },
          ],
          responses: { '200': { description: 'The timeline', content: { 'application/json': { schema: { $ref: '#/components/schemas/Timeline' } } } }, '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found'), '503': unavailable('unavailable: the read could not be written to the audit log, so it was not served') },
        },
      },
      '/v1/persons/lookup': {
        post: {
          operationId: 'lookupPerson',
          tags: ['reading'], summary: 'Resolve a subject to the person id, scoped and audited like a timeline read',
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['subject'], additionalProperties: false, properties: { subject: { type: 'string' } } } } } },
          responses: { '200': { description: 'Found', content: { 'application/json': { schema: { type: 'object', properties: { personId: { type: 'string', format: 'uuid' } } } } } }, '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found'), '413': problemResponse('payload-too-large'), '503': unavailable('unavailable: the read could not be written to the audit log') },
        },
      },
      '/v1/views/settlement-queue': { get: view('listSettlementQueue', 'People with a permit who are not settled: days waiting and assigned municipality') },
      '/v1/views/establishment': { get: view('listEstablishment', 'Active establishment programme participants: start, planned end, days left, current activities') },
      '/v1/views/municipalities/{kommunkod}/residents': { get: view('listResidents', "The municipality's people and the status of each step (SFI, SO, programme, internship, work)", [{ name: 'kommunkod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{4}$' } }]) },
      '/v1/views/chain-gaps': { get: view('listChainGaps', 'Open hand-offs past their threshold: person, gap code, since, days open', [{ name: 'gap', in: 'query', schema: { type: 'string', enum: ['permit-to-settlement', 'assignment-to-settlement', 'settlement-to-sfi', 'settlement-to-civic-orientation', 'settlement-to-programme', 'programme-ending-without-outcome', 'programme-without-activity'] } }]) },
      '/v1/views/counties/{lanskod}/overview': { get: { ...view('getCountyOverview', 'Per municipality of the county: people received (assigned vs self-arranged), median days permit→settlement, settlement→SFI, settlement→work, open gaps; data-quality anomalies for county boards and national agencies. Any value may be null under disclosure control, the row (or anomaly) then carrying "suppressed": true and suppressedFields. A column resting on events the reader\'s timeline would not show (e.g. settlement→SFI for a region) is null and named in the top-level `hidden` array (paths such as `medianDays.settlementToSfi`, `received`, `openGaps`); county boards keep every column. ' + DISCLOSURE_RULE, [{ name: 'lanskod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{2}$' } }]), parameters: [{ name: 'lanskod', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d{2}$' } }] } },
      '/v1/audit': {
        get: {
          operationId: 'listAudit',
          tags: ['personal data'], summary: "Every read of a person's record: who, actor, when, what (admin of actor platform)",
          parameters: [{ name: 'subject', in: 'query', required: true, schema: { type: 'string' } }, ...paging],
          responses: { '200': { description: 'Audit entries, oldest first', content: { 'application/json': { schema: { $ref: '#/components/schemas/Page' } } } }, '400': problemResponse('invalid-request: no or a malformed subject'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found') },
        },
      },
      '/v1/audit/extract': {
        get: {
          operationId: 'getLogExtract',
          tags: ['personal data'], summary: 'The log extract to give the person: each read of their record (admin of actor platform); itself audited',
          description: 'Every audited access to the record (timeline, lookup, view listings, audit and extract reads, erasure), oldest first, with the reading actor and user, the time, the kind of read and the stated purpose (`x-purpose`). `format=csv` answers an RFC 4180 file (`text/csv`); a purpose a spreadsheet would take for a formula is prefixed with an apostrophe.',
          parameters: [
            { name: 'subject', in: 'query', required: true, schema: { type: 'string' }, description: 'dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid> (an erased identifier names no one: use the person id)' },
            { name: 'from', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'to', in: 'query', schema: { type: 'string', format: 'date-time' } },
            { name: 'format', in: 'query', schema: { type: 'string', enum: ['json', 'csv'], default: 'json' } },
          ],
          responses: {
            '200': {
              description: 'The extract',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      personId: { type: 'string', format: 'uuid' },
                      from: { type: ['string', 'null'], format: 'date-time' },
                      to: { type: ['string', 'null'], format: 'date-time' },
                      reads: {
                        type: 'array',
                        items: {
                          type: 'object',
                          properties: {
                            at: { type: 'string', format: 'date-time' },
                            actor: { type: 'string' },
                            user: { type: 'string', description: 'The token subject' },
                            kind: { type: 'string', description: 'timeline, lookup, view:<name>, audit, extract or erasure' },
                            purpose: { type: ['string', 'null'] },
                            outcome: { type: 'string', enum: ['read', 'out-of-scope', 'erased'] },
                          },
                        },
                      },
                    },
                  },
                },
                'text/csv': { schema: { type: 'string', description: 'Header at,actor,user,kind,purpose,outcome; CRLF line ends' } },
              },
            },
            '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found'),
          },
        },
      },
      '/v1/persons/{subject}/erasure': {
        post: {
          operationId: 'erasePersonalData',
          tags: ['personal data'], summary: "Erase a person's identifiers (admin of actor platform)",
          description: "Destroys the person's data key and identifier index entries: the dossier number and personnummer are unreadable from then on, in the database files and in any dump taken afterwards. Every other fact stays, so views and analytics do not change. Timelines (by `person:<uuid>`) show the erased fields as `null` with `\"erased\": true`; lookups and events naming an erased identifier answer as for an unknown subject. The stream records a `PersonalDataErased` event (shown on no timeline) and the audit log the erasure. Repeat with `person:<uuid>` for `already-erased`.",
          parameters: [{ name: 'subject', in: 'path', required: true, schema: { type: 'string' }, description: 'dossier:NN-NNNNNN, pnr:YYYYMMDDNNNC or person:<uuid>' }],
          requestBody: { required: true, content: { 'application/json': { schema: { type: 'object', required: ['reason'], additionalProperties: false, properties: { reason: { type: 'string', enum: ['data-subject-request', 'culling-decision', 'wrong-person'] } } } } } },
          responses: {
            '200': {
              description: 'Erased now, or already',
              content: { 'application/json': { schema: { type: 'object', properties: { personId: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['erased', 'already-erased'] }, erasedAt: { type: 'string', format: 'date-time' } } } } },
            },
            '400': problemResponse('invalid-request'), '401': problemResponse('unauthorized'), '403': problemResponse('not-permitted'), '404': problemResponse('not-found'),
          },
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
        Page: { type: 'object', required: ['items', 'nextCursor'], properties: { items: { type: 'array', items: { type: 'object' } }, nextCursor: { type: ['string', 'null'] } } },
        Health: {
          type: 'object', required: ['status', 'reasons', 'store', 'projections'],
          properties: {
            status: { enum: ['ok', 'degraded', 'down'] },
            reasons: { type: 'array', items: { type: 'string' } },
            store: { type: 'object', properties: { kind: { type: 'string' }, ok: { type: 'boolean' }, events: { type: 'integer' }, error: { type: 'string' } } },
            projections: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, applied: { type: 'integer' }, lag: { type: 'integer' }, running: { type: 'boolean' } } } },
          },
        },
        Readiness: { type: 'object', required: ['status', 'reasons'], properties: { status: { enum: ['ready', 'not-ready'] }, reasons: { type: 'array', items: { type: 'string' } } } },
        BatchResult: { type: 'object', required: ['results'], properties: { results: { type: 'array', items: { $ref: '#/components/schemas/EventResult' } } } },
        Timeline: {
          type: 'object',
          required: ['personId', 'summary', 'events'],
          properties: {
            personId: { type: 'string', format: 'uuid' },
            summary: { type: 'object', properties: { phase: { enum: ['asylum', 'refused', 'permit', 'settled', 'establishment', 'employed', 'studying', 'business', 'left'] }, municipalityCode: { type: ['string', 'null'] }, countyCode: { type: ['string', 'null'] }, movedAway: { type: 'boolean', description: 'The caller held the person and no longer does (moved away, or registered or settled elsewhere): municipalityCode and countyCode are then null, and the event that ended the hold is shown without its municipalityCode (Amendments v1.1).' } } },
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
  cached ??= withEdgeRules(buildOpenApiDocument(ANALYTICS_OPENAPI_PATHS));
  return cached;
}

export function mountDocs(app: INestApplication): void {
  SwaggerModule.setup('docs', app, openApiDocument(), { jsonDocumentUrl: 'openapi.json', customSiteTitle: 'Kedja API' });
}
