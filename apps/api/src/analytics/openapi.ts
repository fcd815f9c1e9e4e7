import { AGE_BAND_LABELS, ATTRIBUTE_KEYS, CLOSURE_REASONS } from '@kedja/analytics';
import { CLOCK_EVENT_TYPES } from './time-to-event/query';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const eventType = { type: 'string', enum: [...CLOCK_EVENT_TYPES] };
const oneOrMany = (schema: Record<string, unknown>) => ({ oneOf: [schema, { type: 'array', items: schema, minItems: 1, maxItems: 400 }] });
const interval = { type: 'object', properties: { lower: { type: ['number', 'null'] }, upper: { type: ['number', 'null'] } } };
const share = { type: 'array', items: { type: 'object', properties: { day: { type: 'integer' }, share: { type: ['number', 'null'] } } } };
const logRankStatistic = {
  chiSquare: { type: ['number', 'null'], description: 'null with fewer than two groups with expected events, or above 100 groups' },
  df: { type: 'integer', description: 'groups with expected events > 0, less one' },
  p: { type: ['number', 'null'], description: 'upper tail of chi-square on df degrees of freedom' },
};

/** The analytics paths, for buildOpenApiDocument's `extraPaths`. */
export const ANALYTICS_OPENAPI_PATHS: Record<string, unknown> = {
  '/v1/analytics/time-to-event': {
    post: {
      operationId: 'runTimeToEvent',
      tags: ['analytics'],
      summary: 'Kaplan–Meier time from one event to the first of others, per group (role analyst, actor analyst)',
      description:
        'The clock starts at the first `from` event (by event time) and stops at the first `to` event at or after it. People ' +
        'who have not reached `to` are censored at `asOf` (default now) or at the closure of their migration case, whichever ' +
        'is first. Retracted events are excluded. With `asOf`, only events and retractions recorded up to that moment count, ' +
        'so a report is reproducible; a date means the end of that day in UTC. Days are differences of UTC calendar dates. ' +
        'Answers from the analytics read model: with an in-process projection runner the query first waits up to 2 s for it ' +
        'to apply what was recorded; with a separate projector the newest events may be missing for as long as its lag ' +
        '(see /health). Health facts are not available to analytics.',
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              additionalProperties: false,
              required: ['from', 'to'],
              properties: {
                from: eventType,
                to: { oneOf: [eventType, { type: 'array', items: eventType, minItems: 1 }] },
                competing: {
                  type: 'array',
                  minItems: 1,
                  uniqueItems: true,
                  items: { oneOf: [{ ...eventType, enum: CLOCK_EVENT_TYPES.filter((t) => t !== 'MigrationCaseClosed') }, { type: 'string', enum: [...CLOSURE_REASONS] }] },
                  description:
                    'Competing exits: event types, or reasons of a MigrationCaseClosed (a closure for a reason not listed censors). The ' +
                    'first exit of any kind ends a person\'s episode (`to` wins a tie at one instant, then the order listed). Each group ' +
                    'then carries `cumulativeIncidence` (Aalen–Johansen), and its Kaplan–Meier curve and log-rank test treat a competing ' +
                    'exit as censored (the cause-specific view).',
                },
                cohort: {
                  type: 'object',
                  additionalProperties: false,
                  description: 'Filters on the start event\'s attributes; a list matches any of its values; an unknown attribute never matches.',
                  properties: {
                    year: oneOrMany({ type: 'integer', minimum: 1990, maximum: 2100 }),
                    countyCode: oneOrMany({ type: 'string', pattern: '^\\d{2}$' }),
                    municipalityCode: oneOrMany({ type: 'string', pattern: '^\\d{4}$' }),
                    gender: oneOrMany({ type: 'string', enum: ['female', 'male', 'unspecified'] }),
                    route: oneOrMany({ type: 'string', enum: ['asylum', 'resettlement', 'family-ties', 'temporary-protection'] }),
                    ageBand: oneOrMany({ type: 'string', enum: [...AGE_BAND_LABELS] }),
                    highestEducation: oneOrMany({ type: 'string', enum: ['none', 'primary', 'upper-secondary', 'post-secondary'] }),
                  },
                },
                groupBy: oneOrMany({ type: 'string', enum: [...ATTRIBUTE_KEYS] }),
                asOf: { type: 'string', description: 'RFC 3339 time with offset, or YYYY-MM-DD (end of that day, UTC); not in the future' },
                horizons: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 36500 }, minItems: 1, maxItems: 50, default: [90, 365, 730] },
              },
            },
            examples: {
              permitToWork: {
                summary: 'Permit in 2016 to first work, by gender, as known at the end of 2019',
                value: { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'BusinessStarted'], cohort: { year: 2016 }, groupBy: 'gender', asOf: '2019-12-31' },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'One group per combination of the `groupBy` values (one group without groupBy); unknown values group last as null',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['asOf', 'groups'],
                properties: {
                  asOf: { type: 'string' },
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['key', 'n', 'events', 'censored', 'median', 'medianCi', 'curve', 'horizons'],
                      properties: {
                        key: { type: 'object', additionalProperties: { type: ['string', 'integer', 'null'] } },
                        n: { type: 'integer' },
                        events: { type: 'integer' },
                        censored: { type: 'integer' },
                        median: {
                          type: ['number', 'null'],
                          description: "Days, as R's quantile.survfit: the first day with S ≤ 0.5, or the midpoint of a flat exactly at 0.5 (so it can end in .5); null if not reached",
                        },
                        medianCi: { ...interval, description: '95%, the same rule on the log-log band (Brookmeyer–Crowley); a null bound is not reached' },
                        curve: {
                          type: 'array',
                          items: {
                            type: 'object',
                            properties: {
                              day: { type: 'integer' },
                              atRisk: { type: 'integer' },
                              events: { type: 'integer' },
                              censored: { type: 'integer' },
                              survival: { type: 'number' },
                            },
                          },
                        },
                        horizons: share,
                        cumulativeIncidence: {
                          type: 'array',
                          description: 'Only with `competing`: the cause `to` first, then each competing cause in the order asked',
                          items: {
                            type: 'object',
                            properties: {
                              cause: { type: 'string' },
                              events: { type: 'integer' },
                              curve: {
                                type: 'array',
                                items: {
                                  type: 'object',
                                  properties: {
                                    day: { type: 'integer' },
                                    atRisk: { type: 'integer' },
                                    events: { type: 'integer' },
                                    incidence: { type: 'number' },
                                    stdErr: { type: 'number', description: "infinitesimal jackknife, as R's survfit on a multi-state Surv" },
                                    lower: { type: ['number', 'null'], description: '95%, log scale (R\'s default); null while the incidence is 0' },
                                    upper: { type: ['number', 'null'] },
                                  },
                                },
                              },
                              horizons: share,
                            },
                          },
                        },
                      },
                    },
                  },
                  logRank: {
                    type: 'object',
                    description: "Only with groupBy: the log-rank test of equal hazards across the groups (R's survdiff)",
                    properties: {
                      ...logRankStatistic,
                      observed: { type: 'array', items: { type: 'integer' }, description: 'events per group, in the order of `groups`' },
                      expected: { type: 'array', items: { type: 'number' } },
                      stratified: {
                        type: 'array',
                        description: 'With several groupBy attributes: each one tested within the strata of the others',
                        items: {
                          type: 'object',
                          properties: { by: { type: 'string' }, strata: { type: 'array', items: { type: 'string' } }, ...logRankStatistic },
                        },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        '400': problem('invalid-request: every bad field is named in `errors`'),
        '401': problem('unauthorized'),
        '403': problem('not-permitted: not an analyst'),
        '413': problem('payload-too-large'),
        '503': { ...problem('unavailable: the analytics read model is not built yet'), headers: { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } } },
      },
    },
  },
};
