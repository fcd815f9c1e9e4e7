import { migrateIdentifiers } from '@kedja/personal-data';
import { describeEachStore, startTestApp, type TestApp } from '../support/test-app';
import { ce, personnummer } from '../support/events';
import { Agencies, MV, SKV, SUNDSVALL, sourceOf, throughTheChain, type Person } from '../reading/scenario';
import { databaseBytes, dossierForms, found, pnrForms } from './identifiers-at-rest';

/**
 * Erasure and identifiers at rest, attacked as an adversary would: with a copy of the database
 * files (SQLite file and WAL) or a dump (PostgreSQL), before and after erasure.
 */
describeEachStore('personal identifiers at rest and their erasure', (kind) => {
  let app: TestApp;
  let a: Agencies;
  let erased: Person;
  let kept: Person;
  let admin: string;
  const timeline = async (actor: string, subject: string) => a.get(`/v1/persons/${subject}/timeline`, await a.token(actor, 'caseworker'));
  const erase = (subject: string, body: unknown, token = admin) =>
    app.http().post(`/v1/persons/${subject}/erasure`).set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send(JSON.stringify(body));
  const forms = (p: Person) => [...pnrForms(p.pnr), ...dossierForms(p.dossier)];

  beforeAll(async () => {
    app = await startTestApp(kind);
    a = new Agencies(app);
    erased = await throughTheChain(a, { move: true });
    kept = await throughTheChain(a);
    admin = await a.token('platform', 'admin', 'dpo');
  }, 120_000);
  afterAll(() => app?.close());

  it('never stores a dossier number or personnummer in clear, in any form, yet reads them back for who may see them', async () => {
    expect(found(databaseBytes(app), [...forms(erased), ...forms(kept)])).toEqual([]);
    // The index holds keyed hashes only.
    const rows = await app.kedja.runtime.db.query<{ kind: string; value: string }>("SELECT kind, value FROM identities WHERE kind IN ('dossier', 'pnr')");
    expect(rows.length).toBeGreaterThanOrEqual(4);
    for (const row of rows) expect(row.value).toMatch(/^h1\.[A-Za-z0-9_-]{43}$/);
    // Skatteverket sees the personnummer it registered, looked up by it.
    const skv = await timeline(SKV, `pnr:${erased.pnr}`);
    expect(skv.status).toBe(200);
    expect(skv.body.events.find((e: { type: string }) => e.type === 'PopulationRegistered').data.personalIdentityNumber).toBe(erased.pnr);
    // Every reader of registrations sees it in clear; no answer carries a sealed value.
    for (const actor of [MV, SUNDSVALL]) {
      const body = (await timeline(actor, erased.subject)).body;
      expect(body.events.find((e: { type: string }) => e.type === 'PopulationRegistered').data.personalIdentityNumber).toBe(erased.pnr);
      expect(JSON.stringify(body)).not.toContain('pd1.');
    }
  });

  it('refuses erasure to all but an admin of platform, and a body that is not { reason } with a known code', async () => {
    expect((await erase(erased.subject, { reason: 'data-subject-request' }, await a.token(MV, 'admin'))).status).toBe(403);
    expect((await erase(erased.subject, { reason: 'data-subject-request' }, await a.token(SKV, 'caseworker'))).status).toBe(403);
    for (const body of [{}, { reason: 'because' }, { reason: 1 }, { reason: 'wrong-person', extra: erased.pnr }, []]) {
      const response = await erase(erased.subject, body);
      expect(response.status).toBe(400);
      expect(response.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(response.body.code).toBe('invalid-request');
      for (const form of forms(erased)) expect(JSON.stringify(response.body)).not.toContain(form);
    }
    expect((await erase('dossier:99-999999', { reason: 'wrong-person' })).status).toBe(404);
    expect((await erase('pnr:12', { reason: 'wrong-person' })).body.code).toBe('invalid-request');
    // Nothing was erased by any of these.
    expect((await timeline(SKV, `pnr:${erased.pnr}`)).status).toBe(200);
  });

  it('erases: key and index destroyed, the event and the audit record written, every other fact kept', async () => {
    const before = (await timeline(MV, erased.subject)).body;
    const keyRow = await app.kedja.runtime.db.query<{ value: string }>("SELECT value FROM identities WHERE stream_id = $1 AND kind <> 'person'", [erased.personId]);
    expect(keyRow.length).toBe(3); // dossier, pnr, data key
    const response = await erase(`pnr:${erased.pnr}`, { reason: 'data-subject-request' });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ personId: erased.personId, status: 'erased', erasedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });

    // A repeat for the same person; the erased identifiers name no one any more.
    const again = await erase(`person:${erased.personId}`, { reason: 'data-subject-request' });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ personId: erased.personId, status: 'already-erased', erasedAt: response.body.erasedAt });
    expect((await erase(erased.subject, { reason: 'data-subject-request' })).status).toBe(404);

    // Lookups and events naming the identifiers: as an unknown subject.
    for (const subject of [erased.subject, `pnr:${erased.pnr}`]) {
      expect((await timeline(MV, subject)).status).toBe(404);
      const lookup = await app.http().post('/v1/persons/lookup').set('Authorization', `Bearer ${await a.token(SKV, 'caseworker')}`).send({ subject });
      expect(lookup.status).toBe(404);
      const posted = await app.http().post('/v1/events').set('Authorization', `Bearer ${await a.token(MV)}`).set('Content-Type', 'application/cloudevents+json')
        .send(JSON.stringify(ce({ type: 'MigrationCaseClosed', subject, data: { reason: 'citizenship' }, time: '2025-01-01T00:00:00Z', source: sourceOf(MV) })));
      expect(posted.status).toBe(422);
      expect(posted.body.code).toBe('unknown-subject');
    }
    // A new registration of the erased person by their person id cannot re-link an identifier.
    const reRegistered = await app.http().post('/v1/events').set('Authorization', `Bearer ${await a.token(SKV)}`).set('Content-Type', 'application/cloudevents+json')
      .send(JSON.stringify(ce({ type: 'PopulationRegistered', subject: `person:${erased.personId}`, data: { personalIdentityNumber: personnummer(1990, true), municipalityCode: '2281' }, time: '2025-01-01T00:00:00Z', source: sourceOf(SKV) })));
    expect(reRegistered.status).toBe(422);
    expect(reRegistered.body.code).toBe('unknown-subject');

    // The timeline by person id: the same facts, the identifier null and marked erased, and no
    // trace of the erasure event for any actor.
    const after = (await timeline(MV, `person:${erased.personId}`)).body;
    expect(after.events.map((e: { id: string }) => e.id)).toEqual(before.events.map((e: { id: string }) => e.id));
    expect(after.summary).toEqual(before.summary);
    const skv = (await timeline(SKV, `person:${erased.personId}`)).body;
    const registration = skv.events.find((e: { type: string }) => e.type === 'PopulationRegistered');
    expect(registration).toMatchObject({ erased: true, data: { personalIdentityNumber: null, municipalityCode: '2281' } });
    for (const actor of [MV, SKV, SUNDSVALL]) {
      const body = (await timeline(actor, `person:${erased.personId}`)).body;
      expect(body.events.map((e: { type: string }) => e.type)).not.toContain('PersonalDataErased');
    }
    // The stream records the erasure (for the platform, never shown on a timeline).
    const stream = await app.kedja.runtime.store.readStream(erased.personId);
    expect(stream.filter((e) => e.type === 'PersonalDataErased').map((e) => e.data)).toEqual([{ reason: 'data-subject-request' }]);
    // The audit log records it.
    const audit = await app.http().get(`/v1/audit?subject=person:${erased.personId}`).set('Authorization', `Bearer ${admin}`);
    expect(audit.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'erasure', sub: 'dpo', actor: 'platform', purpose: 'data-subject-request', outcome: 'erased' })]));

    // A restart converts databases of earlier versions: it must not give the erased person a key again.
    expect(await migrateIdentifiers(app.kedja.runtime.personalData)).toMatchObject({ persons: 0 });
    expect(await app.kedja.runtime.personalData.keysFor([erased.personId])).toEqual(new Map());

    // The other person is untouched.
    expect((await timeline(SKV, `pnr:${kept.pnr}`)).body.events.find((e: { type: string }) => e.type === 'PopulationRegistered').data.personalIdentityNumber).toBe(kept.pnr);

    // Unrecoverable from the files or a dump taken now: no identifier in any form, and neither the
    // wrapped data key nor the keyed hashes (which, with the index secret, would test guesses).
    const bytes = databaseBytes(app);
    expect(found(bytes, forms(erased))).toEqual([]);
    expect(found(bytes, keyRow.map((r) => r.value))).toEqual([]);
    expect(found(bytes, forms(kept))).toEqual([]);
  });
});
