import { CITIZENSHIP_CODES } from '../code-lists/countries';
import { LANGUAGE_CODES } from '../code-lists/languages';
import { MUNICIPALITIES } from '../code-lists/municipalities';
import { SSYK_UNIT_GROUPS } from '../code-lists/ssyk';
import { CATALOGUE, type CodeList, type FieldSpec } from './catalogue';
import type { EventType } from './events';

export type JsonSchema = { readonly [key: string]: unknown };

export interface JsonSchemaOptions {
  /** Inline the code lists as `enum` (exact, larger) or describe them with a pattern only. Default true. */
  readonly inlineCodeLists?: boolean;
}

function codeSchema(list: CodeList, inline: boolean): Record<string, unknown> {
  switch (list) {
    case 'kommunkod':
      return inline ? { type: 'string', enum: MUNICIPALITIES.map((m) => m.code) } : { type: 'string', pattern: '^\\d{4}$' };
    case 'ssyk':
      return inline ? { type: 'string', enum: SSYK_UNIT_GROUPS.map((g) => g.code) } : { type: 'string', pattern: '^\\d{4}$' };
    case 'alpha3':
      return inline ? { type: 'string', enum: [...CITIZENSHIP_CODES] } : { type: 'string', pattern: '^[A-Z]{3}$' };
    case 'iso639-1':
      return inline ? { type: 'string', enum: [...LANGUAGE_CODES] } : { type: 'string', pattern: '^[a-z]{2}$' };
    case 'orgnr':
      return { type: 'string', pattern: '^\\d{2}[2-9]\\d{7}$' };
    case 'personnummer':
      return { type: 'string', pattern: '^\\d{12}$' };
  }
}

export function fieldJsonSchema(field: FieldSpec, options: JsonSchemaOptions = {}): JsonSchema {
  const inline = options.inlineCodeLists ?? true;
  const common = { description: field.description, examples: [field.example] };
  switch (field.kind) {
    case 'enum': {
      const numeric = field.values.every((v) => typeof v === 'number');
      return { type: numeric ? 'integer' : 'string', enum: [...field.values], ...common };
    }
    case 'string':
      return {
        type: 'string',
        minLength: field.minLength,
        maxLength: field.maxLength,
        ...(field.pattern ? { pattern: field.pattern } : {}),
        ...common,
      };
    case 'boolean':
      return { type: 'boolean', ...common };
    case 'integer':
      return { type: 'integer', minimum: field.min, maximum: field.max, ...common };
    case 'date':
      return { type: 'string', format: 'date', pattern: '^\\d{4}-\\d{2}-\\d{2}$', ...common };
    case 'code':
      return { ...codeSchema(field.codeList, inline), ...common };
    case 'array':
      return { type: 'array', items: codeSchema(field.items.codeList, inline), maxItems: field.maxItems, uniqueItems: true, ...common };
  }
}

/** JSON Schema (2020-12, as used by OpenAPI 3.1) of an event type's `data`. */
export function eventDataJsonSchema(type: EventType, options: JsonSchemaOptions = {}): JsonSchema {
  const spec = CATALOGUE[type];
  const properties = Object.fromEntries(Object.entries(spec.fields).map(([name, f]) => [name, fieldJsonSchema(f, options)]));
  const required = Object.entries(spec.fields)
    .filter(([, f]) => f.required)
    .map(([name]) => name);
  const description = [spec.description, `Posted by: ${spec.postedBy.join(', ')}.`, ...(spec.rules ?? []).map((r) => `Rule: ${r}.`)].join(' ');
  return {
    title: type,
    description,
    type: 'object',
    properties,
    ...(required.length ? { required } : {}),
    additionalProperties: false,
    'x-category': spec.category,
    'x-posted-by': [...spec.postedBy],
  };
}
