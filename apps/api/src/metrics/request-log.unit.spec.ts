import { maskSubject } from '@kedja/access';

// The access log writes request paths through maskSubject; these are the forms clients send.
describe('paths in the access log', () => {
  it.each([
    '/v1/persons/pnr:199203153821/timeline',
    '/v1/persons/pnr%3A199203153821/timeline',
    '/v1/persons/dossier:24-000123/timeline',
    '/v1/audit?subject=pnr:199203153821',
  ])('masks identifiers in %s', (path) => {
    const masked = maskSubject(path);
    expect(masked).not.toContain('199203153821');
    expect(masked).not.toContain('24-000123');
  });

  it('keeps person ids, which are not personal identifiers', () => {
    const path = '/v1/persons/person:688972be-c3fe-4cbd-8dec-542943df6eae/timeline';
    expect(maskSubject(path)).toBe(path);
  });
});
