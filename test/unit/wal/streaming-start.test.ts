import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { compressFrameSync } from 'lz4-napi';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findStreamingStart, parseReceiverFileName } from '../../../src/core/wal/streaming-start.js';
import { requireTool } from '../../harness/pg/index.js';

const MB = 1024 * 1024;
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'ws-start-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const put = (name: string, data: Buffer | number): void =>
  writeFileSync(join(dir, name), typeof data === 'number' ? Buffer.alloc(data) : data);

describe('findStreamingStart (pg_receivewal\'s rules)', () => {
  it('nothing usable: no start', async () => {
    put('README', 10);
    put('00000001000000000000000A.backup', 10);
    put('00000002.history', 10);
    put('00000001000000000000000a', MB); // lower-case: not a WAL name
    const scan = await findStreamingStart(dir, MB);
    expect(scan.start).toBeUndefined();
    expect(scan.segments).toEqual([]);
  });

  it('after the highest complete segment; at the start of a partial one', async () => {
    put('000000010000000000000003', MB);
    put('000000010000000000000004', MB);
    expect((await findStreamingStart(dir, MB)).start).toMatchObject({ lsn: 5n * BigInt(MB), timeline: 1 });
    put('000000010000000000000005.partial', MB);
    expect((await findStreamingStart(dir, MB)).start).toMatchObject({ lsn: 5n * BigInt(MB), timeline: 1 });
  });

  it('higher segment, then higher timeline, then complete over partial', async () => {
    put('000000010000000000000007.partial', MB);
    put('000000020000000000000007.partial', MB);
    put('000000020000000000000006', MB);
    let scan = await findStreamingStart(dir, MB);
    expect(scan.start?.basis.name).toBe('000000020000000000000007.partial');
    expect(scan.start).toMatchObject({ lsn: 7n * BigInt(MB), timeline: 2 });
    put('000000020000000000000007', MB);
    scan = await findStreamingStart(dir, MB);
    expect(scan.start).toMatchObject({ lsn: 8n * BigInt(MB), timeline: 2 });
  });

  it('skips completed files of the wrong size with pg_receivewal\'s warnings', async () => {
    put('000000010000000000000002', MB);
    put('000000010000000000000003', 4096);
    put('000000010000000000000004.gz', gzipSync(Buffer.alloc(1000)));
    const scan = await findStreamingStart(dir, MB);
    expect(scan.skipped.map((s) => s.warning)).toEqual([
      'segment file "000000010000000000000003" has incorrect size 4096, skipping',
      'compressed segment file "000000010000000000000004.gz" has incorrect uncompressed size 1000, skipping',
    ]);
    expect(scan.start).toMatchObject({ lsn: 3n * BigInt(MB) });
  });

  it('compressed completed segments count by their uncompressed size (gzip, multi-frame lz4 and zstd)', async () => {
    const half = Buffer.alloc(MB / 2, 1);
    put('000000010000000000000002.gz', gzipSync(Buffer.alloc(MB, 1)));
    put('000000010000000000000003.lz4', Buffer.concat([compressFrameSync(half), compressFrameSync(half)]));
    const zst = join(dir, 'tmp.bin');
    writeFileSync(zst, half);
    const frame = execFileSync(requireTool('zstd'), ['-q', '-c', zst]);
    rmSync(zst);
    put('000000010000000000000004.zst', Buffer.concat([frame, frame]));
    const scan = await findStreamingStart(dir, MB);
    expect(scan.skipped).toEqual([]);
    expect(scan.start).toMatchObject({ lsn: 5n * BigInt(MB) });
  });

  it('a truncated LZ4 or zstd file is skipped, not fatal', async () => {
    const frame = compressFrameSync(Buffer.alloc(MB, 3));
    put('000000010000000000000009.lz4', frame.subarray(0, frame.length - 3));
    const scan = await findStreamingStart(dir, MB);
    expect(scan.skipped[0]?.warning).toBe(
      'compressed segment file "000000010000000000000009.lz4" has incorrect uncompressed size -1, skipping',
    );
  });

  it('parses only the names pg_receivewal recognises', () => {
    expect(parseReceiverFileName('000000010000000000000003.gz.partial', MB)).toMatchObject({ partial: true, compression: 'gzip' });
    expect(parseReceiverFileName('000000010000000000000003.zst', MB)).toMatchObject({ partial: false, compression: 'zstd' });
    expect(parseReceiverFileName('000000010000000000000003.partial.gz', MB)).toBeUndefined();
    expect(parseReceiverFileName('000000010000000000000003.tmp', MB)).toBeUndefined();
    expect(parseReceiverFileName('000000000000000000000003', MB)).toBeUndefined(); // timeline 0
    expect(parseReceiverFileName('000000010000000000001000', MB)).toBeUndefined(); // 4 GB / 1 MB segments
  });
});
