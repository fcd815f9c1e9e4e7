import { closed, employed, event, opened, permit, person, retraction, settled } from '../testing/histories';
import { ATTRIBUTE_KEYS, type AttributeKey } from '../types';
import { emptyAttributes } from './attributes';
import { buildEpisode, EpisodeEvaluator } from './episode';

const PERMIT_TO_WORK = { from: 'ResidencePermitGranted', to: 'EmploymentStarted' };
const LATER = '2025-01-01T00:00:00Z';

describe('buildEpisode', () => {
  it('runs from the first `from` to the first `to` after it, in whole UTC days', () => {
    const ep = buildEpisode(
      person(opened('2015-10-01T10:00:00+02:00'), permit('2016-03-01T10:00:00+01:00'), employed('2017-03-01T10:00:00+01:00')),
      PERMIT_TO_WORK,
      LATER,
    );
    expect(ep).toMatchObject({
      start: '2016-03-01T10:00:00+01:00',
      end: '2017-03-01T10:00:00+01:00',
      endType: 'EmploymentStarted',
      censoredBy: null,
      days: 365,
      event: true,
    });
  });

  it('leaves out a person who never reached `from`', () => {
    expect(buildEpisode(person(opened('2015-10-01T10:00:00Z'), employed('2016-01-01T10:00:00Z')), PERMIT_TO_WORK, LATER)).toBeNull();
  });

  it('ignores `to` events before the start and takes the first of several `to` types', () => {
    const ep = buildEpisode(
      person(
        employed('2015-06-01T00:00:00Z'),
        permit('2016-01-01T00:00:00Z'),
        employed('2016-06-01T00:00:00Z'),
        event('EducationStarted', '2016-04-01T00:00:00Z', { level: 'vocational' }),
      ),
      { from: 'ResidencePermitGranted', to: ['EmploymentStarted', 'EducationStarted'] },
      LATER,
    );
    expect(ep).toMatchObject({ endType: 'EducationStarted', days: 91, event: true });
  });

  it('counts a `to` on the day of the start as 0 days, and measures from = to to the next occurrence', () => {
    expect(buildEpisode(person(permit('2016-01-01T08:00:00Z'), employed('2016-01-01T09:00:00Z')), PERMIT_TO_WORK, LATER)).toMatchObject({
      days: 0,
      event: true,
    });
    const again = buildEpisode(
      person(employed('2016-01-01T00:00:00Z'), employed('2016-02-01T00:00:00Z')),
      { from: 'EmploymentStarted', to: 'EmploymentStarted' },
      LATER,
    );
    expect(again).toMatchObject({ days: 31, event: true });
  });

  it('differences UTC calendar dates, not 24-hour periods or local dates', () => {
    const acrossUtcMidnight = buildEpisode(person(permit('2016-03-01T23:00:00Z'), employed('2016-03-02T01:00:00Z')), PERMIT_TO_WORK, LATER);
    expect(acrossUtcMidnight?.days).toBe(1);
    // 23:30 and 00:30 Swedish time are 22:30 and 23:30 UTC on the same UTC date.
    const acrossLocalMidnight = buildEpisode(
      person(permit('2016-03-01T23:30:00+01:00'), employed('2016-03-02T00:30:00+01:00')),
      PERMIT_TO_WORK,
      LATER,
    );
    expect(acrossLocalMidnight?.days).toBe(0);
  });

  describe('retractions', () => {
    it('drops a retracted end event, so the person is censored', () => {
      const job = employed('2017-01-01T00:00:00Z');
      const ep = buildEpisode(person(permit('2016-01-01T00:00:00Z'), job, retraction(job, '2017-02-01T00:00:00Z')), PERMIT_TO_WORK, '2018-01-01T00:00:00Z');
      expect(ep).toMatchObject({ event: false, censoredBy: 'asOf', end: '2018-01-01T00:00:00Z', days: 731 });
    });

    it('moves the start to the next `from` when the first is retracted, and drops the person when none is left', () => {
      const first = permit('2016-01-01T00:00:00Z');
      const second = permit('2016-06-01T00:00:00Z');
      expect(buildEpisode(person(first, second, retraction(first, '2016-07-01T00:00:00Z')), PERMIT_TO_WORK, LATER)?.start).toBe(second.time);
      expect(buildEpisode(person(first, retraction(first, '2016-07-01T00:00:00Z')), PERMIT_TO_WORK, LATER)).toBeNull();
    });

    it('only honours a retraction from the source that posted the event', () => {
      const job = employed('2017-01-01T00:00:00Z');
      const foreign = retraction(job, '2017-02-01T00:00:00Z', 'urn:se:kommun:0180');
      expect(buildEpisode(person(permit('2016-01-01T00:00:00Z'), job, foreign), PERMIT_TO_WORK, LATER)?.event).toBe(true);
    });

    it('undoes a retraction that is itself retracted', () => {
      const job = employed('2017-01-01T00:00:00Z');
      const r = retraction(job, '2017-02-01T00:00:00Z');
      const undo = retraction(r, '2017-03-01T00:00:00Z');
      expect(buildEpisode(person(permit('2016-01-01T00:00:00Z'), job, r, undo), PERMIT_TO_WORK, LATER)?.event).toBe(true);
    });
  });

  describe('as-of', () => {
    const lateJob = employed('2019-06-01T00:00:00Z', { recordedTime: '2020-03-01T00:00:00Z' });
    const history = person(permit('2016-03-01T00:00:00Z'), lateJob);

    it('ignores an event recorded after as-of, even though it happened before', () => {
      expect(buildEpisode(history, PERMIT_TO_WORK, '2019-12-31T23:59:59+01:00')).toMatchObject({
        event: false,
        censoredBy: 'asOf',
        end: '2019-12-31T23:59:59+01:00',
        days: 1400,
      });
      expect(buildEpisode(history, PERMIT_TO_WORK, '2020-03-01T00:00:00Z')).toMatchObject({ event: true, days: 1187 });
    });

    it('applies a retraction only from when it was recorded', () => {
      const job = employed('2017-01-01T00:00:00Z');
      const h = person(permit('2016-01-01T00:00:00Z'), job, retraction(job, '2020-01-15T00:00:00Z'));
      expect(buildEpisode(h, PERMIT_TO_WORK, '2019-12-31T00:00:00Z')?.event).toBe(true);
      expect(buildEpisode(h, PERMIT_TO_WORK, '2020-01-15T00:00:00Z')?.event).toBe(false);
    });

    it('uses event time as the recorded time when none is given', () => {
      const job = { ...employed('2017-01-01T00:00:00Z'), recordedTime: undefined };
      const h = person(permit('2016-01-01T00:00:00Z'), job);
      expect(buildEpisode(h, PERMIT_TO_WORK, '2016-12-31T00:00:00Z')?.event).toBe(false);
      expect(buildEpisode(h, PERMIT_TO_WORK, '2017-01-01T00:00:00Z')?.event).toBe(true);
    });
  });

  describe('censoring', () => {
    it('censors at case closure when it comes before as-of', () => {
      const ep = buildEpisode(person(permit('2016-01-01T00:00:00Z'), closed('2016-04-10T12:00:00Z')), PERMIT_TO_WORK, LATER);
      expect(ep).toMatchObject({ event: false, censoredBy: 'closure', end: '2016-04-10T12:00:00Z', days: 100 });
    });

    it('ignores a closure before the start, and counts a `to` observed after the closure', () => {
      const before = buildEpisode(person(closed('2015-01-01T00:00:00Z'), permit('2016-01-01T00:00:00Z')), PERMIT_TO_WORK, '2016-02-01T00:00:00Z');
      expect(before).toMatchObject({ censoredBy: 'asOf', days: 31 });
      const after = buildEpisode(
        person(permit('2016-01-01T00:00:00Z'), closed('2018-01-01T00:00:00Z', 'citizenship'), employed('2018-06-01T00:00:00Z')),
        PERMIT_TO_WORK,
        LATER,
      );
      expect(after).toMatchObject({ event: true, endType: 'EmploymentStarted' });
    });
  });

  describe('attributes', () => {
    it('takes year, gender, route and age band from the case and the start', () => {
      const ep = buildEpisode(
        person(opened('2015-09-01T00:00:00Z', { birthYear: 1992, gender: 'male', route: 'resettlement' }), permit('2016-02-01T00:00:00Z')),
        PERMIT_TO_WORK,
        LATER,
      );
      expect(ep?.attributes).toMatchObject({ year: 2016, gender: 'male', route: 'resettlement', ageBand: '20-24' });
    });

    it('takes the municipality known at the start, else the first one known after it', () => {
      const atStart = buildEpisode(
        person(
          event('MunicipalityAssigned', '2016-01-15T00:00:00Z', { municipalityCode: '2281' }),
          permit('2016-02-01T00:00:00Z'),
          settled('2016-03-01T00:00:00Z', '0180'),
        ),
        PERMIT_TO_WORK,
        LATER,
      );
      expect(atStart?.attributes).toMatchObject({ municipalityCode: '2281', countyCode: '22' });
      const afterStart = buildEpisode(
        person(
          event('ReceptionHousingAssigned', '2015-10-01T00:00:00Z', { housingType: 'ABO', municipalityCode: '0780' }),
          permit('2016-02-01T00:00:00Z'),
          settled('2016-03-01T00:00:00Z', '1480'),
          event('MovedToMunicipality', '2017-03-01T00:00:00Z', { municipalityCode: '0180' }),
        ),
        PERMIT_TO_WORK,
        LATER,
      );
      expect(afterStart?.attributes).toMatchObject({ municipalityCode: '1480', countyCode: '14' });
    });

    it('takes the latest known competence mapping, and nothing from a retracted case opening', () => {
      const case_ = opened('2015-09-01T00:00:00Z');
      const ep = buildEpisode(
        person(
          case_,
          permit('2016-02-01T00:00:00Z'),
          event('CompetenceMapped', '2016-05-01T00:00:00Z', { yearsOfSchooling: 9, highestEducation: 'primary' }),
          event('CompetenceMapped', '2017-05-01T00:00:00Z', { yearsOfSchooling: 12, highestEducation: 'upper-secondary' }),
          retraction(case_, '2015-09-02T00:00:00Z'),
        ),
        PERMIT_TO_WORK,
        LATER,
      );
      expect(ep?.attributes).toMatchObject({ highestEducation: 'upper-secondary', gender: null, route: null, ageBand: null });
    });
  });
});

describe('EpisodeEvaluator.attributes with a subset of keys', () => {
  it('fills exactly the keys asked for, with the values the full set has', () => {
    const evaluator = new EpisodeEvaluator(PERMIT_TO_WORK);
    const h = person(opened('2015-10-01T10:00:00Z'), settled('2016-04-01T00:00:00Z', '1480'), permit('2016-03-01T10:00:00Z'), employed('2017-03-01T10:00:00Z'));
    expect(evaluator.evaluate(h.events, Date.parse(LATER))).toBe(true);
    const full = evaluator.attributes(emptyAttributes());
    expect(full.countyCode).toBe('14');
    for (const only of [['gender'], ['countyCode'], ['year', 'ageBand'], ['municipalityCode', 'highestEducation', 'route']] as AttributeKey[][]) {
      const some = evaluator.attributes(emptyAttributes(), new Set(only));
      for (const k of ATTRIBUTE_KEYS) {
        const filled = only.includes(k) || (k === 'municipalityCode' && only.includes('countyCode')) || (k === 'countyCode' && only.includes('municipalityCode'));
        expect({ k, v: some[k] }).toEqual({ k, v: filled ? full[k] : null });
      }
    }
  });
});
