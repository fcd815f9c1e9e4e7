import { DEFAULT_THRESHOLDS, GAP_CODES, parseThreshold, type GapCode, type Threshold } from './read-models';

export const GAP_THRESHOLDS = Symbol('GapThresholds');
export type GapThresholds = Readonly<Record<GapCode, Threshold>>;

/** `KEDJA_GAP_PERMIT_TO_SETTLEMENT=60d`, `KEDJA_GAP_ASSIGNMENT_TO_SETTLEMENT=2m`, ...: one per gap code. */
export function thresholdSetting(code: GapCode): string {
  return `KEDJA_GAP_${code.toUpperCase().replace(/-/g, '_')}`;
}

/** Read once at start; a bad value stops the process naming the setting. */
export function loadThresholds(env: Readonly<Record<string, string | undefined>> = process.env): GapThresholds {
  const thresholds = { ...DEFAULT_THRESHOLDS } as Record<GapCode, Threshold>;
  for (const code of GAP_CODES) {
    const raw = env[thresholdSetting(code)];
    if (raw === undefined || raw === '') continue;
    const parsed = parseThreshold(raw);
    if (!parsed) throw new Error(`${thresholdSetting(code)} must be a number of days or months such as 60d or 2m, got "${raw}"`);
    thresholds[code] = parsed;
  }
  return thresholds;
}
