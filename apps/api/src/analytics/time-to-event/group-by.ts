/** groupBy as the list of attributes the answer is grouped by, in order, without repeats. */
export function normaliseGroupByKeys(groupBy: string | readonly string[] | undefined): string[] {
  if (groupBy === undefined) return [];
  return [...new Set(typeof groupBy === 'string' ? [groupBy] : groupBy)];
}
