import { AGE_BAND_LABELS, ATTRIBUTE_KEYS, CLOSURE_REASONS } from '@kedja/analytics';
import { CLOCK_EVENT_TYPES } from './time-to-event/query';

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

const eventType = { type: 'string', enum: [...CLOCK_EVENT_TYPES] };
const oneOrMany = (schema: Record<string, unknown>) => ({ oneOf: [schema, { type: 'array', items: schema, minItems: 1, maxItems: 400 }] });
const nullableNumber = { type: ['number', 'null'] };
const pair = { type: 'object', properties: { a: { type: ['integer', 'null'] }, b: { type: ['integer', 'null'] } } };
const interval = { type: 'object', properties: { lower: { type: ['number', 'null'] }, upper: { type: ['number', 'null'] } } };
const share = {
  type: 'array',
  items: { type: 'object', properties: { day: { type: 'integer' }, share: { type: ['number', 'null'] }, suppressed: { type: 'boolean', enum: [true] } } },
};
const logRankStatistic = {
  chiSquare: { type: ['number', 'null'], description: 'null with fewer than two groups with expected events, or above 100 groups' },
  df: { type: 'integer', description: 'groups with expected events > 0, less one' },
  p: { type: ['number', 'null'], description: 'upper tail of chi-square on df degrees of freedom' },
};

/**
 * The disclosure rule as the OpenAPI document states it (README "Disclosure control" says the
 * same at more length); the code is @kedja/access src/disclosure.
 */
export const DISCLOSURE_RULE =
  'Disclosure control (KEDJA_MIN_CELL = k, default 5, never below 3): no value describes fewer than k people. ' +
  '(1) A count of 1 to k − 1 is `null` and the object holding it carries `"suppressed": true` and `suppressedFields` naming it; 0 is published. ' +
  '(2) Complementary suppression: counts are tied by sums (n = events + censored; events = events on the released curve + events after it; ' +
  'a marginal total, which a reader gets by asking with fewer groupBy attributes or none, = the sum of its groups; people = received + not ' +
  'received; received = assigned + self-arranged + other). Whenever a withheld count, or the sum of the withheld counts of one such sum, ' +
  'would follow from what is published as 1 to k − 1, more is withheld: a group\'s events and censored first, then its n (which withholds ' +
  'the whole group), then its curve. ' +
  '(3) Curves: consecutive Kaplan–Meier steps are pooled until a pooled step has 0 or at least k events, 0 or at least k censored, and ' +
  'leaves 0 or at least k at risk; it reports the day of its last step, the number at risk at its first and the pooled counts, and its ' +
  'survival, variance and band are the Kaplan–Meier estimate on those pooled counts (durations rounded up to the released day), so every ' +
  'number on the curve follows from the published counts alone. The curve stops before the first step with fewer than k at risk. So no step ' +
  'shows one event on a day, and no difference of published numbers at risk is 1 to k − 1. ' +
  '(4) Statistics: median, its interval and horizon shares are read off the released curve (the median and its interval by R\'s ' +
  'quantile.survfit on the released curve, so a median can be later than the unpooled estimate; a horizon past the released curve is ' +
  '`null` with `"suppressed": true`); a withheld group has none. ' +
  '(5) Competing risks: each cause\'s exits are counts as above (censored = censorings + competing exits, with marginal totals); the ' +
  'cumulative incidence curves are on the released Kaplan–Meier steps pooled further until every cause\'s exits and the censorings of a ' +
  'step are 0 or at least k, with Aalen–Johansen on the pooled counts, and stop with the last such step. ' +
  '(6) The log-rank test (and each stratified test) is run on the released curves of the groups that have one (those after a curve ' +
  'censored at its end), so it follows from published numbers; a group without a released curve is left out (observed and expected ' +
  'null, the test `"suppressed": true`). In the county overview a ' +
  'median needs at least k people behind it, and open gaps are withheld when they are 1 to k − 1 gaps or belong to 1 to k − 1 people. ' +
  'Limits: one answer is controlled against itself and the marginal totals of the same question; answers to different cohorts or asOf ' +
  'values can still be differenced against each other.';

/** The analytics paths, for buildOpenApiDocument's `extraPaths`. */
/** 503 while the analytics read model is built, with the Retry-After the controllers send. */
const unbuilt = () => ({ ...problem('unavailable: the analytics read model is not built yet'), headers: { 'Retry-After': { description: 'Seconds to wait before asking again', schema: { type: 'integer' } } } });

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
        '(see /health). Health facts are not available to analytics. ' +
        DISCLOSURE_RULE,
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
                required: ['asOf', 'disclosure', 'groups'],
                properties: {
                  asOf: { type: 'string' },
                  disclosure: { type: 'object', properties: { minCell: { type: 'integer', minimum: 3 } }, description: 'The threshold the answer was released under' },
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['key', 'n', 'events', 'censored', 'median', 'medianCi', 'curve', 'horizons'],
                      properties: {
                        key: { type: 'object', additionalProperties: { type: ['string', 'integer', 'null'] } },
                        n: { type: ['integer', 'null'], description: 'null when withheld (see suppressed)' },
                        events: { type: ['integer', 'null'] },
                        censored: { type: ['integer', 'null'] },
                        median: {
                          type: ['number', 'null'],
                          description:
                            "Days, as R's quantile.survfit reads the released curve: the first day with S ≤ 0.5, or the midpoint of a flat exactly at 0.5 (so it can end in .5); null if not reached",
                        },
                        suppressed: { type: 'boolean', enum: [true], description: 'Present when any value of the group is withheld' },
                        suppressedFields: {
                          type: 'array',
                          items: { type: 'string' },
                          description: 'The withheld fields: n, events, censored, curve, median, medianCi, horizons, cumulativeIncidence',
                        },
                        medianCi: { ...interval, description: '95%, the same rule on the released log-log band (Brookmeyer–Crowley); a null bound is not reached' },
                        curve: {
                          type: 'array',
                          description: 'Released (pooled) steps only; see the disclosure rule',
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
                              events: { type: ['integer', 'null'], description: 'null when withheld; for `to` the group\'s events' },
                              suppressed: { type: 'boolean', enum: [true] },
                              suppressedFields: { type: 'array', items: { type: 'string' }, description: 'events, curve, horizons' },
                              curve: {
                                type: 'array',
                                description: 'Released steps (see the disclosure rule, 5); the estimate is Aalen–Johansen on their counts',
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
                    description:
                      "Only with groupBy: the log-rank test of equal hazards across the groups (R's survdiff), run on the released curves of the groups that have one (disclosure rule, 6)",
                    properties: {
                      ...logRankStatistic,
                      observed: {
                        type: 'array',
                        items: { type: ['integer', 'null'] },
                        description: 'events on each group\'s released curve, in the order of `groups`; null for a group left out of the test',
                      },
                      expected: { type: 'array', items: { type: ['number', 'null'] } },
                      suppressed: { type: 'boolean', enum: [true], description: 'Present when a group is left out of the test' },
                      suppressedFields: { type: 'array', items: { type: 'string' } },
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
        '503': unbuilt(),
      },
    },
  },
  '/v1/analytics/time-to-event/compare': {
    post: {
      operationId: 'compareTimeToEvent',
      tags: ['analytics'],
      summary: 'The same time-to-event question as known at two moments: what changed per group and how people moved (role analyst, actor analyst)',
      description:
        'Runs the question of POST /v1/analytics/time-to-event (the same fields, without `asOf`) as known at `asOf.a` and at `asOf.b` ' +
        '(b not before a), in one pass over the people. Per group: n and events at each moment, the median and the horizon shares with ' +
        'their change (b − a), and `people`: `entered` (in the group at b, not at a: a late-reported start, or attributes that moved ' +
        'the person here), `left` (the reverse), and among those in the group at both, `gainedEvent` (censored at a, event at b), ' +
        '`lostEvent` (the event was retracted) and `durationChanged`; n.b − n.a = entered − left. ' +
        'Each side is released exactly as the time-to-event answer for that asOf is, and the movements are controlled against both: ' +
        'n at a = left + stayed, n at b = entered + stayed, stayed = gainedEvent + lostEvent + durationChanged + unchanged; a movement of ' +
        '1 to k − 1 people, or one that follows from the others, is null with "suppressed": true. ' +
        DISCLOSURE_RULE,
      requestBody: {
        required: true,
        content: {
          'application/json': {
            schema: {
              type: 'object',
              required: ['from', 'to', 'asOf'],
              description: 'The time-to-event question (from, to, cohort, groupBy, horizons) and asOf: { a, b }',
              properties: {
                from: eventType,
                to: { oneOf: [eventType, { type: 'array', items: eventType, minItems: 1 }] },
                cohort: { type: 'object', description: 'As for POST /v1/analytics/time-to-event' },
                groupBy: oneOrMany({ type: 'string', enum: [...ATTRIBUTE_KEYS] }),
                horizons: { type: 'array', items: { type: 'integer', minimum: 0, maximum: 36500 }, minItems: 1, maxItems: 50 },
                competing: {
                  type: 'array',
                  description:
                    'As for POST /v1/analytics/time-to-event: competing exits end episodes (and censor the curve). Each side is controlled as that ' +
                    'answer with its cause counts is; the comparison itself carries no incidences',
                },
                asOf: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['a', 'b'],
                  properties: {
                    a: { type: 'string', description: 'RFC 3339 time with offset, or YYYY-MM-DD (end of that day, UTC); not in the future' },
                    b: { type: 'string', description: 'The same; not before a' },
                  },
                },
              },
            },
            examples: {
              lateReports: {
                summary: 'How reports that came in 2020 changed what was known at the end of 2019',
                value: { from: 'ResidencePermitGranted', to: 'EmploymentStarted', cohort: { year: 2016 }, groupBy: 'gender', asOf: { a: '2019-12-31', b: '2020-12-31' } },
              },
            },
          },
        },
      },
      responses: {
        '200': {
          description: 'One entry per group present at either moment',
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['asOf', 'disclosure', 'groups'],
                properties: {
                  asOf: { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } } },
                  disclosure: { type: 'object', properties: { minCell: { type: 'integer', minimum: 3 } } },
                  groups: {
                    type: 'array',
                    items: {
                      type: 'object',
                      required: ['key', 'n', 'events', 'median', 'horizons', 'people'],
                      properties: {
                        key: { type: 'object', additionalProperties: { type: ['string', 'integer', 'null'] } },
                        n: pair,
                        events: pair,
                        median: { type: 'object', properties: { a: nullableNumber, b: nullableNumber, delta: nullableNumber } },
                        horizons: { type: 'array', items: { type: 'object', properties: { day: { type: 'integer' }, a: nullableNumber, b: nullableNumber, delta: nullableNumber } } },
                        people: {
                          type: 'object',
                          properties: Object.fromEntries(['entered', 'left', 'gainedEvent', 'lostEvent', 'durationChanged'].map((f) => [f, { type: ['integer', 'null'] }])),
                        },
                        suppressed: { type: 'boolean', enum: [true] },
                        suppressedFields: { type: 'array', items: { type: 'string' }, description: 'e.g. a.n, b.curve, people.left' },
                      },
                    },
                  },
                },
              },
            },
          },
        },
        '400': problem('invalid-request: every bad field is named in `errors` (asOf.a, asOf.b, and the fields of the question)'),
        '401': problem('unauthorized'),
        '403': problem('not-permitted: not an analyst'),
        '413': problem('payload-too-large'),
        '503': unbuilt(),
      },
    },
  },
};
