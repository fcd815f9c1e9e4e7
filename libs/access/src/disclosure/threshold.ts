/**
 * The smallest number of people an aggregate may describe (CONTRACT.md, Amendments v1.1,
 * "Disclosure control of aggregates"): KEDJA_MIN_CELL, 5 unless configured, never below 3.
 */
export const DEFAULT_MIN_CELL = 5;
export const MIN_CELL_FLOOR = 3;

/** A count the rule itself withholds: 1 to k − 1 people (0 is published: nobody is described). */
export function isSmall(value: number, k: number): boolean {
  return value > 0 && value < k;
}

export function checkMinCell(k: number): number {
  if (!Number.isInteger(k) || k < MIN_CELL_FLOOR) throw new RangeError(`the disclosure threshold must be a whole number of at least ${MIN_CELL_FLOOR}, got ${k}`);
  return k;
}
