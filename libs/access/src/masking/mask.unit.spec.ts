import { DOSSIER_MASK, PNR_MASK, containsPersonalIdentifier, maskSubject } from '..';

describe('maskSubject', () => {
  it.each([
    ['/v1/persons/pnr:199001012384/timeline', `/v1/persons/pnr:${PNR_MASK}/timeline`],
    ['/v1/persons/pnr:19900101-2384/timeline', `/v1/persons/pnr:${PNR_MASK}/timeline`],
    ['/v1/persons/199001012384', `/v1/persons/${PNR_MASK}`],
    ['/v1/persons/pnr%3A199001012384/timeline?asOf=2020-01-01T00:00:00Z', `/v1/persons/pnr%3A${PNR_MASK}/timeline?asOf=2020-01-01T00:00:00Z`],
    ['/v1/audit?subject=pnr:199001012384', `/v1/audit?subject=pnr:${PNR_MASK}`],
    // samordningsnummer: day + 60
    ['/v1/persons/pnr:199001612385/timeline', `/v1/persons/pnr:${PNR_MASK}/timeline`],
    ['lookup 900101-2384 failed', `lookup ${PNR_MASK} failed`],
    ['lookup 9001012384 failed', `lookup ${PNR_MASK} failed`],
    ['over a hundred: 200101+2384', `over a hundred: ${PNR_MASK}`],
    ['coordination 900161-2385', `coordination ${PNR_MASK}`],
    ['/v1/persons/dossier:12-345678/timeline', `/v1/persons/dossier:${DOSSIER_MASK}/timeline`],
    ['/v1/persons/dossier%3A12-345678', `/v1/persons/dossier%3A${DOSSIER_MASK}`],
    ['a=199001012384&b=12-345678', `a=${PNR_MASK}&b=${DOSSIER_MASK}`],
    ['"personalIdentityNumber":"199001012384"', `"personalIdentityNumber":"${PNR_MASK}"`],
  ])('masks %s', (input, expected) => {
    expect(maskSubject(input)).toBe(expected);
    expect(containsPersonalIdentifier(input)).toBe(true);
    expect(containsPersonalIdentifier(maskSubject(input))).toBe(false);
  });

  it('masks a 12-digit number even when its date is impossible, since it is likely a mistyped personnummer', () => {
    expect(maskSubject('pnr:199013452384')).toBe(`pnr:${PNR_MASK}`);
  });

  it.each([
    '/v1/persons/person:123e4567-e89b-12d3-a456-426614174000/timeline',
    '/v1/persons/person:12345678-1234-1234-1234-123456789012/timeline',
    '/v1/views/municipalities/2281/residents',
    '/v1/views/counties/22/overview',
    '2020-01-01T00:00:00+02:00',
    'took 1712345678 ms',
    'at 1712345678901',
    'orgnr 556677-8899',
    'ssyk 5321 and 2281',
    'position 12345678901',
    '1234567890123',
    '/metrics',
  ])('leaves %s alone', (input) => {
    expect(maskSubject(input)).toBe(input);
    expect(containsPersonalIdentifier(input)).toBe(false);
  });

  it('masks every occurrence and keeps everything else', () => {
    const line = 'GET /v1/persons/pnr:199001012384/timeline 200 (also 199001612385 and 12-345678, 98-765432)';
    expect(maskSubject(line)).toBe(
      `GET /v1/persons/pnr:${PNR_MASK}/timeline 200 (also ${PNR_MASK} and ${DOSSIER_MASK}, ${DOSSIER_MASK})`,
    );
  });

  it('is stateless across calls (no lastIndex carried over by the global pattern)', () => {
    for (let i = 0; i < 3; i += 1) expect(containsPersonalIdentifier('pnr:199001012384')).toBe(true);
  });
});
