import type { ProjectionStatus } from '@kedja/projections';
import { StatusLines } from './status-lines';

const status = (name: string, over: Partial<ProjectionStatus> = {}): ProjectionStatus => ({
  name, generation: 1, version: 1, checkpoint: '10', applied: 10, lag: 0, running: true, owned: true, rebuilding: false, ...over,
});

describe('the projector\'s status lines', () => {
  it('says nothing about projections that are idle and unchanged, every 30 s or ever', () => {
    const lines = new StatusLines();
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((n) => status(n));
    expect(lines.worthWriting(six)).toHaveLength(6);
    for (let i = 0; i < 10; i++) expect(lines.worthWriting(six)).toEqual([]);
  });

  it('writes a line on a change of state, and while a projection is behind', () => {
    const lines = new StatusLines();
    lines.worthWriting([status('a')]);
    expect(lines.worthWriting([status('a', { owned: false })]).map((s) => s.name)).toEqual(['a']);
    expect(lines.worthWriting([status('a', { owned: false, lag: 50 })])).toHaveLength(1);
    expect(lines.worthWriting([status('a', { owned: false, lag: 20 })])).toHaveLength(1);
    expect(lines.worthWriting([status('a', { owned: false, lag: 0 })])).toHaveLength(1);
    expect(lines.worthWriting([status('a', { owned: false, lag: 0 })])).toEqual([]);
    expect(lines.worthWriting([status('a', { owned: false, error: 'boom' })])).toHaveLength(1);
  });
});
