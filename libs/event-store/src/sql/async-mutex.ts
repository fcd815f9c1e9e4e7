/** A FIFO lock for work that must not interleave with other async work on one resource. */
export class AsyncMutex {
  private held = false;
  private readonly waiters: Array<() => void> = [];

  get isLocked(): boolean {
    return this.held;
  }

  async runExclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    await this.acquire();
    try {
      return await fn();
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const next = this.waiters.shift();
    // Ownership passes straight to the next waiter, so nobody can slip in between.
    if (next) next();
    else this.held = false;
  }
}
