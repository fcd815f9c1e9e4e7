import { Command } from 'commander';
import { Writable } from 'node:stream';
import { simulate } from '@kedja/simulator';
import { registerSimulate, writeFeed } from './simulate.command';

describe('simulate command', () => {
  it('writes the same NDJSON as the library, waiting for a slow reader to drain', async () => {
    const chunks: string[] = [];
    let drains = 0;
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk.toString());
        setTimeout(callback, 1);
      },
    });
    slow.on('drain', () => drains++);
    const count = await writeFeed({ persons: 300, seed: 4 }, slow);
    const expected = [...simulate({ persons: 300, seed: 4 })].map((e) => `${JSON.stringify(e)}\n`).join('');
    expect(chunks.join('')).toBe(expected);
    expect(count).toBe(expected.split('\n').length - 1);
    expect(drains).toBeGreaterThan(0);
  });

  it('registers `simulate` with its options', () => {
    const program = new Command();
    registerSimulate(program);
    const command = program.commands.find((c) => c.name() === 'simulate')!;
    expect(command.options.map((o) => o.long)).toEqual(expect.arrayContaining(['--persons', '--seed', '--from', '--to', '--now']));
  });
});
