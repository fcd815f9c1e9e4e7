import type { ProjectionStatus } from '@kedja/projections';

/** What makes a status worth a line: its state, not the clock. */
function stateKey(status: ProjectionStatus): string {
  return [status.owned ? 'applying' : status.running ? 'standby' : 'idle', status.generation, status.rebuild?.generation ?? '', status.error ?? '', status.lag === 0 ? 'caught-up' : 'behind'].join('|');
}

/**
 * The projector's periodic status report, without idle chatter: a projection gets a line when its
 * state changes (applying, standby, a new generation, a rebuild, an error, caught up or behind)
 * and while it is behind (its progress); a caught-up projection that nothing changes stays quiet.
 */
export class StatusLines {
  private readonly last = new Map<string, string>();

  worthWriting(statuses: readonly ProjectionStatus[]): ProjectionStatus[] {
    const out: ProjectionStatus[] = [];
    for (const status of statuses) {
      const key = stateKey(status);
      if (this.last.get(status.name) === key && status.lag === 0) continue;
      this.last.set(status.name, key);
      out.push(status);
    }
    return out;
  }
}
