import {
  ACTOR_KINDS,
  CAPABILITIES,
  type ActorKind,
  type ActorRef,
  type Capability,
  type Principal,
  ROLES,
  type Role,
  actorCode,
  can,
  overviewScope,
  parseActorRef,
  principalFromClaims,
} from '..';

const SAMPLE_ACTORS: Record<ActorKind, string> = {
  migrationsverket: 'migrationsverket',
  skatteverket: 'skatteverket',
  arbetsformedlingen: 'arbetsformedlingen',
  forsakringskassan: 'forsakringskassan',
  municipality: 'municipality:2281',
  region: 'region:22',
  county: 'county:22',
  analyst: 'analyst',
  platform: 'platform',
};

const principal = (kind: ActorKind, roles: Role[]): Principal => ({
  sub: 'anna',
  actor: parseActorRef(SAMPLE_ACTORS[kind])!,
  roles,
});

// CONTRACT.md "Identity and access", transcribed as the pairs that are allowed; all else is denied.
const AGENCIES_AND_LOCAL: ActorKind[] = [
  'migrationsverket',
  'skatteverket',
  'arbetsformedlingen',
  'forsakringskassan',
  'municipality',
  'region',
];
const ALLOWED: Record<Role, Partial<Record<Capability, ActorKind[]>>> = {
  integration: { 'post-events': AGENCIES_AND_LOCAL },
  caseworker: {
    'read-timeline': AGENCIES_AND_LOCAL,
    'read-views': AGENCIES_AND_LOCAL,
    'read-overview': [...AGENCIES_AND_LOCAL, 'county'],
  },
  analyst: { 'run-analytics': ['analyst'], export: ['analyst'] },
  admin: { erase: ['platform'], 'read-audit': ['platform'], 'post-events': ['platform'], 'import-events': ['platform'] },
};

const triples = ACTOR_KINDS.flatMap((actor) => ROLES.flatMap((role) => CAPABILITIES.map((cap) => [actor, role, cap] as const)));

describe('can, for every actor × role × capability', () => {
  it.each(triples)('%s with role %s: %s', (actor, role, cap) => {
    expect(can(principal(actor, [role]), cap)).toBe(ALLOWED[role][cap]?.includes(actor) ?? false);
  });
});

describe('can, contract statements', () => {
  it('grants nothing without roles', () => {
    for (const actor of ACTOR_KINDS) for (const cap of CAPABILITIES) expect(can(principal(actor, []), cap)).toBe(false);
  });

  it('combines roles as a union', () => {
    const p = principal('municipality', ['integration', 'caseworker']);
    expect(can(p, 'post-events')).toBe(true);
    expect(can(p, 'read-timeline')).toBe(true);
    expect(can(p, 'erase')).toBe(false);
  });

  it('never lets an analyst read a timeline, whatever roles it holds', () => {
    expect(can(principal('analyst', [...ROLES]), 'read-timeline')).toBe(false);
  });

  it('never lets a county board read person-level data, whatever roles it holds', () => {
    const p = principal('county', [...ROLES]);
    expect(can(p, 'read-timeline')).toBe(false);
    expect(can(p, 'read-views')).toBe(false);
    expect(can(p, 'export')).toBe(false);
    expect(can(p, 'read-overview')).toBe(true);
  });

  it('gives erasure and audit only to admin of the platform', () => {
    expect(can(principal('migrationsverket', ['admin']), 'erase')).toBe(false);
    expect(can(principal('platform', ['caseworker']), 'read-audit')).toBe(false);
    expect(can(principal('platform', ['admin']), 'read-timeline')).toBe(false);
  });

  it('ignores a role it does not know instead of throwing', () => {
    const p = { sub: 'x', actor: { kind: 'platform' }, roles: ['root' as Role] } as Principal;
    expect(can(p, 'erase')).toBe(false);
  });
});

describe('overviewScope', () => {
  it('gives a county board and a region their own county only', () => {
    expect(overviewScope(principal('county', ['caseworker']), '22')).toBe('all');
    expect(overviewScope(principal('county', ['caseworker']), '01')).toBe('none');
    expect(overviewScope(principal('region', ['caseworker']), '22')).toBe('all');
    expect(overviewScope(principal('region', ['caseworker']), '01')).toBe('none');
  });

  it('gives national agencies every county and a municipality its own row', () => {
    expect(overviewScope(principal('arbetsformedlingen', ['caseworker']), '01')).toBe('all');
    expect(overviewScope(principal('municipality', ['caseworker']), '22')).toEqual({ municipalityCode: '2281' });
    expect(overviewScope(principal('municipality', ['caseworker']), '01')).toBe('none');
  });

  it('gives nothing without the capability', () => {
    expect(overviewScope(principal('county', ['integration']), '22')).toBe('none');
    expect(overviewScope(principal('analyst', ['analyst']), '22')).toBe('none');
    expect(overviewScope(principal('platform', ['admin']), '22')).toBe('none');
  });
});

describe('parseActorRef', () => {
  it.each(Object.values(SAMPLE_ACTORS))('round-trips %s', (code) => {
    expect(actorCode(parseActorRef(code)!)).toBe(code);
  });

  it('derives the county of a municipality from its kommunkod', () => {
    expect(parseActorRef('municipality:0180')).toEqual({ kind: 'municipality', municipalityCode: '0180', countyCode: '01' });
    expect(parseActorRef('region:01')).toEqual<ActorRef>({ kind: 'region', countyCode: '01' });
  });

  it.each([
    'municipality:228',
    'municipality:22811',
    'municipality:22a1',
    'municipality:',
    'municipality',
    'region:1',
    'region:221',
    'county:ab',
    'county',
    'Migrationsverket',
    'migrationsverket:1',
    'analyst:01',
    ' platform',
    'kommun:2281',
    'municipality:2281\n',
    '',
  ])('rejects %j', (code) => {
    expect(parseActorRef(code)).toBeNull();
  });

  it('rejects non-strings', () => {
    for (const v of [undefined, null, 2281, {}, ['analyst']]) expect(parseActorRef(v)).toBeNull();
  });
});

describe('principalFromClaims', () => {
  it('reads the contract claims', () => {
    expect(principalFromClaims({ sub: 'anna', actor: 'municipality:2281', roles: ['caseworker'], iss: 'x', exp: 1 })).toEqual({
      ok: true,
      principal: { sub: 'anna', actor: { kind: 'municipality', municipalityCode: '2281', countyCode: '22' }, roles: ['caseworker'] },
    });
  });

  it('accepts an empty role list (a valid token without rights answers 403, not 401)', () => {
    expect(principalFromClaims({ sub: 's', actor: 'analyst', roles: [] })).toMatchObject({ ok: true });
  });

  it('removes duplicate roles', () => {
    const result = principalFromClaims({ sub: 's', actor: 'platform', roles: ['admin', 'admin'] });
    expect(result.ok && result.principal.roles).toEqual(['admin']);
  });

  it.each([
    null,
    'token',
    {},
    { sub: '', actor: 'analyst', roles: [] },
    { sub: 1, actor: 'analyst', roles: [] },
    { sub: 's', actor: 'municipality:99', roles: [] },
    { sub: 's', actor: 'analyst' },
    { sub: 's', actor: 'analyst', roles: 'analyst' },
    { sub: 's', actor: 'analyst', roles: ['analyst', 'superuser'] },
  ])('refuses %j', (claims) => {
    expect(principalFromClaims(claims)).toMatchObject({ ok: false });
  });
});
