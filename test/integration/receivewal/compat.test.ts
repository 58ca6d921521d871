import { mkdirSync, readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  describeWithPg, generateWal, lsnToText, makeTempDir, removeTempDir, requireTool, runProcess, startCluster, switchWal,
  type PgCluster,
} from '../../harness/pg/index.js';
import {
  clientEnv, connectionArgs, decompressedContent, filesIn, pgReceivewal, receivewalInProcess, seedSegment, segmentNameOf,
} from './helpers.js';

const MB = 1024 * 1024;

/**
 * The archive receivewal writes for a range equals what pg_receivewal 15 writes for it, byte
 * for byte (plain) and after decompression (gzip, lz4); pg_receivewal 15 streams from servers
 * up to 15 only, so newer majors are compared with the server's own pg_wal files instead.
 * Both receivers resume after the same seeded segment and stop at the same --endpos.
 */
describeWithPg('receivewal archives what pg_receivewal archives', (major) => {
  let primary: PgCluster;
  let work: string;
  let seed: string;
  let endpos: bigint;
  let firstNew: string;
  const segSize = MB;
  const withOracle = major <= 15;

  beforeAll(async () => {
    primary = await startCluster(major, { walSegmentSizeMB: 1, name: `pg${major}-rw-compat` });
    await primary.sql("SELECT pg_create_physical_replication_slot('keep', true)");
    seed = (await switchWal(primary)).segment;
    const range = await generateWal(primary, 5 * MB + 300 * 1024);
    // -E stops once received data passes endpos: one byte before the flushed end, so no
    // receiver waits for WAL nobody writes.
    endpos = range.end - 1n;
    firstNew = segmentNameOf(1, segmentStart(seed, segSize) + BigInt(segSize), segSize);
    work = makeTempDir('ws-rw-compat-');
  });
  afterAll(async () => {
    await primary?.destroy();
    if (work !== undefined) removeTempDir(work);
  });

  const receive = async (tool: 'ours' | 'pg', dir: string, extra: string[] = []): Promise<string> => {
    mkdirSync(dir);
    seedSegment(primary, seed, dir);
    const args = ['-D', dir, '-E', lsnToText(endpos), '-n', ...extra, ...connectionArgs(primary)];
    const result = tool === 'ours'
      ? await receivewalInProcess(args, clientEnv(primary))
      : await pgReceivewal(args, clientEnv(primary));
    expect(result.code, result.stderr).toBe(0);
    return result.stderr;
  };

  /** Every file of `ours` matches `reference` (decompressed); a .partial only up to endpos. */
  const expectSameArchive = (ours: string, reference: string[], read: (name: string) => Buffer): void => {
    const names = filesIn(ours);
    expect(names).toEqual(reference);
    for (const name of names) {
      const mine = decompressedContent(join(ours, name));
      const theirs = read(name);
      if (name.endsWith('.partial')) {
        const upTo = Number(endpos % BigInt(segSize));
        // A plain .partial is a whole zero-padded segment; a compressed one holds what arrived.
        if (name === `${name.slice(0, 24)}.partial`) expect(mine.length, name).toBe(segSize);
        else expect(mine.length, name).toBeGreaterThanOrEqual(upTo);
        expect(mine.subarray(0, upTo).equals(theirs.subarray(0, upTo)), name).toBe(true);
      } else {
        expect(mine.equals(theirs), name).toBe(true);
      }
    }
  };

  it('plain: the same files with the same bytes as pg_receivewal and pg_wal; pg_waldump reads them', async () => {
    const ours = join(work, 'plain-ours');
    const log = await receive('ours', ours);
    expect(log).toMatch(/^receivewal: not renaming "[0-9A-F]{24}\.partial", segment is not complete\n$/);
    const names = filesIn(ours);
    expect(names[0]).toBe(seed);
    expect(names[1]).toBe(firstNew);
    expect(names.at(-1)).toMatch(/\.partial$/);
    expect(names.length).toBeGreaterThanOrEqual(7);
    for (const name of names) expect(statSync(join(ours, name)).size).toBe(segSize);
    if (withOracle) {
      const theirs = join(work, 'plain-pg');
      await receive('pg', theirs);
      expectSameArchive(ours, filesIn(theirs), (name) => readFileSync(join(theirs, name)));
    }
    // The server's own pg_wal files are the other reference, for every major.
    expectSameArchive(ours, names, (name) => readFileSync(join(primary.walDir, name.replace('.partial', ''))));
    if (major === 15) {
      // pg_waldump 15 reads WAL of 15 only, and segments by their final names: show it the
      // .partial as one, and have it decode every record from the first received segment to endpos.
      const view = join(work, 'waldump-view');
      mkdirSync(view);
      for (const name of names) symlinkSync(join(ours, name), join(view, name.replace('.partial', '')));
      const dump = await runProcess(requireTool('pg_waldump'), [
        '--path', view, '--start', lsnToText(segmentStart(firstNew, segSize)), '--end', lsnToText(endpos), '--quiet',
      ]);
      expect(dump.code, dump.stderr).toBe(0);
    }
  });

  it.each(['gzip', 'lz4'] as const)('%s: same names, same bytes after decompression, %s -t passes', async (method) => {
    const ours = join(work, `${method}-ours`);
    await receive('ours', ours, ['-Z', method]);
    const ext = method === 'gzip' ? '.gz' : '.lz4';
    const names = filesIn(ours);
    expect(names.slice(1).every((n) => n.includes(ext))).toBe(true);
    for (const name of names.slice(1)) {
      const check = await runProcess(requireTool(method), ['-t', join(ours, name)]);
      expect(check.code, `${method} -t ${name}: ${check.stderr}`).toBe(0);
    }
    if (withOracle) {
      const theirs = join(work, `${method}-pg`);
      await receive('pg', theirs, ['-Z', method]);
      expectSameArchive(ours, filesIn(theirs), (name) => decompressedContent(join(theirs, name)));
      // And back: pg_receivewal accepts our completed files as complete (LZ4: one frame per
      // flush, which it decodes as one stream) and resumes at our partial segment.
      const partial = names.at(-1) as string;
      const resumed = await pgReceivewal(
        ['-D', ours, '-E', lsnToText(endpos), '-n', '-v', '-Z', method, ...connectionArgs(primary)], clientEnv(primary));
      expect(resumed.code, resumed.stderr).toBe(0);
      expect(resumed.stderr).not.toContain('incorrect');
      expect(resumed.stderr).toContain(`starting log streaming at ${lsnToText(segmentStart(partial, segSize))} (timeline 1)`);
    } else {
      expectSameArchive(ours, names, (name) =>
        readFileSync(join(primary.walDir, name === seed ? name : name.replace(ext, '').replace('.partial', ''))));
    }
  });

  it('zstd (which pg_receivewal 15 lacks): decompresses to the same WAL as plain', async () => {
    const ours = join(work, 'zstd-ours');
    await receive('ours', ours, ['-Z', 'zstd']);
    const plain = join(work, 'plain-ours');
    const names = filesIn(ours);
    expect(names.map((n) => n.replace('.zst', ''))).toEqual(filesIn(plain));
    for (const name of names.slice(1)) {
      const check = await runProcess(requireTool('zstd'), ['-t', '-q', join(ours, name)]);
      expect(check.code, check.stderr).toBe(0);
    }
    expectSameArchive(ours, names, (name) => readFileSync(join(plain, name.replace('.zst', ''))));
  });
});

const segmentStart = (name: string, segSize: number): bigint => {
  const perId = 0x1_0000_0000n / BigInt(segSize);
  return (BigInt(`0x${name.slice(8, 16)}`) * perId + BigInt(`0x${name.slice(16, 24)}`)) * BigInt(segSize);
};
