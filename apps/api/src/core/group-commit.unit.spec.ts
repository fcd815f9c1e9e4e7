import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('writes submissions made while a write runs together, each getting its own results in order', async () => {
    const writes: number[][] = [];
    const group = new GroupCommit<number, string>(async (items) => {
      writes.push([...items]);
      return items.map((n) => `r${n}`);
    });
    const first = group.submit([1]);
    const rest = [group.submit([2, 3]), group.submit([4])];
    expect(await first).toEqual(['r1']);
    expect(await Promise.all(rest)).toEqual([['r2', 'r3'], ['r4']]);
    expect(writes.flat()).toEqual([1, 2, 3, 4]);
    expect(writes.length).toBeLessThan(3);
  });

  it('rejects every submission of a failed group and goes on with the next', async () => {
    let fail = true;
    const group = new GroupCommit<number, number>(async (items) => {
      if (fail) {
        fail = false;
        throw new Error('disk full');
      }
      return [...items];
    });
    const failed = [group.submit([1]), group.submit([2])];
    await expect(failed[0]).rejects.toThrow('disk full');
    await expect(failed[1]).rejects.toThrow('disk full');
    expect(await group.submit([3])).toEqual([3]);
  });

  it('keeps a group under its bound unless one submission alone exceeds it', async () => {
    const sizes: number[] = [];
    const group = new GroupCommit<number, number>(async (items) => {
      sizes.push(items.length);
      return [...items];
    }, 3);
    await Promise.all([group.submit([1, 2]), group.submit([3, 4]), group.submit([5, 6, 7, 8])]);
    expect(sizes).toEqual([2, 2, 4]);
  });
});
