import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, generateWal, makeTempDir, removeTempDir, requireTool, startCluster, startStandby, switchWal, waitFor,
  waitForReplay, type PgCluster,
} from '../../harness/pg/index.js';
import { clientEnv, connectionArgs, exitOf, filesIn, seedSegment, spawnReceivewal } from './helpers.js';

const MB = 1024 * 1024;

/**
 * Streaming from a standby that gets promoted: the old timeline's last segment stays
 * `.partial`, `00000002.history` appears, and streaming carries on with timeline 2 segments,
 * without operator action, as pg_receivewal does (compared with it where it can stream).
 */
describeWithPg('receivewal follows a promotion', (major) => {
  let primary: PgCluster;
  let standby: PgCluster;
  let work: string;
  const withOracle = major <= 15;

  beforeAll(async () => {
    primary = await startCluster(major, { walSegmentSizeMB: 1, name: `pg${major}-rw-tli` });
    await generateWal(primary, 512 * 1024);
    standby = await startStandby(primary, { name: `pg${major}-rw-tli-standby` });
    work = makeTempDir('ws-rw-tli-');
  });
  afterAll(async () => {
    await standby?.destroy();
    await primary?.destroy();
    if (work !== undefined) removeTempDir(work);
  });

  const senders = async (): Promise<string[]> =>
    (await standby.sql('SELECT application_name FROM pg_stat_replication ORDER BY 1')).split('\n').filter(Boolean);

  it('old timeline .partial, new timeline segments and 00000002.history', async () => {
    const ours = join(work, 'ours');
    const theirs = join(work, 'theirs');
    const { segment: seed } = await switchWal(primary);
    await waitForReplay(standby, await primary.currentLsn());
    for (const dir of withOracle ? [ours, theirs] : [ours]) {
      mkdirSync(dir);
      seedSegment(primary, seed, dir);
    }
    const args = (dir: string): string[] => ['-D', dir, '-v', ...connectionArgs(standby)];
    const env = clientEnv(standby);
    const receiver = spawnReceivewal(args(ours), env);
    const oracle = withOracle ? spawn(requireTool('pg_receivewal'), args(theirs), { env, stdio: 'ignore' }) : undefined;
    await waitFor(async () => (await senders()).length === (withOracle ? 2 : 1), {
      timeoutMs: 30_000, description: 'both receivers to stream from the standby',
    });

    const before = await generateWal(primary, 2 * MB + 200 * 1024);
    await waitForReplay(standby, before.end);
    await standby.promote();
    await waitFor(async () => filesIn(ours).includes('00000002.history'), { timeoutMs: 60_000, description: 'the history file' });
    await generateWal(standby, 2 * MB);
    const { segment: lastTl2 } = await switchWal(standby);
    const ready = (dir: string): boolean => filesIn(dir).includes(lastTl2);
    await waitFor(() => ready(ours) && (!withOracle || ready(theirs)), { timeoutMs: 60_000, description: `${lastTl2} archived` });
    receiver.kill('SIGINT');
    oracle?.kill('SIGINT');
    expect(await exitOf(receiver)).toEqual({ code: 0, signal: null });
    if (oracle !== undefined) await exitOf(oracle);

    const log = receiver.output();
    expect(log).toMatch(/receivewal: not renaming "00000001[0-9A-F]{16}\.partial", segment is not complete/);
    expect(log).toMatch(/receivewal: switched to timeline 2 at [0-9A-F]+\/[0-9A-F]+/);

    const upTo = (names: string[]): string[] => names.filter((n) => n.slice(0, 24) <= lastTl2 || n.endsWith('.history'));
    const mine = upTo(filesIn(ours));
    const oldPartial = mine.find((n) => n.startsWith('00000001') && n.endsWith('.partial'));
    expect(oldPartial, mine.join(' ')).toBeDefined();
    expect(mine).toContain('00000002.history');
    expect(mine.filter((n) => n.startsWith('00000002') && !n.endsWith('.history')).length).toBeGreaterThanOrEqual(2);
    expect(readFileSync(join(ours, '00000002.history')).equals(readFileSync(join(standby.walDir, '00000002.history')))).toBe(true);
    for (const name of mine.filter((n) => n.startsWith('00000002') && !n.includes('.'))) {
      expect(readFileSync(join(ours, name)).equals(readFileSync(join(standby.walDir, name))), name).toBe(true);
    }
    if (withOracle) {
      expect(mine).toEqual(upTo(filesIn(theirs)));
      for (const name of mine) {
        expect(readFileSync(join(ours, name)).equals(readFileSync(join(theirs, name))), name).toBe(true);
      }
    }
  }, 300_000);

  // pg_receivewal 15 cannot do this: it takes the server's answer (a result set instead of a
  // COPY) for an error and retries for ever, so there is no oracle to compare with here.
  it('restarting exactly at the switch point: the server skips the COPY, streaming goes on with timeline 2', async () => {
    const other = await startStandby(primary, { name: `pg${major}-rw-tli-standby2` });
    try {
      const ours = join(work, 'restart-ours');
      mkdirSync(ours);
      const env = clientEnv(other);
      const first = spawnReceivewal(['-D', ours, '-v', ...connectionArgs(other)], env);
      // Streaming before the switch: a receiver that connects after it starts in the next
      // segment and never writes the one this test waits for.
      await waitFor(() => /starting log streaming at /.test(first.output()), {
        timeoutMs: 60_000, description: 'receivewal to stream from the standby',
      });
      await generateWal(primary, 300 * 1024);
      // A switch right before the promotion puts the new timeline's start on a segment boundary.
      const { segment: last } = await switchWal(primary);
      await waitFor(() => filesIn(ours).includes(last), { timeoutMs: 60_000, description: `${last} archived` })
        .catch((error: unknown) => {
          throw new Error(`${(error as Error).message}: ${filesIn(ours).join(' ')}\n${first.output()}`);
        });
      first.kill('SIGINT');
      expect(await exitOf(first)).toEqual({ code: 0, signal: null });
      await other.promote();
      const again = spawnReceivewal(['-D', ours, '-v', ...connectionArgs(other)], env);
      await generateWal(other, 1200 * 1024);
      const { segment: tl2 } = await switchWal(other);
      await waitFor(() => filesIn(ours).includes(tl2), { timeoutMs: 60_000, description: `${tl2} archived` })
        .catch((error: unknown) => {
          throw new Error(`${(error as Error).message}: ${filesIn(ours).join(' ')}\n${again.output()}`);
        });
      again.kill('SIGINT');
      expect(await exitOf(again)).toEqual({ code: 0, signal: null });
      const next = `00000002${last.slice(8, 16)}${(parseInt(last.slice(16), 16) + 1).toString(16).toUpperCase().padStart(8, '0')}`;
      expect(again.output()).toContain(`continuing after "${last}"`);
      expect(again.output()).toMatch(/switched to timeline 2 at /);
      const names = filesIn(ours).filter((n) => n.slice(0, 24) <= tl2 || n.endsWith('.history'));
      expect(names).toContain('00000002.history');
      expect(names).toContain(next);
      expect(names.filter((n) => n.startsWith('00000001') && n.endsWith('.partial'))).toEqual([]);
      for (const name of names.filter((n) => n.startsWith('00000002') && !n.includes('.'))) {
        expect(readFileSync(join(ours, name)).equals(readFileSync(join(other.walDir, name))), name).toBe(true);
      }
      expect(readFileSync(join(ours, '00000002.history')).equals(readFileSync(join(other.walDir, '00000002.history')))).toBe(true);
    } finally {
      await other.destroy();
    }
  }, 300_000);

  it('cascading: the standby it streams from follows its upstream to timeline 2, and so does receivewal', async () => {
    const middle = await startStandby(primary, { name: `pg${major}-rw-tli-middle` });
    const leaf = await startStandby(middle, { name: `pg${major}-rw-tli-leaf` });
    try {
      const dir = join(work, 'cascade');
      mkdirSync(dir);
      const receiver = spawnReceivewal(['-D', dir, '-v', ...connectionArgs(leaf)], clientEnv(leaf));
      // Streaming on timeline 1 before the promotion, or the switch would happen before it
      // connects and it would simply start on timeline 2.
      await waitFor(() => /starting log streaming at \S+ \(timeline 1\)/.test(receiver.output()), {
        timeoutMs: 60_000, description: 'receivewal to stream from the leaf on timeline 1',
      });
      const before = await generateWal(primary, 1200 * 1024);
      await waitForReplay(leaf, before.end);
      await middle.promote();
      await generateWal(middle, 1200 * 1024);
      const { segment: tl2 } = await switchWal(middle);
      await waitFor(() => filesIn(dir).includes(tl2), { timeoutMs: 90_000, description: `${tl2} archived from the leaf` })
        .catch((error: unknown) => {
          throw new Error(`${(error as Error).message}: ${filesIn(dir).join(' ')}\n${receiver.output()}`);
        });
      receiver.kill('SIGINT');
      expect(await exitOf(receiver)).toEqual({ code: 0, signal: null });
      expect(receiver.output()).toMatch(/switched to timeline 2 at /);
      const names = filesIn(dir).filter((n) => n.slice(0, 24) <= tl2 || n.endsWith('.history'));
      expect(names).toContain('00000002.history');
      expect(names.filter((n) => n.startsWith('00000001') && n.endsWith('.partial')).length).toBe(1);
      for (const name of names.filter((n) => n.startsWith('00000002') && !n.includes('.'))) {
        expect(readFileSync(join(dir, name)).equals(readFileSync(join(middle.walDir, name))), name).toBe(true);
      }
    } finally {
      await leaf.destroy();
      await middle.destroy();
    }
  }, 300_000);
});
