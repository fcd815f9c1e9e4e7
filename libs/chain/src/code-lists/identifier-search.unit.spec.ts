import fc from 'fast-check';
import { DOSSIER_MASK, PNR_MASK, containsPersonalIdentifier, maskPersonalIdentifiers, normaliseDigits } from './identifier-search';
import { arbitrarySpelling, identifierSpellings, leaks } from '../testing/identifier-spellings';

describe('finding personal identifiers in any spelling', () => {
  const corpus = identifierSpellings();

  it('has a corpus of every layout, digit system and encoding', () => {
    expect(corpus.length).toBeGreaterThan(500);
  });

  it.each(corpus.map((s) => [s.how, s.text, s]))('finds and masks %s: %s', (_how, _text, spelling) => {
    for (const text of [spelling.text, `see ${spelling.text} here`, `/v1/persons/pnr:${spelling.text}/timeline?x=1`]) {
      expect(containsPersonalIdentifier(text)).toBe(true);
      const masked = maskPersonalIdentifiers(text);
      expect(leaks(masked, spelling)).toBe(false);
      expect(masked).toMatch(/\{(pnr|dossier)\}/);
    }
  });

  it('finds random numbers in random spellings (property)', () => {
    fc.assert(fc.property(arbitrarySpelling, fc.string({ maxLength: 8 }).filter((s) => !/[0-9\p{Nd}%]/u.test(s)), (spelling, around) => {
      const text = `${around}${spelling.text}${around}`;
      expect(containsPersonalIdentifier(text)).toBe(true);
      expect(leaks(maskPersonalIdentifiers(text), spelling)).toBe(false);
    }), { numRuns: 2000 });
  });

  it('masks two identifiers side by side, separated by a space', () => {
    expect(maskPersonalIdentifiers('199001012385 12-345678')).toBe(`${PNR_MASK} ${DOSSIER_MASK}`);
  });

  it.each([
    '/v1/persons/person:12345678-1234-1234-1234-123456789012/timeline',
    '/v1/persons/person%3A12345678-1234-1234-1234-123456789012/timeline',
    '2020-01-01T00:00:00+02:00',
    '2020-01-01',
    '01-01-2020',
    '20240315',
    'orgnr 556677-8899',
    'took 1712345678 ms',
    'position 12345678901',
    'kommun 2281, län 22',
    '%E0%A4%A',
    '١٢٣',
  ])('leaves %s alone', (text) => {
    expect(containsPersonalIdentifier(text)).toBe(false);
    expect(maskPersonalIdentifiers(text)).toBe(text);
  });

  it('keeps the encoding of canonical text it masks', () => {
    expect(maskPersonalIdentifiers('/v1/persons/pnr%3A199001012385/timeline')).toBe(`/v1/persons/pnr%3A${PNR_MASK}/timeline`);
  });

  it('reads every decimal digit system as ASCII', () => {
    expect(normaliseDigits('١٩٩٠ ０１ 𝟎𝟏')).toBe('1990 01 01');
    expect(normaliseDigits('%25331')).toBe('31');
  });
});
