import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../../src/tools/archivecleanup/cli.js';
import { captureIO } from '../../../harness/capture-io.js';
import { requireTool, toolUnavailableReason } from '../../../harness/pg/require-pg.js';

// Debian's pg_archivecleanup 15 is the oracle: the same archive is built twice, both tools
// run with the same arguments, and the remaining files, the -n output, the -d lines, the
// error messages and the exit statuses must agree.
// Found by the harness, so the CI rule applies: under CI=true a missing oracle fails the run.
const haveOracle = toolUnavailableReason('pg_archivecleanup') === undefined;
const oracle = (): string => requireTool('pg_archivecleanup');

const plainNames = [
  '000000010000000000000001', '000000010000000000000002', '00000001000000000000000F',
  '000000010000000100000000', '0000000100000000000000FE', '000000020000000000000003',
  '000000020000000000000004', '000000030000000000000002', '000000010000000000000010',
  '000000010000000000000011', '000000020000000000000010',
  '000000010000000000000003.partial', '000000010000000000000010.partial', '000000020000000000000011.partial',
  '000000010000000000000002.00000028.backup', '000000010000000000000010.00000020.backup',
  '000000010000000000000011.00000060.backup', '00000002.history', '00000003.history',
  '00000000000000000000000a', '0000000100000000000000', '0000000100000000000000011', 'RECOVERYHISTORY',
  'archive_status', 'readme.txt', '.warmstandby-system-identifier',
  '.000000010000000000000001.123.0123456789ab.tmp', '000000010000000000000001.bak',
  '000000010000000000000001.partial.bak', '000000010000000000000001.tmp.partial',
];
const compressedNames = [
  '000000010000000000000004.gz', '000000010000000000000005.lz4', '000000010000000000000006.zst',
  '000000010000000000000007.partial.gz', '000000010000000000000008.gz.partial', '000000010000000000000012.gz',
  '000000010000000000000002.00000028.backup.gz',
];

let root: string;
let counter = 0;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'ws-ac-oracle-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const makeArchive = async (names: readonly string[]): Promise<string> => {
  counter += 1;
  const dir = join(root, `a${counter}`);
  await mkdir(dir);
  for (const name of names) await writeFile(join(dir, name), name);
  return dir;
};

interface Outcome { status: number; stdout: string[]; stderr: string[]; remaining: string[] }

const runOracle = async (dir: string, args: (dir: string) => string[]): Promise<Outcome> => {
  const result = spawnSync(oracle(), args(dir), { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return {
    status: result.status ?? -1,
    stdout: lines(result.stdout, dir),
    stderr: lines(result.stderr.replaceAll('pg_archivecleanup', 'TOOL'), dir),
    remaining: existsSync(dir) ? (await readdir(dir)).sort() : [],
  };
};

const runOurs = async (dir: string, args: (dir: string) => string[]): Promise<Outcome> => {
  const io = captureIO(root);
  const status = await main(args(dir), io);
  return {
    status,
    stdout: lines(io.out(), dir),
    stderr: lines(io.err().replaceAll('archivecleanup', 'TOOL'), dir),
    remaining: existsSync(dir) ? (await readdir(dir)).sort() : [],
  };
};

/** Sorted lines with the archive path made neutral (both archives are built separately). */
const lines = (text: string, dir: string): string[] =>
  text.split('\n').filter((l) => l !== '').map((l) => l.replaceAll(dir, 'ARCHIVE')).sort();

const compare = async (names: readonly string[], args: (dir: string) => string[], ourExtra: string[] = []) => {
  const theirs = await runOracle(await makeArchive(names), args);
  const ours = await runOurs(await makeArchive(names), (d) => [...ourExtra, ...args(d)]);
  expect(ours).toEqual(theirs);
  return ours;
};

const cases: [string, (dir: string) => string[]][] = [
  ['a segment name', (d) => [d, '000000010000000000000010']],
  ['a segment of another timeline', (d) => [d, '000000030000000000000010']],
  ['a .partial name', (d) => [d, '000000010000000000000010.partial']],
  ['a .backup name', (d) => [d, '000000010000000000000010.00000020.backup']],
  ['a .backup name with a short offset', (d) => [d, '000000010000000000000010.20.backup']],
  ['the first segment (nothing older)', (d) => [d, '000000010000000000000000']],
  ['a far cutoff', (d) => [d, 'FFFFFFFFFFFFFFFFFFFFFFFF']],
  ['-n', (d) => ['-n', d, '000000010000000000000010']],
  ['-d', (d) => ['-d', d, '000000010000000000000011']],
  ['-d -n', (d) => ['-d', '-n', d, '00000001000000000000000F']],
  ['-x on the argument', (d) => ['-n', '-x', '.gz', d, '000000010000000000000010.gz']],
  ['-x .bak', (d) => ['-x', '.bak', d, '000000010000000000000010']],
  ['options after the arguments', (d) => [d, '000000010000000000000010', '-n']],
  ['an invalid name', (d) => [d, '00000001000000000000001']],
  ['a history file name', (d) => [d, '00000002.history']],
  ['lower-case hex', (d) => [d, '00000001000000000000001a']],
  ['a .backup name without an offset', (d) => [d, '000000010000000000000010.backup']],
  ['a .backup name with a bad offset', (d) => [d, '000000010000000000000010.zz.backup']],
  ['a missing archive', (d) => [`${d}-missing`, '000000010000000000000010']],
  ['no arguments', () => []],
  ['one argument', (d) => [d]],
  ['three arguments', (d) => [d, '000000010000000000000010', 'extra']],
];

describe.skipIf(!haveOracle)('archivecleanup against pg_archivecleanup 15', () => {
  it.each(cases)('%s: same files removed, same output and status', async (_title, args) => {
    await compare(plainNames, args);
  });

  it.each(cases)('%s, compressed files present, --no-compressed: identical', async (_title, args) => {
    await compare([...plainNames, ...compressedNames], args, ['--no-compressed']);
  });

  it('-x .gz removes the same .gz files as pg_archivecleanup', async () => {
    const names = [...plainNames, ...compressedNames.filter((n) => n.endsWith('.gz'))];
    const ours = await compare(names, (d) => ['-x', '.gz', d, '000000010000000000000010']);
    expect(ours.remaining).not.toContain('000000010000000000000004.gz');
    expect(ours.remaining).toContain('000000010000000000000012.gz');
  });

  it('an unknown option exits 2 like getopt', async () => {
    const theirs = await runOracle(await makeArchive([]), (d) => ['-z', d, '000000010000000000000010']);
    const ours = await runOurs(await makeArchive([]), (d) => ['-z', d, '000000010000000000000010']);
    expect([ours.status, theirs.status]).toEqual([2, 2]);
  });

  it('an unreadable archive exits 1 with the same message', async () => {
    if (process.getuid?.() === 0) {
      // root reads any directory; a file in the directory's place gives the same I/O path.
      const file = join(root, 'not-a-dir');
      await writeFile(file, '');
      const theirs = spawnSync(oracle(), [file, '000000010000000000000010'], { encoding: 'utf8' });
      const io = captureIO(root);
      const status = await main([file, '000000010000000000000010'], io);
      expect([status, io.err().replace('archivecleanup:', 'TOOL:')]).toEqual([
        theirs.status, theirs.stderr.replace('pg_archivecleanup:', 'TOOL:'),
      ]);
    }
  });
});
