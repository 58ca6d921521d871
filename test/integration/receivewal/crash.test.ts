import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, generateWal, lsnFromText, lsnToText, makeTempDir, removeTempDir, startCluster, switchWal,
  type PgCluster,
} from '../../harness/pg/index.js';
import { clientEnv, connectionArgs, exitOf, filesIn, receivewalInProcess, segmentNameOf, spawnReceivewal } from './helpers.js';

const MB = 1024 * 1024;
const SEG = 16 * MB;
const KILLS = 5;

/**
 * kill -9 at arbitrary moments while 256 MB of WAL stream, restart each time: the archive
 * never shows a state a restart cannot resume from, the slot (moved only by flush reports)
 * never passes what the files hold, and in the end the archive equals the server's WAL.
 */
describeWithPg('receivewal survives kill -9', (major) => {
  let primary: PgCluster;
  let dir: string;

  beforeAll(async () => {
    primary = await startCluster(major, { name: `pg${major}-rw-crash`, conf: ["max_wal_size = '1GB'"] });
    await primary.sql("SELECT pg_create_physical_replication_slot('crash', true)");
    dir = makeTempDir('ws-rw-crash-');
  });
  afterAll(async () => {
    await primary?.destroy();
    if (dir !== undefined) removeTempDir(dir);
  });

  /** What a restart would resume from is sound, and everything reported flushed is in the files. */
  const checkArchive = async (): Promise<void> => {
    const names = filesIn(dir).filter((n) => /^[0-9A-F]{24}(\.partial)?$/.test(n));
    const partials = names.filter((n) => n.endsWith('.partial'));
    expect(partials.length, names.join(' ')).toBeLessThanOrEqual(1);
    if (partials.length === 1) expect(names.at(-1), 'the partial is the newest file').toBe(partials[0]);
    const restart = await primary.sql("SELECT restart_lsn FROM pg_replication_slots WHERE slot_name = 'crash'");
    const reported = lsnFromText(restart);
    for (const name of names) {
      const mine = readFileSync(join(dir, name));
      const server = readFileSync(join(primary.walDir, name.replace('.partial', '')));
      if (name.endsWith('.partial')) {
        const start = BigInt(`0x${name.slice(8, 16)}`) * 0x1_0000_0000n + BigInt(`0x${name.slice(16, 24)}`) * BigInt(SEG);
        const flushedHere = reported > start ? Number(reported - start) : 0;
        // A kill between creating the .partial and pre-sizing it leaves it empty: a state the
        // restart accepts (segment-file.ts), as long as nothing in it was reported flushed.
        if (mine.length === 0) {
          expect(flushedHere, `${name} is empty`).toBe(0);
          continue;
        }
        expect(mine.length).toBe(SEG);
        expect(mine.subarray(0, flushedHere).equals(server.subarray(0, flushedHere)), `${name} up to the slot`).toBe(true);
      } else {
        expect(mine.equals(server), name).toBe(true);
      }
    }
  };

  it('kill -9 during 256 MB of streaming: the final archive equals the server\'s WAL', async () => {
    const args = ['-D', dir, '-S', 'crash', ...connectionArgs(primary)];
    const env = clientEnv(primary);
    const generating = generateWal(primary, 256 * MB, { method: 'message' });
    let finished = false;
    void generating.finally(() => {
      finished = true;
    });
    let kills = 0;
    while (kills < KILLS) {
      const receiver = spawnReceivewal(args, env);
      await new Promise((resolve) => setTimeout(resolve, 700 + Math.floor(Math.random() * 2500)));
      receiver.kill('SIGKILL');
      const exit = await exitOf(receiver);
      expect(exit.signal, receiver.output()).toBe('SIGKILL');
      kills += 1;
      await checkArchive();
      if (finished && kills >= 3) break;
    }
    const range = await generating;
    expect(range.end - range.start).toBeGreaterThanOrEqual(BigInt(256 * MB));
    const { lsn } = await switchWal(primary);
    // Stop right at the end of the switched segment, so it completes (endpos < received there).
    const segmentEnd = (lsn / BigInt(SEG) + 1n) * BigInt(SEG);
    const last = await receivewalInProcess([...args, '-E', lsnToText(segmentEnd - 1n), '-n'], env);
    expect(last.code, last.stderr).toBe(0);
    await checkArchive();
    const names = filesIn(dir);
    const firstSegno = BigInt(`0x${(names[0] as string).slice(16, 24)}`);
    const lastComplete = segmentNameOf(1, lsn, SEG);
    expect(names.at(-1)).toBe(lastComplete);
    expect(BigInt(names.filter((n) => !n.endsWith('.partial')).length)).toBe(
      BigInt(`0x${lastComplete.slice(16, 24)}`) - firstSegno + 1n,
    );
    expect(kills).toBeGreaterThanOrEqual(3);
  }, 600_000);
});
