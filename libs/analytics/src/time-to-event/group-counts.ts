import { aalenJohansen, type AalenJohansenResult } from '../competing-risks/aalen-johansen';
import { kaplanMeierFromCounts, type KaplanMeierResult } from '../kaplan-meier/kaplan-meier';
import type { LogRankCell } from '../log-rank/log-rank';

/**
 * Event and censoring counts per whole day for one group. Durations are small integers (days
 * since 1990 at most), so counting them is a linear-time sort and each person costs two array
 * increments instead of an object. With competing causes, exits by each are counted apart.
 */
export class GroupCounts {
  private events = new Int32Array(1024);
  private censored = new Int32Array(1024);
  private competing: Int32Array[];
  private maxDay = -1;

  constructor(competingCauses = 0) {
    this.competing = Array.from({ length: competingCauses }, () => new Int32Array(1024));
  }

  /** `cause` 0: the event (`event` true) or censored; k ≥ 1: competing cause k. */
  add(day: number, event: boolean, cause = 0): void {
    if (day >= this.events.length) this.grow(day + 1);
    if (cause > 0) this.competing[cause - 1][day]++;
    else if (event) this.events[day]++;
    else this.censored[day]++;
    if (day > this.maxDay) this.maxDay = day;
  }

  /** The distinct days with any exit, and the counts there; competing exits count as censored. */
  private columns(): { times: number[]; events: number[]; censored: number[]; competing: number[][] } {
    const times: number[] = [];
    const events: number[] = [];
    const censored: number[] = [];
    const competing: number[][] = this.competing.map(() => []);
    for (let day = 0; day <= this.maxDay; day++) {
      const d = this.events[day];
      let c = this.censored[day];
      let other = 0;
      for (const counts of this.competing) other += counts[day];
      if (d === 0 && c === 0 && other === 0) continue;
      times.push(day);
      events.push(d);
      this.competing.forEach((counts, k) => competing[k].push(counts[day]));
      c += other;
      censored.push(c);
    }
    return { times, events, censored, competing };
  }

  /** Kaplan–Meier of the event; a competing exit censors (the cause-specific curve). */
  estimate(): KaplanMeierResult {
    const { times, events, censored } = this.columns();
    return kaplanMeierFromCounts(times, events, censored);
  }

  /** Aalen–Johansen cumulative incidence of the event (cause 0) and each competing cause. */
  incidence(): AalenJohansenResult {
    const { times, events, censored, competing } = this.columns();
    const onlyCensored = censored.map((c, i) => c - competing.reduce((s, k) => s + k[i], 0));
    return aalenJohansen(times, [events, ...competing], onlyCensored);
  }

  /** This group's counts for the log-rank test (competing exits censor, as in `estimate`). */
  logRankCell(group: number, stratum: number): LogRankCell {
    const { times, events, censored } = this.columns();
    return { group, stratum, times, events, censored };
  }

  private grow(min: number): void {
    let size = this.events.length;
    while (size < min) size *= 2;
    const widen = (a: Int32Array) => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.events = widen(this.events);
    this.censored = widen(this.censored);
    this.competing = this.competing.map(widen);
  }
}
