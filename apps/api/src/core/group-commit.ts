/**
 * Group commit: submissions that arrive while a write is in progress are written together in the
 * next one, and each submitter gets its own slice of the results. A commit's disk sync dominates a
 * small write, and on SQLite it blocks the event loop, so without grouping every concurrent
 * request pays for one alone. Submissions are taken in arrival order.
 */
export class GroupCommit<I, R> {
  private queue: Array<{ readonly items: readonly I[]; resolve(results: R[]): void; reject(error: unknown): void }> = [];
  private draining = false;

  constructor(
    private readonly write: (items: readonly I[]) => Promise<R[]>,
    /** Largest group; a single submission may exceed it. */
    private readonly maxItems = Number.POSITIVE_INFINITY,
  ) {}

  submit(items: readonly I[]): Promise<R[]> {
    return new Promise((resolve, reject) => {
      this.queue.push({ items, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        // Let submissions that arrived during the last (synchronous, on SQLite) commit join.
        await new Promise((resolve) => setImmediate(resolve));
        let count = 0;
        let take = 0;
        while (take < this.queue.length && (take === 0 || count + this.queue[take].items.length <= this.maxItems)) {
          count += this.queue[take].items.length;
          take++;
        }
        const group = this.queue.splice(0, take);
        try {
          const results = await this.write(group.flatMap((submission) => submission.items));
          let offset = 0;
          for (const submission of group) {
            submission.resolve(results.slice(offset, offset + submission.items.length));
            offset += submission.items.length;
          }
        } catch (error) {
          for (const submission of group) submission.reject(error);
        }
      }
    } finally {
      this.draining = false;
    }
  }
}
