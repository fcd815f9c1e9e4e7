import { t } from './i18n';
import { numeric } from './ui';

export interface CurvePoint {
  readonly day: number;
  readonly atRisk: unknown;
  readonly events: unknown;
  readonly censored: unknown;
  readonly survival: unknown;
  readonly lower?: unknown;
  readonly upper?: unknown;
}

export interface Series {
  readonly label: string;
  readonly curve: readonly CurvePoint[];
  readonly n: unknown;
  readonly dashed: boolean;
  /** The group's curve or size is withheld by disclosure control. */
  readonly suppressed?: boolean;
}

// Colours with at least 4.5:1 against white (WCAG 1.4.11 asks 3:1 for graphics); a compared
// as-of date keeps its group's colour and is dashed, so colour is never the only cue.
export const PALETTE = ['#1f4e9c', '#b3261e', '#1b6e3a', '#6a3d9a', '#8a4b00', '#005f73', '#7a1f5c', '#3d3d3d'];

const W = 720;
const H = 360;
const M = { left: 56, right: 16, top: 16, bottom: 44 };

function niceStep(max: number): number {
  const raw = max / 6;
  const p = 10 ** Math.floor(Math.log10(raw || 1));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

/** A step path of the share reached, 1 − S(t), from day 0 to each step and on to the last day. */
function stepPath(points: readonly [number, number][], x: (d: number) => number, y: (s: number) => number): string {
  let d = `M${x(0)},${y(0)}`;
  let last = 0;
  for (const [day, share] of points) {
    d += `H${x(day)}V${y(share)}`;
    last = share;
  }
  return d + (points.length ? '' : `V${y(last)}`);
}

export function maxDay(series: readonly Series[]): number {
  return Math.max(365, ...series.flatMap((s) => s.curve.map((p) => p.day)));
}

/**
 * Plain SVG with presentation attributes only (no style attributes, which the CSP refuses), so
 * the same element downloads as a standalone SVG and draws into a canvas for PNG.
 */
export function KaplanMeierChart(props: { series: readonly Series[]; id: string }) {
  const end = maxDay(props.series);
  const x = (d: number) => M.left + (d / end) * (W - M.left - M.right);
  const y = (s: number) => H - M.bottom - s * (H - M.top - M.bottom);
  const step = niceStep(end);
  const ticks: number[] = [];
  for (let d = 0; d <= end; d += step) ticks.push(d);
  const colourOf = new Map<string, string>();
  const colour = (label: string) => {
    const base = label.split(' · ')[0];
    if (!colourOf.has(base)) colourOf.set(base, PALETTE[colourOf.size % PALETTE.length]);
    return colourOf.get(base)!;
  };
  return (
    <svg id={props.id} xmlns="http://www.w3.org/2000/svg" viewBox={`0 0 ${W} ${H + 24 * props.series.length}`} width="100%" role="img" aria-labelledby={`${props.id}-title ${props.id}-desc`} font-family="sans-serif" font-size="12">
      <title id={`${props.id}-title`}>{t('chartTitle')}</title>
      <desc id={`${props.id}-desc`}>{props.series.map((s) => s.label).join('; ')}</desc>
      <rect x="0" y="0" width={W} height={H + 24 * props.series.length} fill="#ffffff" />
      {[0, 0.25, 0.5, 0.75, 1].map((s) => (
        <g key={s}>
          <line x1={M.left} x2={W - M.right} y1={y(s)} y2={y(s)} stroke="#d0d0d0" stroke-width="1" />
          <text x={M.left - 6} y={y(s) + 4} text-anchor="end" fill="#333333">{`${Math.round(s * 100)}%`}</text>
        </g>
      ))}
      {ticks.map((d) => (
        <text key={d} x={x(d)} y={H - M.bottom + 16} text-anchor="middle" fill="#333333">{d}</text>
      ))}
      <line x1={M.left} x2={W - M.right} y1={y(0)} y2={y(0)} stroke="#333333" />
      <line x1={M.left} x2={M.left} y1={y(0)} y2={y(1)} stroke="#333333" />
      <text x={(M.left + W - M.right) / 2} y={H - 8} text-anchor="middle" fill="#333333">{t('chartDays')}</text>
      {props.series.map((s) => {
        const c = colour(s.label);
        const share = s.curve.map((p): [number, number] => [p.day, 1 - (numeric(p.survival) ?? 1)]);
        const upperShare = s.curve.map((p): [number, number] => [p.day, 1 - (numeric(p.lower) ?? numeric(p.survival) ?? 1)]);
        const lowerShare = s.curve.map((p): [number, number] => [p.day, 1 - (numeric(p.upper) ?? numeric(p.survival) ?? 1)]);
        // The band: the upper bound's steps forwards, then the lower bound's steps back to day 0.
        let band = `M${x(0)},${y(0)}`;
        for (const [day, v] of upperShare) band += `H${x(day)}V${y(v)}`;
        if (lowerShare.length) band += `V${y(lowerShare[lowerShare.length - 1][1])}`;
        for (let i = lowerShare.length - 1; i >= 1; i--) band += `V${y(lowerShare[i - 1][1])}H${x(lowerShare[i - 1][0])}`;
        band += `V${y(0)}`;
        return (
          <g key={s.label} class="series" data-label={s.label}>
            {s.dashed ? null : <path d={`${band}Z`} fill={c} fill-opacity="0.15" stroke="none" />}
            <path class="curve" d={stepPath(share, x, y)} fill="none" stroke={c} stroke-width="2" stroke-dasharray={s.dashed ? '6 4' : undefined} />
          </g>
        );
      })}
      {props.series.map((s, i) => (
        <g key={`legend-${s.label}`} transform={`translate(${M.left},${H + 8 + 24 * i})`}>
          <line x1="0" x2="28" y1="6" y2="6" stroke={colour(s.label)} stroke-width="3" stroke-dasharray={s.dashed ? '6 4' : undefined} />
          <text x="36" y="10" fill="#222222">{s.label}</text>
        </g>
      ))}
    </svg>
  );
}

/** The number still at risk at a day: those whose time is at least that day. */
export function atRiskAt(s: Series, day: number): number | null | 'suppressed' {
  if (day === 0) return s.n === null && s.suppressed ? 'suppressed' : numeric(s.n);
  const next = s.curve.find((p) => p.day >= day);
  if (next) return numeric(next.atRisk);
  if (s.suppressed) return 'suppressed';
  // Past the last step: those left after it (disclosure control releases a step only when that is 0 or at least k).
  const last = s.curve[s.curve.length - 1];
  if (!last) return numeric(s.n);
  const [atRisk, events, censored] = [numeric(last.atRisk), numeric(last.events), numeric(last.censored)];
  return atRisk === null || events === null || censored === null ? null : Math.max(0, atRisk - events - censored);
}

export function riskDays(series: readonly Series[]): number[] {
  const end = maxDay(series);
  const step = niceStep(end) * 2;
  const days: number[] = [];
  for (let d = 0; d <= end; d += step) days.push(d);
  return days;
}

export function svgText(id: string): string {
  const element = document.getElementById(id);
  if (!element) throw new Error('no chart to download');
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(element)}`;
}

/** Draws the chart's own SVG into a canvas (same-origin blob image, so the canvas is not tainted). */
export async function pngBlob(id: string): Promise<Blob> {
  const element = document.getElementById(id) as SVGSVGElement | null;
  if (!element) throw new Error('no chart to download');
  const box = element.viewBox.baseVal;
  const url = URL.createObjectURL(new Blob([svgText(id)], { type: 'image/svg+xml' }));
  try {
    const image = new Image();
    image.width = box.width * 2;
    image.height = box.height * 2;
    await new Promise<void>((resolve, reject) => {
      image.onload = () => resolve();
      image.onerror = () => reject(new Error('the chart could not be drawn'));
      image.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = box.width * 2;
    canvas.height = box.height * 2;
    const context = canvas.getContext('2d');
    if (!context) throw new Error('no canvas');
    context.drawImage(image, 0, 0, canvas.width, canvas.height);
    return await new Promise<Blob>((resolve, reject) => canvas.toBlob((b) => (b ? resolve(b) : reject(new Error('no PNG'))), 'image/png'));
  } finally {
    URL.revokeObjectURL(url);
  }
}
