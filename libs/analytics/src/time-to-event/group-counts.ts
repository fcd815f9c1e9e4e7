import { kaplanMeierFromCounts, type KaplanMeierResult } from '../kaplan-meier/kaplan-meier';

/**
 * Event and censoring counts per whole day for one group. Durations are small integers (days
 * since 1990 at most), so counting them is a linear-time sort and each person costs two array
 * increments instead of an object.
 */
export class GroupCounts {
  private events = new Int32Array(1024);
  private censored = new Int32Array(1024);
  private maxDay = -1;

  add(day: number, event: boolean): void {
    if (day >= this.events.length) this.grow(day + 1);
    if (event) this.events[day]++;
    else this.censored[day]++;
    if (day > this.maxDay) this.maxDay = day;
  }

  estimate(): KaplanMeierResult {
    const times: number[] = [];
    const events: number[] = [];
    const censored: number[] = [];
    for (let day = 0; day <= this.maxDay; day++) {
      const d = this.events[day];
      const c = this.censored[day];
      if (d === 0 && c === 0) continue;
      times.push(day);
      events.push(d);
      censored.push(c);
    }
    return kaplanMeierFromCounts(times, events, censored);
  }

  private grow(min: number): void {
    let size = this.events.length;
    while (size < min) size *= 2;
    const e = new Int32Array(size);
    const c = new Int32Array(size);
    e.set(this.events);
    c.set(this.censored);
    this.events = e;
    this.censored = c;
  }
}
