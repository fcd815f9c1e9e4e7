import { randomUUID } from 'node:crypto';
import type { TestApp } from '../support/test-app';
import { caseOpened, ce, dossier, personnummer } from '../support/events';

export const MV = 'migrationsverket';
export const SKV = 'skatteverket';
export const AF = 'arbetsformedlingen';
export const FK = 'forsakringskassan';
export const SUNDSVALL = 'municipality:2281';
export const TIMRA = 'municipality:2262';
export const STOCKHOLM = 'municipality:0180';
export const REGION_VN = 'region:22';

const SOURCES: Record<string, string> = {
  [MV]: 'urn:se:migrationsverket:case',
  [SKV]: 'urn:se:skatteverket:fb',
  [AF]: 'urn:se:arbetsformedlingen:ep',
  [FK]: 'urn:se:forsakringskassan:ee',
  [REGION_VN]: 'urn:se:region:22:health',
};
export const sourceOf = (actor: string) => SOURCES[actor] ?? `urn:se:kommun:${actor.slice(-4)}:system`;

/** Posts as the agencies do, through the API, with one integration token per actor. */
export class Agencies {
  private readonly tokens = new Map<string, string>();
  constructor(private readonly app: TestApp) {}

  async token(actor: string, role: 'integration' | 'caseworker' | 'analyst' | 'admin' = 'integration', sub = 'test-user'): Promise<string> {
    const key = `${actor}|${role}|${sub}`;
    if (!this.tokens.has(key)) this.tokens.set(key, await this.app.token(actor, role, sub));
    return this.tokens.get(key)!;
  }

  /** Posts one event as `actor`; fails the test unless it was recorded. Returns the CloudEvents id. */
  async post(actor: string, subject: string, type: string, time: string, data: Record<string, unknown> = {}): Promise<string> {
    const id = randomUUID();
    const event = ce({ type, subject, data, time, source: sourceOf(actor), id });
    const response = await this.app
      .http()
      .post('/v1/events')
      .set('Authorization', `Bearer ${await this.token(actor)}`)
      .set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify(event));
    if (response.status !== 201) throw new Error(`${actor} ${type} answered ${response.status}: ${JSON.stringify(response.body)}`);
    return id;
  }

  async retract(actor: string, subject: string, eventId: string, time: string): Promise<string> {
    return this.post(actor, subject, 'EventRetracted', time, { eventId, reason: 'reported in error' });
  }

  async openCase(data: Record<string, unknown> = {}, time = '2023-01-10T10:00:00Z'): Promise<{ dossier: string; personId: string; subject: string }> {
    const d = dossier();
    const response = await this.app
      .http()
      .post('/v1/events')
      .set('Authorization', `Bearer ${await this.token(MV)}`)
      .set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify(caseOpened(d, data, { time })));
    if (response.status !== 201) throw new Error(`case opening answered ${response.status}: ${JSON.stringify(response.body)}`);
    return { dossier: d, personId: response.body.personId as string, subject: `dossier:${d}` };
  }

  get(path: string, token: string) {
    return this.app.http().get(path).set('Authorization', `Bearer ${token}`);
  }
}

export interface Person {
  readonly dossier: string;
  readonly personId: string;
  readonly subject: string;
  readonly pnr: string;
  readonly ids: Record<string, string>;
}

/**
 * One person through the whole chain in Sundsvall, reported by every agency: asylum case, permit,
 * assignment, registration, settlement, health examination, SFI, civic orientation, programme,
 * allowance, internship; then a move to Stockholm.
 */
export async function throughTheChain(a: Agencies, options: { move?: boolean } = {}): Promise<Person> {
  const { dossier: d, personId, subject } = await a.openCase({ citizenship: 'SYR', birthYear: 1990 });
  const pnr = personnummer(1990, true);
  const ids: Record<string, string> = {};
  ids.permit = await a.post(MV, subject, 'ResidencePermitGranted', '2023-06-01T09:00:00Z', { permitType: 'temporary', ground: 'refugee' });
  ids.assigned = await a.post(MV, subject, 'MunicipalityAssigned', '2023-06-15T09:00:00Z', { municipalityCode: '2281' });
  ids.registered = await a.post(SKV, subject, 'PopulationRegistered', '2023-07-01T09:00:00Z', { personalIdentityNumber: pnr, municipalityCode: '2281' });
  ids.settled = await a.post(SUNDSVALL, subject, 'SettledInMunicipality', '2023-07-01T10:00:00Z', { municipalityCode: '2281', arrangement: 'assigned' });
  ids.health = await a.post(REGION_VN, subject, 'HealthExaminationOffered', '2023-07-15T09:00:00Z');
  ids.sfi = await a.post(SUNDSVALL, subject, 'SfiEnrolled', '2023-08-01T09:00:00Z', { studyPath: 2, course: 'B' });
  ids.civic = await a.post(SUNDSVALL, subject, 'CivicOrientationStarted', '2023-08-15T09:00:00Z', { language: 'ar', plannedHours: 100 });
  ids.programme = await a.post(AF, subject, 'EstablishmentProgrammeStarted', '2023-09-01T09:00:00Z', { plannedEndDate: '2025-08-31' });
  ids.allowance = await a.post(FK, subject, 'EstablishmentAllowanceGranted', '2023-09-05T09:00:00Z', { extentPercent: 100 });
  ids.internship = await a.post(AF, subject, 'InternshipStarted', '2024-01-10T09:00:00Z', { occupation: '5321', sector: 'private' });
  if (options.move) ids.moved = await a.post(SKV, subject, 'MovedToMunicipality', '2024-03-01T09:00:00Z', { municipalityCode: '0180' });
  return { dossier: d, personId, subject, pnr, ids };
}
