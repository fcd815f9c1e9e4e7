import { isCitizenshipCode } from '../code-lists/countries';
import { containsPersonalIdentifier } from '../code-lists/identifier-search';
import { isValidOrganisationNumber, isValidPersonalIdentityNumber } from '../code-lists/identifiers';
import { isLanguageCode } from '../code-lists/languages';
import { isMunicipalityCode } from '../code-lists/municipalities';
import { isSsykCode } from '../code-lists/ssyk';
import { CATALOGUE, type CodeList, type FieldSpec } from './catalogue';
import { addMonths, dateOfTime, isCalendarDate, isRfc3339 } from './dates';
import { reportableName } from './strings';
import { SFI_COURSES_BY_PATH, isEventType, type EventType, type StudyPath } from './events';

export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export interface ValidationContext {
  /** The event time (RFC 3339); rules such as the programme's 24-month limit count from it. */
  readonly time: string;
}

// Keys that could reach Object.prototype when a caller copies data naively; refused by name.
const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

// A personnummer-shaped run of digits (YYMMDD or YYYYMMDD, optional separator, four digits).
const PERSONNUMMER_SHAPE = /(?:\d{2})?\d{6}[-+\s]?\d{4}/;

const CODE_CHECKS: Readonly<Record<CodeList, { check: (v: unknown) => boolean; message: string }>> = {
  kommunkod: { check: isMunicipalityCode, message: 'must be a kommunkod of one of the 290 municipalities (4 digits, SCB)' },
  ssyk: { check: isSsykCode, message: 'must be an SSYK 2012 unit group code (4 digits)' },
  orgnr: { check: isValidOrganisationNumber, message: 'must be an organisationsnummer of a legal person: 10 digits, no hyphen, valid check digit' },
  alpha3: { check: isCitizenshipCode, message: 'must be an ISO 3166-1 alpha-3 code, XXA (stateless) or XXX (unknown)' },
  'iso639-1': { check: isLanguageCode, message: 'must be an ISO 639-1 language code (two lower-case letters)' },
  personnummer: {
    check: isValidPersonalIdentityNumber,
    message: 'must be a personnummer or samordningsnummer of 12 digits (YYYYMMDDNNNC) with a valid check digit',
  },
};

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function own(data: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(data, key) ? data[key] : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function checkField(spec: FieldSpec, value: unknown, path: string, issues: ValidationIssue[]): boolean {
  const before = issues.length;
  const fail = (message: string) => issues.push({ path, message });
  switch (spec.kind) {
    case 'enum':
      if (!spec.values.includes(value as string | number)) {
        fail(`must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}`);
      }
      break;
    case 'string': {
      if (typeof value !== 'string') {
        fail(`must be a string, not ${typeName(value)}`);
        break;
      }
      const length = [...value].length;
      if (length < spec.minLength || length > spec.maxLength) fail(`must be ${spec.minLength}-${spec.maxLength} characters long`);
      else if (spec.pattern && !new RegExp(spec.pattern, 'u').test(value)) fail('must contain visible text');
      break;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail(`must be a boolean (true or false), not ${typeName(value)}`);
      break;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail(`must be an integer, not ${typeName(value)}`);
      else if (value < spec.min || value > spec.max) fail(`must be between ${spec.min} and ${spec.max}`);
      break;
    case 'date':
      if (!isCalendarDate(value)) fail('must be a real calendar date written YYYY-MM-DD');
      break;
    case 'code': {
      const code = CODE_CHECKS[spec.codeList];
      if (typeof value !== 'string') fail(`must be a string, not ${typeName(value)}`);
      else if (!code.check(value)) fail(code.message);
      break;
    }
    case 'array': {
      if (!Array.isArray(value)) {
        fail(`must be an array, not ${typeName(value)}`);
        break;
      }
      if (value.length > spec.maxItems) fail(`must have at most ${spec.maxItems} items`);
      const seen = new Set<unknown>();
      value.forEach((item, i) => {
        const code = CODE_CHECKS[spec.items.codeList];
        if (typeof item !== 'string') issues.push({ path: `${path}[${i}]`, message: `must be a string, not ${typeName(item)}` });
        else if (!code.check(item)) issues.push({ path: `${path}[${i}]`, message: code.message });
        else if (seen.has(item)) issues.push({ path: `${path}[${i}]`, message: 'must not repeat an earlier item' });
        seen.add(item);
      });
      break;
    }
    default: {
      const _exhaustive: never = spec;
      return _exhaustive;
    }
  }
  return issues.length === before;
}

/**
 * Validates an event's `data` strictly against the catalogue: every bad field is named, unknown
 * fields are refused (personal data without a legal basis must never be stored by accident), and
 * no message ever repeats a submitted value.
 */
export function validateEventData(type: string, data: unknown, context: ValidationContext): ValidationIssue[] {
  if (!isEventType(type)) return [{ path: 'type', message: 'is not an event type of the catalogue' }];
  if (!isPlainObject(data)) return [{ path: 'data', message: `must be a JSON object, not ${typeName(data)}` }];
  const spec = CATALOGUE[type];
  const issues: ValidationIssue[] = [];
  const valid = new Set<string>();

  for (const key of Object.keys(data)) {
    if (FORBIDDEN_KEYS.has(key)) issues.push({ path: `data.${key}`, message: 'is a reserved name and not allowed' });
    else if (!Object.prototype.hasOwnProperty.call(spec.fields, key)) {
      // The name is the caller's: repeated only when it spells no personal identifier (v1.1).
      issues.push({ path: `data.${reportableName(key)}`, message: `is not a field of ${type}` });
    }
  }
  for (const [name, field] of Object.entries(spec.fields)) {
    const value = own(data, name);
    const path = `data.${name}`;
    if (value === undefined) {
      if (field.required) issues.push({ path, message: 'is required' });
      continue;
    }
    if (checkField(field, value, path, issues)) valid.add(name);
  }
  crossFieldRules(type, data, context, valid, issues);
  return issues;
}

function crossFieldRules(
  type: EventType,
  data: Record<string, unknown>,
  context: ValidationContext,
  valid: ReadonlySet<string>,
  issues: ValidationIssue[],
): void {
  const timeOk = isRfc3339(context.time);
  const eventDate = timeOk ? dateOfTime(context.time) : undefined;
  switch (type) {
    case 'MigrationCaseOpened':
      if (valid.has('birthYear') && eventDate && (data.birthYear as number) > Number(eventDate.slice(0, 4))) {
        issues.push({ path: 'data.birthYear', message: 'must not be after the year of the event time' });
      }
      break;
    case 'ResidencePermitGranted':
      if (valid.has('validUntil') && eventDate && (data.validUntil as string) < eventDate) {
        issues.push({ path: 'data.validUntil', message: 'must not be before the date of the event time' });
      }
      break;
    case 'SfiEnrolled':
      if (valid.has('studyPath') && valid.has('course')) {
        const path = data.studyPath as StudyPath;
        if (!(SFI_COURSES_BY_PATH[path] as readonly string[]).includes(data.course as string)) {
          issues.push({ path: 'data.course', message: `must belong to study path ${path} (courses ${SFI_COURSES_BY_PATH[path].join(', ')})` });
        }
      }
      break;
    case 'EstablishmentProgrammeStarted':
      // Förordning (2017:820) om etableringsinsatser, 9 §: the programme lasts at most 24 months.
      if (valid.has('plannedEndDate') && eventDate) {
        const end = data.plannedEndDate as string;
        if (end < eventDate) issues.push({ path: 'data.plannedEndDate', message: 'must not be before the date of the event time' });
        else if (end > addMonths(eventDate, 24)) {
          issues.push({ path: 'data.plannedEndDate', message: 'must be at most 24 months after the event time' });
        }
      }
      break;
    case 'EventRetracted':
      // Free text: refused when it holds a personnummer, samordningsnummer or dossier number in
      // any spelling (CONTRACT.md v1.1); the older shape test stays, it also catches ten digits
      // inside a longer run.
      if (valid.has('reason') && (PERSONNUMMER_SHAPE.test(data.reason as string) || containsPersonalIdentifier(data.reason as string))) {
        issues.push({ path: 'data.reason', message: 'must not contain a personnummer, samordningsnummer or dossier number' });
      }
      break;
    default:
      break;
  }
  if (!timeOk && needsTime(type)) issues.push({ path: 'time', message: 'must be an RFC 3339 date-time with offset' });
}

function needsTime(type: EventType): boolean {
  return type === 'MigrationCaseOpened' || type === 'ResidencePermitGranted' || type === 'EstablishmentProgrammeStarted';
}
