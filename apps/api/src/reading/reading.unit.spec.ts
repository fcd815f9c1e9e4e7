import type { Request } from 'express';
import { identifierSpellings, leaks } from '../../../../libs/chain/src/testing/identifier-spellings';
import { purposeOf } from './reader';
import { encodeCursor, page, parsePage } from './paging';
import { loadThresholds, thresholdSetting } from './views/thresholds';
import { summaryOf, type TimelineItem } from './person-record';

const item = (type: string, time: string, data: Record<string, unknown> = {}): TimelineItem => ({
  id: `${type}-${time}`, source: 'urn:test', type, time, recordedAt: time, postedBy: 'migrationsverket', data,
});

describe('paging', () => {
  const isNumber = (v: unknown): v is number => typeof v === 'number';
  it('defaults to 100, caps at 1000 and refuses foreign cursors with 400', () => {
    expect(parsePage({}, isNumber)).toEqual({ limit: 100, after: null });
    expect(parsePage({ limit: '1000', cursor: encodeCursor(7) }, isNumber)).toEqual({ limit: 1000, after: 7 });
    expect(() => parsePage({ limit: '1001' }, isNumber)).toThrow(/limit/);
    expect(() => parsePage({ limit: '0' }, isNumber)).toThrow(/limit/);
    expect(() => parsePage({ cursor: 'not-a-cursor' }, isNumber)).toThrow(/cursor/);
    expect(() => parsePage({ cursor: encodeCursor('x') }, isNumber)).toThrow(/cursor/);
  });
  it('hands out a cursor only when more rows follow', () => {
    expect(page([1, 2, 3], 2, (n) => n)).toEqual({ items: [1, 2], nextCursor: encodeCursor(2) });
    expect(page([1, 2], 2, (n) => n)).toEqual({ items: [1, 2], nextCursor: null });
  });
});

describe('gap thresholds', () => {
  it('reads KEDJA_GAP_* settings and stops on a bad one, naming it', () => {
    expect(thresholdSetting('settlement-to-sfi')).toBe('KEDJA_GAP_SETTLEMENT_TO_SFI');
    expect(loadThresholds({})['assignment-to-settlement']).toEqual({ months: 2 });
    expect(loadThresholds({ KEDJA_GAP_SETTLEMENT_TO_SFI: '30d' })['settlement-to-sfi']).toEqual({ days: 30 });
    expect(() => loadThresholds({ KEDJA_GAP_PERMIT_TO_SETTLEMENT: 'soon' })).toThrow(/KEDJA_GAP_PERMIT_TO_SETTLEMENT/);
  });
});

describe('timeline summary', () => {
  it('is folded from the visible events only', () => {
    const opened = item('MigrationCaseOpened', '2023-01-01T00:00:00Z', { route: 'asylum', birthYear: 1990, gender: 'female' });
    const refused = item('ResidencePermitRefused', '2023-05-01T00:00:00Z');
    expect(summaryOf([opened, refused]).phase).toBe('refused');
    // What Försäkringskassan sees of the same person: nothing of the refusal.
    expect(summaryOf([item('ResidencePermitGranted', '2023-06-01T00:00:00Z', { permitType: 'temporary' })]).phase).toBe('permit');
  });
  it('tells a reader that sees only the registration that the person is settled, and where', () => {
    const summary = summaryOf([item('PopulationRegistered', '2023-01-01T00:00:00Z', { personalIdentityNumber: '199001011239', municipalityCode: '2281' })]);
    expect(summary).toEqual({ phase: 'settled', municipalityCode: '2281', countyCode: '22' });
  });
});

describe('audit purpose (x-purpose)', () => {
  const purpose = (value: string) => purposeOf({ headers: { 'x-purpose': value } } as unknown as Request);

  it('keeps an ordinary purpose as written', () => {
    expect(purpose('  planning SFI 2026-12-04 ')).toBe('planning SFI 2026-12-04');
  });

  it('masks an identifier typed into the purpose in any spelling, before the 200-character cut', () => {
    for (const spelling of identifierSpellings()) {
      const kept = purpose(`${'x'.repeat(190)} ${spelling.text}`.slice(-200));
      expect({ how: spelling.how, leaked: leaks(kept ?? '', spelling) }).toEqual({ how: spelling.how, leaked: false });
      const short = purpose(`call about ${spelling.text} today`);
      expect({ how: spelling.how, leaked: leaks(short ?? '', spelling) }).toEqual({ how: spelling.how, leaked: false });
    }
  });
});
