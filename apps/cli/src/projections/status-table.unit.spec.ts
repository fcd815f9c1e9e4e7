import { PROJECTIONS, type ProjectionStatus } from '@kedja/projections';
import { statusTable } from './projections.command';

const [built, notBuilt, missing] = PROJECTIONS;
const status = (name: string, generation: number, applied: number, lag: number, running: boolean): ProjectionStatus => ({
  name, generation, version: generation === 0 ? 0 : 1, checkpoint: null, applied, lag, running, owned: false, rebuilding: false,
});

describe('kedja projections status: the table', () => {
  it('gives each projection a row: built ones with generation, applied and lag; one never built says so, with the log it has to catch up', () => {
    const table = statusTable([status(built.name, 2, 120, 3, true), status(notBuilt.name, 0, 0, 123, false)], [built, notBuilt, missing]);
    const rows = table.trimEnd().split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows[0]).toEqual(['name', 'generation', 'applied', 'lag', 'running', 'rebuild']);
    expect(rows[1]).toEqual([built.name, '2', '120', '3', 'yes']);
    expect(rows[2]).toEqual([notBuilt.name, '-', '-', '123', 'no', 'not built yet']);
    expect(rows[3]).toEqual([missing.name, '-', '-', '-', 'no', 'not built yet']);
  });
});
