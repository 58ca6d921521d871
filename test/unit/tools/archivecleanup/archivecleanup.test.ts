import { writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../../src/tools/archivecleanup/cli.js';
import { backupHistoryText } from '../archive-hooks/wal-fixtures.js';
import { captureIO } from '../../../harness/capture-io.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ws-ac-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const fill = async (files: Record<string, string>): Promise<void> => {
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
};
const run = async (args: string[]) => {
  const io = captureIO(dir);
  const status = await main(args, io);
  return { status, out: io.out(), err: io.err(), remaining: (await readdir(dir)).sort() };
};

describe('compressed archives', () => {
  it('removes compressed segments and partials older than the cutoff by default', async () => {
    await fill({
      '000000010000000000000001.gz': 'x', '000000010000000000000002.lz4': 'x', '000000010000000000000003.zst': 'x',
      '000000010000000000000004.partial.gz': 'x', '000000010000000000000005.gz.partial': 'x',
      '000000010000000000000009.gz': 'x', '000000010000000000000009.zst': 'x', '00000001000000000000000A.gz': 'x',
      '000000010000000000000001.bz2': 'x', '000000010000000000000001.gz.bak': 'x', '00000002.history': 'x',
    });
    const { status, remaining } = await run([dir, '000000010000000000000009']);
    expect(status).toBe(0);
    expect(remaining).toEqual([
      '000000010000000000000001.bz2', '000000010000000000000001.gz.bak', '000000010000000000000009.gz',
      '000000010000000000000009.zst', '00000001000000000000000A.gz', '00000002.history',
    ]);
  });

  it('--no-compressed leaves them alone', async () => {
    await fill({ '000000010000000000000001.gz': 'x', '000000010000000000000001': 'x' });
    expect((await run(['--no-compressed', dir, '000000010000000000000009'])).remaining).toEqual([
      '000000010000000000000001.gz',
    ]);
  });
});

describe('-b, --clean-backup-history (PostgreSQL 17)', () => {
  it('removes older backup history files and keeps the cutoff one', async () => {
    await fill({
      '000000010000000000000002.00000028.backup': 'x', '000000010000000000000010.00000020.backup': 'x',
      '000000010000000000000010': 'x', '00000001000000000000000F': 'x', '00000002.history': 'x',
    });
    const { remaining } = await run(['--clean-backup-history', dir, '000000010000000000000010.00000020.backup']);
    expect(remaining).toEqual(['000000010000000000000010', '000000010000000000000010.00000020.backup', '00000002.history']);
  });
  it('without -b they stay', async () => {
    await fill({ '000000010000000000000002.00000028.backup': 'x' });
    expect((await run([dir, '000000010000000000000010'])).remaining).toEqual(['000000010000000000000002.00000028.backup']);
  });
});

describe('--latest-backup (cron)', () => {
  const archive = {
    '000000010000000000000002.00000028.backup': backupHistoryText('000000010000000000000002', '00000028', 'old'),
    '000000020000000000000007.00000060.backup': backupHistoryText('000000020000000000000007', '00000060', 'newest'),
    '000000010000000000000005.00000028.backup': backupHistoryText('000000010000000000000005', '00000028', 'middle'),
    '000000010000000000000001': 'x', '000000010000000000000006': 'x', '000000020000000000000006.partial': 'x',
    '000000020000000000000007': 'x', '000000020000000000000008': 'x', '00000002.history': 'x',
    '.warmstandby-system-identifier': '1\n',
  };

  it('keeps everything the newest base backup needs and says why with -n', async () => {
    await fill(archive);
    const { status, out, err, remaining } = await run(['--latest-backup', '-n', dir]);
    expect(status).toBe(0);
    expect(out.split('\n').filter(Boolean).sort()).toEqual(
      ['000000010000000000000001', '000000010000000000000006', '000000020000000000000006.partial'].map((n) => `${dir}/${n}`),
    );
    expect(err).toContain('newest backup history file is "000000020000000000000007.00000060.backup" (label "newest"');
    expect(err).toContain('WAL from 000000020000000000000007 on is needed');
    expect(err).toContain('would remove 3 file(s)');
    expect(remaining).toEqual(Object.keys(archive).sort());
  });

  it('removes for real, keeping the backup files, history and the system identifier file', async () => {
    await fill(archive);
    const { status, remaining } = await run(['--latest-backup', dir]);
    expect(status).toBe(0);
    expect(remaining).toEqual([
      '.warmstandby-system-identifier', '000000010000000000000002.00000028.backup',
      '000000010000000000000005.00000028.backup', '000000020000000000000007', '000000020000000000000007.00000060.backup',
      '000000020000000000000008', '00000002.history',
    ].sort());
  });

  it('with -b the older backup history files go too', async () => {
    await fill(archive);
    const { remaining } = await run(['--latest-backup', '-b', dir]);
    expect(remaining).toContain('000000020000000000000007.00000060.backup');
    expect(remaining).not.toContain('000000010000000000000005.00000028.backup');
  });

  it('refuses without a backup history file, removing nothing', async () => {
    await fill({ '000000010000000000000001': 'x' });
    const { status, err, remaining } = await run(['--latest-backup', dir]);
    expect(status).toBe(1);
    expect(err).toMatch(/Cannot choose a cutoff: no backup history file \(\*\.backup\)/);
    expect(remaining).toEqual(['000000010000000000000001']);
  });

  it('refuses a backup history file whose content disagrees with its name', async () => {
    await fill({ '000000010000000000000009.00000028.backup': backupHistoryText('000000010000000000000002', '00000028') });
    const { status, err } = await run(['--latest-backup', dir]);
    expect(status).toBe(1);
    expect(err).toMatch(/START WAL LOCATION does not name 000000010000000000000009/);
  });

  it('cannot be combined with an explicit cutoff', async () => {
    const { status, err } = await run(['--latest-backup', dir, '000000010000000000000009']);
    expect(status).toBe(2);
    expect(err).toMatch(/too many command-line arguments/);
  });
});

describe('--json', () => {
  it('reports the cutoff, the files removed and the bytes freed', async () => {
    await fill({ '000000010000000000000001': 'a'.repeat(100), '000000010000000000000002.gz': 'b'.repeat(20), '000000010000000000000003': '' });
    const { status, out } = await run(['--json', dir, '000000010000000000000003']);
    expect(status).toBe(0);
    const report = JSON.parse(out) as Record<string, unknown>;
    expect(report).toMatchObject({
      archive: dir, cutoff: '000000010000000000000003', cutoffSource: 'argument', dryRun: false,
      filesRemoved: 2, bytesFreed: 120,
    });
    expect((report['removed'] as string[]).sort()).toEqual(['000000010000000000000001', '000000010000000000000002.gz']);
  });

  it('with -n prints only the JSON document on stdout', async () => {
    await fill({ '000000010000000000000001': 'abc' });
    const { out, remaining } = await run(['--json', '-n', dir, '000000010000000000000003']);
    expect(JSON.parse(out)).toMatchObject({ dryRun: true, filesRemoved: 1, bytesFreed: 3 });
    expect(remaining).toEqual(['000000010000000000000001']);
  });
});

describe('many files', () => {
  it('handles 20,000 names in one pass', async () => {
    const names = Array.from({ length: 20_000 }, (_, i) => `00000001${i.toString(16).toUpperCase().padStart(16, '0')}`);
    for (const name of names) writeFileSync(join(dir, name), '');
    const started = performance.now();
    const { status, remaining } = await run([dir, names[15_000] ?? '']);
    expect(status).toBe(0);
    expect(remaining).toHaveLength(5_000);
    expect(remaining[0]).toBe(names[15_000]);
    expect(performance.now() - started).toBeLessThan(20_000);
  });
});

describe('temporary files of pushers that died', () => {
  it('removes a dead local pusher\'s old temporary (said with -d, listed in --json), not with -n', async () => {
    const { spawnSync } = await import('node:child_process');
    const { utimesSync } = await import('node:fs');
    const { tempHostTag } = await import('../../../../src/core/fs/temp-name.js');
    const pid = Number(spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString());
    const stale = `.000000010000000000000009.${tempHostTag()}.${pid}.0123456789ab.tmp`;
    await fill({ [stale]: 'partly copied', '000000010000000000000009': 'x' });
    const hourAgo = (Date.now() - 3_600_000) / 1000;
    utimesSync(join(dir, stale), hourAgo, hourAgo);
    expect((await run(['-n', dir, '000000010000000000000009'])).remaining).toContain(stale);
    const { status, err, out, remaining } = await run(['-d', '--json', dir, '000000010000000000000009']);
    expect(status).toBe(0);
    expect(remaining).toEqual(['000000010000000000000009']);
    expect(err).toContain(`removed stale temporary file "${dir}/${stale}"`);
    expect(JSON.parse(out)).toMatchObject({ staleTemporariesRemoved: [stale] });
  });
});
