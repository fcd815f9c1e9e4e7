import { actorCode, isActorCode, parseActor } from './actor';

describe('parseActor', () => {
  it.each([
    ['migrationsverket', { kind: 'migrationsverket' }],
    ['skatteverket', { kind: 'skatteverket' }],
    ['arbetsformedlingen', { kind: 'arbetsformedlingen' }],
    ['forsakringskassan', { kind: 'forsakringskassan' }],
    ['municipality:2281', { kind: 'municipality', municipalityCode: '2281' }],
    ['region:22', { kind: 'region', countyCode: '22' }],
    ['county:01', { kind: 'county', countyCode: '01' }],
    ['analyst', { kind: 'analyst' }],
    ['platform', { kind: 'platform' }],
  ])('parses %s and formats it back', (code, actor) => {
    expect(parseActor(code)).toEqual(actor);
    expect(actorCode(parseActor(code)!)).toBe(code);
  });

  it.each([
    'municipality:9999',
    'municipality:228',
    'municipality:',
    'region:02',
    'region:1',
    'county:99',
    'kommun:2281',
    'Migrationsverket',
    ' migrationsverket',
    'municipality:2281:sfi',
    '',
  ])('rejects %p', (code) => {
    expect(parseActor(code)).toBeNull();
    expect(isActorCode(code)).toBe(false);
  });

  it('rejects non-strings', () => {
    expect(parseActor(undefined)).toBeNull();
    expect(parseActor({ kind: 'analyst' })).toBeNull();
  });
});
