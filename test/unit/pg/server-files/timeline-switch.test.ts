import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  readNewestTimelineSwitch,
  timelineSwitchFromHistory,
} from '../../../../src/core/pg/server-files/timeline-switch.js';

describe('timeline switch', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ws-tli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes the last line of a history file', () => {
    const text = '1\t0/3000060\tno recovery target specified\n\n2\t0/50000A0\tno recovery target specified\n';
    expect(timelineSwitchFromHistory(3, text)).toEqual({ timeline: 3, previousTimeline: 2, startLsn: 0x50000a0n });
    expect(timelineSwitchFromHistory(1, '')).toBeUndefined();
  });

  it('is undefined without pg_wal or without history files', async () => {
    expect(await readNewestTimelineSwitch(dir)).toBeUndefined();
    await mkdir(join(dir, 'pg_wal'));
    await writeFile(join(dir, 'pg_wal', '000000010000000000000001'), '');
    expect(await readNewestTimelineSwitch(dir)).toBeUndefined();
  });

  it('picks the highest timeline in pg_wal', async () => {
    const wal = join(dir, 'pg_wal');
    await writeFile(join(wal, '00000002.history'), '1\t0/3000060\tno recovery target specified\n');
    await writeFile(join(wal, '0000000A.history'), '1\t0/3000060\tx\n2\t0/4000000\ty\n9\t1/A0\tz\n');
    await writeFile(join(wal, '0000000B.history.tmp'), 'garbage');
    expect(await readNewestTimelineSwitch(dir)).toEqual({ timeline: 10, previousTimeline: 9, startLsn: 0x1000000a0n });
  });
});
