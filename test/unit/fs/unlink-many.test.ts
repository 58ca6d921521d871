import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { unlinkMany } from '../../../src/core/fs/unlink-many.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-unlink-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const makeFiles = async (count: number): Promise<string[]> => {
  const names = Array.from({ length: count }, (_, i) => `f${String(i).padStart(5, '0')}`);
  for (const name of names) await writeFile(join(dir, name), '');
  return names;
};

describe('unlinkMany', () => {
  it('removes every name (more than one queue depth) and reports them in the order given', async () => {
    const names = await makeFiles(2500);
    await writeFile(join(dir, 'kept'), '');
    const reported: string[] = [];
    const order = [...names].reverse();
    expect(await unlinkMany(dir, order, (name) => reported.push(name))).toBeUndefined();
    expect(reported).toEqual(order);
    expect(await readdir(dir)).toEqual(['kept']);
  });

  it('takes a directory given with a trailing slash, and no names at all', async () => {
    const names = await makeFiles(3);
    expect(await unlinkMany(`${dir}/`, names)).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
    expect(await unlinkMany(dir, [])).toBeUndefined();
  });

  it('stops at a failure, names it, and reports exactly the files that went', async () => {
    const names = await makeFiles(3000);
    const withMissing = [...names.slice(0, 10), 'absent', ...names.slice(10)];
    const reported: string[] = [];
    const failure = await unlinkMany(dir, withMissing, (name) => reported.push(name));
    expect(failure?.name).toBe('absent');
    expect(failure?.path).toBe(join(dir, 'absent'));
    expect(failure?.error.code).toBe('ENOENT');
    const left = new Set(await readdir(dir));
    // Nothing is reported that is still there, nothing gone is left unreported.
    expect(reported.filter((name) => left.has(name))).toEqual([]);
    expect(names.filter((name) => !left.has(name)).sort()).toEqual([...reported].sort());
    // The names before the failure went and were reported first; names after the queue's
    // depth were never handed out.
    expect(reported.slice(0, 10)).toEqual(names.slice(0, 10));
    expect(left.has(names.at(-1) as string)).toBe(true);
  });

  it('rejects with what the report callback threw, after the removals under way finish', async () => {
    const names = await makeFiles(3000);
    let calls = 0;
    const refused = new Error('stderr is gone');
    const outcome = unlinkMany(dir, names, () => {
      calls += 1;
      if (calls === 5) throw refused;
    });
    await expect(outcome).rejects.toBe(refused);
    expect(calls).toBe(5); // no report after the one that threw
    const left = await readdir(dir);
    // The first five went; names never handed out are still there.
    for (const name of names.slice(0, 5)) expect(left).not.toContain(name);
    expect(left).toContain(names.at(-1));
  });
});
