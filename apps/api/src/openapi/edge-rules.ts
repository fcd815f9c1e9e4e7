import type { OpenAPIObject } from '@nestjs/swagger';

/**
 * CONTRACT.md v1.1 "Personal data in what the service writes", in the OpenAPI document: the
 * rules that hold for every /v1 operation (tokens, rate limit, error bodies) are added to each
 * one here, once, instead of by hand in every path.
 */
export const TOKEN_RULES =
  'A JWT: with no configured issuer, minted by `npx kedja token`; otherwise from an issuer in `KEDJA_ISSUERS`, with `aud` ' +
  'equal to `KEDJA_AUDIENCE` (default `kedja`). `exp` at most `KEDJA_TOKEN_MAX_LIFETIME` (default 12 h) after `iat` ' +
  '(or after now, without `iat`); `iat` at most 60 s in the future. A refusal is `401 unauthorized` whose detail names the ' +
  'rule that failed, never the token. Each token may make `KEDJA_RATE_LIMIT` requests a minute (default 1,200,000); ' +
  'over it, `429 rate-limited` with `Retry-After` (seconds).';

const PERSONAL_DATA =
  ' No answer repeats a personnummer, samordningsnummer or dossier number the caller sent as a value or a field name, in any ' +
  'spelling (with or without century, hyphen, plus, spaces, full-width or other Unicode digits, percent-encoded): such a ' +
  'field is named `data.<unnamed field>` (or `<unnamed field>` outside data), and logs and metrics mask them too. ' +
  'Every answer carries security headers (Content-Security-Policy `default-src \'self\'`, nosniff, frame-ancestors none).';

const EVENT_STRINGS =
  ' Every string of an event (ids, source, subject, extension attributes, data at any depth, and attribute and field names) ' +
  'must be valid Unicode without control characters (U+0000-U+001F, U+007F) or lone surrogates; otherwise the event is ' +
  '`400 invalid-event` naming the field, and in a batch each event still stands alone. `EventRetracted.reason` is refused ' +
  'when it holds a personnummer, samordningsnummer or dossier number in any spelling. The body may be compressed ' +
  '(`Content-Encoding: gzip`, `deflate` or `br`): one that cannot be decoded is `400 invalid-request`, another encoding `415`.';

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers ? { headers } : {}),
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

type Operation = { description?: string; responses?: Record<string, unknown> };

export function withEdgeRules(doc: OpenAPIObject): OpenAPIObject {
  doc.info.description = `${doc.info.description ?? ''}${PERSONAL_DATA}`;
  const bearer = doc.components?.securitySchemes?.bearer as { description?: string } | undefined;
  if (bearer) bearer.description = TOKEN_RULES;
  for (const [route, item] of Object.entries(doc.paths)) {
    if (!route.startsWith('/v1')) continue;
    for (const operation of Object.values(item as Record<string, Operation>)) {
      if (typeof operation !== 'object' || operation === null || !operation.responses) continue;
      operation.responses['401'] = problem('unauthorized: no token, or one that breaks a rule of the bearer scheme (the detail names it)');
      operation.responses['429'] = problem('rate-limited: this token is over KEDJA_RATE_LIMIT', {
        'Retry-After': { description: 'Seconds until the token may send again', schema: { type: 'integer', minimum: 1 } },
      });
    }
  }
  const post = (doc.paths['/v1/events'] as Record<string, Operation> | undefined)?.post;
  if (post?.responses) {
    post.description = `${post.description ?? ''}${EVENT_STRINGS}`;
    post.responses['400'] = problem('invalid-event or unknown-event-type; invalid-request when a compressed body cannot be decoded');
    post.responses['415'] = problem('unsupported-media-type: another content type, or a Content-Encoding other than gzip, deflate, br');
  }
  return doc;
}
