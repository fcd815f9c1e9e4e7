import { randomUUID } from 'node:crypto';
import type { AnalyticsEvent, PersonHistory } from '../types';

let sequence = 0;

export const SOURCES: Readonly<Record<string, string>> = {
  MigrationCaseOpened: 'urn:se:migrationsverket',
  MigrationCaseClosed: 'urn:se:migrationsverket',
  ResidencePermitGranted: 'urn:se:migrationsverket',
  MunicipalityAssigned: 'urn:se:migrationsverket',
  PopulationRegistered: 'urn:se:skatteverket',
  MovedToMunicipality: 'urn:se:skatteverket',
  EmploymentStarted: 'urn:se:arbetsformedlingen',
  EducationStarted: 'urn:se:arbetsformedlingen',
  CompetenceMapped: 'urn:se:arbetsformedlingen',
  BusinessStarted: 'urn:se:arbetsformedlingen',
  HealthExaminationOffered: 'urn:se:region:22',
  HealthExaminationCompleted: 'urn:se:region:22',
};

export function event(
  type: string,
  time: string,
  data: Record<string, unknown> = {},
  options: { recordedTime?: string; source?: string; eventId?: string } = {},
): AnalyticsEvent {
  return {
    eventId: options.eventId ?? `e-${++sequence}`,
    source: options.source ?? SOURCES[type] ?? 'urn:se:kommun:2281',
    type,
    time,
    recordedTime: options.recordedTime ?? time,
    data,
  };
}

export function retraction(target: AnalyticsEvent, recordedTime: string, source = target.source): AnalyticsEvent {
  return event('EventRetracted', recordedTime, { eventId: target.eventId, reason: 'reported in error' }, { source, recordedTime });
}

export function person(...events: AnalyticsEvent[]): PersonHistory {
  return { personId: randomUUID(), events };
}

export const opened = (time: string, data: Partial<{ route: string; birthYear: number; gender: string }> = {}) =>
  event('MigrationCaseOpened', time, { route: 'asylum', birthYear: 1990, gender: 'female', citizenship: 'SYR', ...data });

export const permit = (time: string, options: { recordedTime?: string } = {}) =>
  event('ResidencePermitGranted', time, { permitType: 'temporary', ground: 'refugee' }, options);

export const employed = (time: string, options: { recordedTime?: string } = {}) =>
  event('EmploymentStarted', time, { occupation: '5120', form: 'regular' }, options);

export const settled = (time: string, municipalityCode: string) =>
  event('SettledInMunicipality', time, { municipalityCode, arrangement: 'self-arranged' }, { source: `urn:se:kommun:${municipalityCode}` });

export const closed = (time: string, reason = 'left-sweden') => event('MigrationCaseClosed', time, { reason });
