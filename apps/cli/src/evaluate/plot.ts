import type { ControlledGroup, ControlledTimeToEvent } from '@kedja/access';

/**
 * Kaplan–Meier curves with their 95% bands and a number-at-risk table, as one SVG document.
 *
 * Written as plain SVG text rather than with a plotting library: the figure is a few step paths,
 * polygons and text elements, and the libraries that draw SVG in Node (d3 with jsdom, vega with
 * node-canvas) would bring a DOM or native code into the CLI for that. The input is the
 * disclosure-controlled answer only (released, pooled steps; withheld groups drawn as absent),
 * so the figure cannot show a value the JSON would not.
 */

const WIDTH = 880;
const PLOT = { left: 70, top: 40, width: 600, height: 320 };
const LEGEND_X = PLOT.left + PLOT.width + 20;
const ROW = 18;
const COLOURS = ['#1b6ca8', '#d1495b', '#2e8540', '#edae49', '#6a4c93', '#00798c', '#8d6a3f', '#555555'];

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c);
}

export function groupLabel(group: Pick<ControlledGroup, 'key'>): string {
  const entries = Object.entries(group.key);
  return entries.length === 0 ? 'all' : entries.map(([k, v]) => `${k}=${v ?? '(unknown)'}`).join(' ');
}

/** Tick spacing in days: the first of these that gives at most 8 ticks. */
function tickStep(maxDay: number): number {
  for (const step of [7, 30, 90, 180, 365, 730, 1825]) if (maxDay / step <= 8) return step;
  return 3650;
}

/**
 * The number at risk at day t as the released curve states it: the number at risk at the start of
 * the released step whose interval covers t (steps are pooled, so the count at t itself is not
 * published); null after the last released step.
 */
export function atRiskAt(group: ControlledGroup, day: number): number | null {
  let previousDay = -Infinity;
  for (const row of group.curve) {
    if (day > previousDay && day <= row.day) return row.atRisk;
    previousDay = row.day;
  }
  return null;
}

export function plotSvg(result: ControlledTimeToEvent, title: string): string {
  const groups = result.groups;
  const maxDay = Math.max(1, ...groups.flatMap((g) => g.curve.map((r) => r.day)));
  const step = tickStep(maxDay);
  const xMax = Math.ceil(maxDay / step) * step;
  const x = (day: number) => PLOT.left + (day / xMax) * PLOT.width;
  const y = (s: number) => PLOT.top + (1 - s) * PLOT.height;
  const f = (v: number) => v.toFixed(2);
  const ticks: number[] = [];
  for (let d = 0; d <= xMax; d += step) ticks.push(d);

  const out: string[] = [];
  const tableTop = PLOT.top + PLOT.height + 60;
  const height = tableTop + 24 + ROW * groups.length + 40;
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<title>${escapeXml(title)}</title>`);
  out.push(`<text x="${PLOT.left}" y="20" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  // Axes and grid.
  out.push(`<g class="axes" stroke="#999" fill="none">`);
  out.push(`<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.width}" height="${PLOT.height}"/>`);
  for (const s of [0.25, 0.5, 0.75]) out.push(`<line x1="${PLOT.left}" x2="${PLOT.left + PLOT.width}" y1="${f(y(s))}" y2="${f(y(s))}" stroke-dasharray="2,3"/>`);
  out.push(`</g>`);
  out.push(`<g class="x-ticks" text-anchor="middle">`);
  for (const d of ticks) out.push(`<text x="${f(x(d))}" y="${PLOT.top + PLOT.height + 16}">${d}</text>`);
  out.push(`<text x="${PLOT.left + PLOT.width / 2}" y="${PLOT.top + PLOT.height + 34}">days</text>`);
  out.push(`</g>`);
  out.push(`<g class="y-ticks" text-anchor="end">`);
  for (const s of [0, 0.25, 0.5, 0.75, 1]) out.push(`<text x="${PLOT.left - 6}" y="${f(y(s) + 4)}">${s.toFixed(2)}</text>`);
  out.push(`<text x="20" y="${PLOT.top + PLOT.height / 2}" transform="rotate(-90 20 ${PLOT.top + PLOT.height / 2})" text-anchor="middle">share without the event (Kaplan–Meier, 95% band)</text>`);
  out.push(`</g>`);

  groups.forEach((g, i) => {
    const colour = COLOURS[i % COLOURS.length];
    const label = escapeXml(groupLabel(g));
    if (g.curve.length === 0) return;
    // Step function from (0, 1): horizontal to each released day, then down to its survival.
    let path = `M${f(x(0))},${f(y(1))}`;
    let upper = `${f(x(0))},${f(y(1))}`;
    let lower = '';
    let prevU = 1;
    let prevL = 1;
    for (const r of g.curve) {
      path += ` H${f(x(r.day))} V${f(y(r.survival))}`;
      upper += ` ${f(x(r.day))},${f(y(prevU))} ${f(x(r.day))},${f(y(r.upper))}`;
      lower = ` ${f(x(r.day))},${f(y(r.lower))} ${f(x(r.day))},${f(y(prevL))}` + lower;
      prevU = r.upper;
      prevL = r.lower;
    }
    const last = x(g.curve[g.curve.length - 1].day);
    out.push(`<g class="group" data-group="${label}">`);
    out.push(`<polygon class="band" points="${upper}${lower} ${f(x(0))},${f(y(1))}" fill="${colour}" fill-opacity="0.15" stroke="none"/>`);
    out.push(`<path class="curve" d="${path}" fill="none" stroke="${colour}" stroke-width="2"/>`);
    out.push(`<line class="end" x1="${f(last)}" x2="${f(last)}" y1="${f(y(prevL))}" y2="${f(y(prevU))}" stroke="${colour}"/>`);
    out.push(`</g>`);
  });

  // Legend: every group, with a note when its values are withheld.
  out.push(`<g class="legend">`);
  groups.forEach((g, i) => {
    const yy = PLOT.top + 10 + i * ROW;
    const colour = COLOURS[i % COLOURS.length];
    const note = g.curve.length === 0 ? ' (withheld)' : '';
    out.push(`<rect x="${LEGEND_X}" y="${yy - 9}" width="12" height="12" fill="${colour}"/>`);
    out.push(`<text x="${LEGEND_X + 18}" y="${yy + 1}">${escapeXml(groupLabel(g) + note)}</text>`);
  });
  out.push(`</g>`);

  // Number-at-risk table under the x axis.
  out.push(`<g class="at-risk" text-anchor="middle">`);
  out.push(`<text x="${PLOT.left}" y="${tableTop}" text-anchor="start" font-weight="bold">Number at risk</text>`);
  groups.forEach((g, i) => {
    const yy = tableTop + 20 + i * ROW;
    out.push(`<text class="at-risk-label" x="${PLOT.left - 6}" y="${yy}" text-anchor="end" fill="${COLOURS[i % COLOURS.length]}">${escapeXml(groupLabel(g))}</text>`);
    for (const d of ticks) {
      const n = atRiskAt(g, d);
      out.push(`<text class="at-risk-cell" data-day="${d}" x="${f(x(d))}" y="${yy}">${n === null ? '–' : n}</text>`);
    }
  });
  const note = `Disclosure control: no value describes fewer than ${result.disclosure.minCell} people; steps are pooled, curves stop before fewer than ${result.disclosure.minCell} are at risk. As of ${result.asOf}.`;
  out.push(`<text x="${PLOT.left}" y="${tableTop + 20 + ROW * groups.length + 12}" text-anchor="start" font-size="10" fill="#555">${escapeXml(note)}</text>`);
  out.push(`</g>`);
  out.push(`</svg>`);
  return `${out.join('\n')}\n`;
}
