import { builtinModules } from 'node:module';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { compressBuffer } from '../../../src/core/compression/codec.js';
import { segmentFileName } from '../../../src/core/wal/segment-name.js';
import { acknowledgedInSpool } from '../../../src/tools/archivewal/acknowledged.js';
import { cacheFileOf, compileBundle } from '../../../src/tools/cached-bundle.js';
import { servedFromSpool } from '../../../src/tools/restorewal/served-from-spool.js';
import { makeSegment, SYSID } from '../../unit/tools/archive-hooks/wal-fixtures.js';
import { REPO_ROOT, runShim, type ShimOutcome } from './run-shim.js';

// The hooks' most frequent answers come from small CommonJS bundles in dist/quick/ (built by
// scripts/bundle-quick-paths.mjs), loaded by the bin/ shims before the tool itself. They are
// only quick if they stay small and self-contained, and only safe if they answer exactly as
// the tool does.
const quickDir = join(REPO_ROOT, 'dist', 'quick');
const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'ws-quick-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const shim = (tool: string, args: string[]): Promise<ShimOutcome> => runShim(tool, args, { cwd: work });

/** The bundles that hold a whole tool, loaded by its shim through cached-bundle.cjs. */
const WHOLE_TOOLS = [
  'archivecleanup.cjs', 'archivewal-full.cjs', 'basebackup.cjs', 'live-restore.cjs', 'promote.cjs', 'receivewal.cjs', 'replstatus.cjs',
  'restorewal-full.cjs',
];

describe('dist/quick bundles', () => {
  it('exist for archivewal, restorewal and replstatus, and require only Node built-ins and each other', () => {
    const files = readdirSync(quickDir).filter((file) => file.endsWith('.cjs')).sort();
    expect(files).toEqual([
      'archivecleanup.cjs', 'archivewal-full.cjs', 'archivewal-hook.cjs', 'archivewal.cjs', 'basebackup.cjs', 'cached-bundle.cjs',
      'live-restore.cjs', 'promote.cjs', 'receivewal.cjs', 'replstatus.cjs', 'restorewal-compressed.cjs', 'restorewal-full.cjs',
      'restorewal-hook.cjs', 'restorewal-object.cjs', 'restorewal-plain.cjs', 'restorewal-spool.cjs',
    ]);
    // The hook bundles (the bin shims' bodies) route to their tool's other bundles (the whole
    // tool through the code-cache loader), and to nothing else.
    const siblings = (file: string): string[] => {
      if (!file.endsWith('-hook.cjs')) return [];
      const tool = file.split('-')[0] ?? '';
      return files.filter((other) => other.startsWith(tool) && !other.endsWith('-hook.cjs') && !other.endsWith('-full.cjs'))
        .concat('cached-bundle.cjs').map((other) => `./${other}`);
    };
    for (const file of files) {
      const text = readFileSync(join(quickDir, file), 'utf8');
      const required = [...text.matchAll(/\brequire\("([^"]+)"\)/g)].map((m) => m[1]);
      expect(required.length).toBeGreaterThan(0);
      // aws4 (bundled into restorewal-object.cjs) asks for built-ins without the prefix.
      const outside = required.filter((name) => !name?.startsWith('node:') && !builtinModules.includes(name ?? ''));
      expect(outside.sort(), file).toEqual(siblings(file).sort());
      // Small enough that parsing it costs next to nothing at every start. A whole tool
      // (commander, chalk, the protocol, the tool) is bounded to catch a dependency slipping
      // in eagerly (cli-table3, SASLprep's tables), a hook's answer to stay small.
      expect(text.length, file).toBeLessThan(WHOLE_TOOLS.includes(file) ? 360 * 1024 : 64 * 1024);
    }
  });

  it('require the built-ins only some runs need (crypto, child_process, TLS, zlib, fs/promises) on first use', () => {
    for (const file of ['replstatus.cjs', 'archivewal.cjs', 'restorewal-object.cjs']) {
      const text = readFileSync(join(quickDir, file), 'utf8');
      expect(text, file).toMatch(/__lazyRequire\("node:crypto"\)/);
      expect(text, file).not.toMatch(/=require\("(node:)?(crypto|child_process|zlib|tls|https?|fs\/promises)"\)/);
    }
    // A file, not `node -e` (which loads node:crypto itself).
    const probe = join(work, 'probe.cjs');
    writeFileSync(probe, `require(${JSON.stringify(join(quickDir, 'replstatus.cjs'))});
      console.log(process.moduleLoadList.filter((m) => /^NativeModule (crypto|child_process|zlib|tls|fs\\/promises)$/.test(m)).join())`);
    const loaded = spawnSync(process.execPath, [probe], { encoding: 'utf8' });
    expect(loaded.status).toBe(0);
    expect(loaded.stdout.trim()).toBe('');
  });

  it.each(WHOLE_TOOLS)('ship %s with a V8 code cache that this Node accepts, for its shim\'s flags too', (name) => {
    const file = join(quickDir, name);
    // Under no flags (this worker has vitest's own, which would name another cache).
    expect(compileBundle(file, readFileSync(cacheFileOf(file, []))).cachedDataRejected).toBe(false);
    const flags = /^#!\/usr\/bin\/env -S (?:\S+=\S* )*node (.*)$/m.exec(readFileSync(join(REPO_ROOT, 'bin', name.replace(/(-full)?\.cjs$/, '')), 'utf8'))?.[1];
    if (flags === undefined) return;
    const probe = join(work, 'cache-probe.cjs');
    writeFileSync(probe, `const { compileBundle, cacheFileOf } = require(${JSON.stringify(join(quickDir, 'cached-bundle.cjs'))});
      const file = ${JSON.stringify(file)};
      console.log(compileBundle(file, require('node:fs').readFileSync(cacheFileOf(file))).cachedDataRejected);`);
    const checked = spawnSync(process.execPath, [...flags.split(' '), probe], { encoding: 'utf8' });
    expect(checked.stdout.trim(), checked.stderr).toBe('false');
  });

  // The streaming tools' shims keep glibc from handing freed heap back after every GC (bin/
  // basebackup says why); all ask for transparent huge pages for fresh memory (a segment's, a
  // compressed frame's: bin/restorewal). A caller's own tunables come after ours, so they win.
  it.each([
    ['basebackup', 'glibc.malloc.trim_threshold=33554432:glibc.malloc.hugetlb=1:'],
    ['receivewal', 'glibc.malloc.trim_threshold=33554432:glibc.malloc.hugetlb=1:'],
    ['restorewal', 'glibc.malloc.hugetlb=1'],
    ['archivewal', 'glibc.malloc.hugetlb=1'],
  ])('start %s with its glibc tunables, before the caller\'s', (tool, ours) => {
    const probe = join(work, 'env-probe.cjs');
    writeFileSync(probe, 'process.stderr.write(`tunables=${process.env.GLIBC_TUNABLES}\\n`);');
    const joined = ours.endsWith(':') ? ours : `${ours}:`;
    for (const [given, seen] of [[undefined, ours], ['glibc.malloc.top_pad=1', `${joined}glibc.malloc.top_pad=1`]] as const) {
      const env: NodeJS.ProcessEnv = { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: `--require ${probe}` };
      if (given !== undefined) env['GLIBC_TUNABLES'] = given;
      const run = spawnSync(join(REPO_ROOT, 'bin', tool), ['--version'], { encoding: 'utf8', env });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stderr).toContain(`tunables=${seen}\n`);
    }
  });

  it('leave rarely needed code to dynamic imports of dist/ modules that exist', () => {
    const text = readFileSync(join(quickDir, 'archivewal.cjs'), 'utf8');
    const imported = [...text.matchAll(/\bimport\("([^"]+)"\)/g)].map((m) => m[1] ?? '');
    expect(imported).toContain('./../core/compression/codec.js');
    for (const path of imported) expect(readdirSync(join(quickDir, path, '..'))).toContain(path.split('/').pop());
  });
});

describe('code caches that runs train (cached-bundle.cjs requireCached)', () => {
  const dir = join(work, 'trained');
  const bundle = join(dir, 'tool.cjs');
  // A bundle whose work happens in functions the top level does not call: what a build's
  // cache leaves for V8 to compile at run time.
  const source = (answer: number): string =>
    `const parse = (text) => text.split(',').map(Number);\nconst total = (values) => values.reduce((a, b) => a + b, 0);\n` +
    `module.exports.run = () => total(parse('1,2,${answer}'));\n`;
  // A fresh Node loading the bundle as a shim does: from a file, with no flags (`node -e`
  // and flags of its own would name another cache).
  const runner = join(dir, 'runner.cjs');
  const runBundle = (): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, [runner], { encoding: 'utf8' });
  const trainedFiles = (): string[] => readdirSync(dir).filter((name) => name.endsWith('.trained.v8cache'));
  const trained = (): string => join(dir, trainedFiles()[0] ?? 'none');
  const accepted = (file: string): boolean => compileBundle(bundle, readFileSync(file)).cachedDataRejected === false;

  it('the first run leaves a cache V8 accepts, later runs use it and leave it alone', () => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'cached-bundle.cjs'), readFileSync(join(quickDir, 'cached-bundle.cjs')));
    writeFileSync(bundle, source(3));
    writeFileSync(runner, `console.log(require('./cached-bundle.cjs').requireCached(${JSON.stringify(bundle)}).run());`);
    expect(runBundle()).toMatchObject({ status: 0, stdout: '6\n' });
    expect(trainedFiles()).toHaveLength(1);
    expect(accepted(trained())).toBe(true);
    const first = statSync(trained()).mtimeMs;
    expect(runBundle()).toMatchObject({ status: 0, stdout: '6\n' });
    expect(trainedFiles()).toHaveLength(1);
    expect(statSync(trained()).mtimeMs).toBe(first);
  });

  it('a rebuilt bundle does not use the old one: V8 would accept it for a source of the same length', () => {
    const old = trained();
    writeFileSync(bundle, source(4));
    // The danger: V8 compares lengths only, and would run the old bytecode.
    expect(accepted(old)).toBe(true);
    expect(runBundle()).toMatchObject({ status: 0, stdout: '7\n' });
    const fresh = trainedFiles().map((name) => join(dir, name)).filter((path) => path !== old);
    expect(fresh).toHaveLength(1);
    expect(accepted(fresh[0] ?? '')).toBe(true);
    rmSync(old);
    expect(runBundle()).toMatchObject({ status: 0, stdout: '7\n' });
  });

  it('a place it cannot write changes nothing: same answer, same status, no file left behind', () => {
    const path = trained();
    rmSync(path);
    mkdirSync(path);
    expect(runBundle()).toMatchObject({ status: 0, stdout: '7\n', stderr: '' });
    expect(readdirSync(dir).sort()).toEqual(['cached-bundle.cjs', 'runner.cjs', 'tool.cjs', path.split('/').pop()]);
    expect(readdirSync(path)).toEqual([]);
  });
});

describe('the shims answer as the tools do', () => {
  const archive = join(work, 'archive');
  const segment = segmentFileName(1, 3n, 16 * 1024 * 1024);

  it('restorewal: a file not in the archive is exit 1 without a word', async () => {
    rmSync(archive, { recursive: true, force: true });
    await run('mkdir', [archive]);
    expect(await shim('restorewal', [segment, join(work, 'RECOVERYXLOG'), archive])).toEqual({ code: 1, stdout: '', stderr: '' });
  });

  it('restorewal: that answer loads neither node:tty nor node:net, stderr a pipe or /dev/null', () => {
    // The most frequent hook answer: the terminal check must not load the socket stack.
    const probe = join(work, 'tty-probe.cjs');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(work, 'loaded'))},
      process.moduleLoadList.filter((m) => /^NativeModule (tty|net)$/.test(m)).join()));`);
    for (const stderr of ['pipe', 'ignore'] as const) {
      const run = spawnSync(join(REPO_ROOT, 'bin', 'restorewal'), [segment, join(work, 'RECOVERYXLOG'), archive], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', stderr],
        env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: `--require ${probe}` },
      });
      expect(run.status, stderr).toBe(1);
      expect(readFileSync(join(work, 'loaded'), 'utf8'), stderr).toBe('');
    }
  });

  it.each([
    { stored: 'plain', suffix: '', bundles: ['restorewal-plain.cjs'] },
    // Its add-on from the package npm installed for this platform (bundle-quick-paths.mjs).
    { stored: 'lz4', suffix: '.lz4', bundles: ['restorewal-compressed.cjs', 'lz4-napi.linux-x64-gnu.node'] },
    { stored: 'gzip', suffix: '.gz', bundles: ['restorewal-compressed.cjs'] },
  ] as const)('restorewal: a segment stored $stored is restored without loading the tool, silently', async ({ stored, suffix, bundles }) => {
    // restore_command runs in the data directory: pg_control names the system.
    const datadir = join(work, 'data');
    rmSync(datadir, { recursive: true, force: true });
    mkdirSync(join(datadir, 'pg_wal'), { recursive: true });
    mkdirSync(join(datadir, 'global'));
    const control = Buffer.alloc(8192);
    control.writeBigUInt64LE(BigInt(SYSID), 0);
    writeFileSync(join(datadir, 'global', 'pg_control'), control);
    const from = join(work, `archive-${stored}`);
    rmSync(from, { recursive: true, force: true });
    mkdirSync(from);
    const data = makeSegment({ name: segment, fill: 9 });
    writeFileSync(join(from, `${segment}${suffix}`), stored === 'plain' ? data : await compressBuffer(data, { method: stored, level: -1 }));
    const probe = join(work, 'bundles-probe.cjs');
    writeFileSync(probe, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(join(work, 'bundles'))},
      Object.keys(require.cache).map((path) => path.split('/').pop()).join()));`);
    const run = spawnSync(join(REPO_ROOT, 'bin', 'restorewal'), [segment, 'pg_wal/RECOVERYXLOG', from], {
      cwd: datadir,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', NODE_OPTIONS: `--require ${probe}` },
    });
    expect([run.status, run.stdout, run.stderr]).toEqual([0, '', '']);
    expect(readFileSync(join(datadir, 'pg_wal', 'RECOVERYXLOG')).equals(data)).toBe(true);
    expect(readdirSync(join(datadir, 'pg_wal'))).toEqual(['RECOVERYXLOG']);
    const loaded = readFileSync(join(work, 'bundles'), 'utf8').split(',');
    for (const bundle of bundles) expect(loaded).toContain(bundle);
    expect(loaded).not.toContain('restorewal-full.cjs');
  });

  it('restorewal: a bad name goes to the tool, which explains it (exit 2)', async () => {
    const outcome = await shim('restorewal', ['../etc/passwd', join(work, 'x'), archive]);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toMatch(/^restorewal: error: .*passwd/);
  });

  it('archivewal: a new segment is archived silently; pushed again, the tool says so once, exit 0', async () => {
    rmSync(archive, { recursive: true, force: true });
    await run('mkdir', [archive]);
    const source = join(work, segment);
    writeFileSync(source, makeSegment({ name: segment, fill: 1 }));
    expect(await shim('archivewal', [source, archive])).toEqual({ code: 0, stdout: '', stderr: '' });
    const again = await shim('archivewal', [source, archive]);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/is already archived as .* with identical content/g)).toHaveLength(1);
  });

  it('archivewal: other content under an archived name is an error with its hint, exit 1', async () => {
    // The error is thrown inside dist/quick/archivewal.cjs and reported by dist/: the hint
    // shows it was recognised as the toolkit's own error across the two copies of its class.
    const source = join(work, segment);
    writeFileSync(source, makeSegment({ name: segment, fill: 2 }));
    const outcome = await shim('archivewal', [source, archive]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^archivewal: error: Cannot archive ".*": the archive already holds .* different content\narchivewal: hint: The archived file was left untouched/);
    expect(readFileSync(join(archive, segment)).equals(makeSegment({ name: segment, fill: 1 })), 'archived segment unchanged').toBe(true);
  });

  it('archivewal: a file the quick path refuses is explained by the tool, exit 1', async () => {
    const before = readdirSync(archive);
    writeFileSync(join(work, 'notwal'), 'x');
    const outcome = await shim('archivewal', [join(work, 'notwal'), archive]);
    expect(outcome.code).toBe(1);
    expect(outcome.stderr).toMatch(/^archivewal: error: Cannot archive "notwal"/);
    expect(readdirSync(archive)).toEqual(before);
  });
});

// bin/archivewal is read by sh first: for a segment the --async pusher acknowledged, sh
// answers with one stat and never starts Node; anything else is exec'd to Node unchanged.
// `node` here is a stand-in on PATH that records its start and exits 42, so each case shows
// which of the two answered. sh may only answer where the tool's own test would.
describe('bin/archivewal: sh answers an acknowledged --async segment without Node', () => {
  const name = segmentFileName(1, 0x4Bn, 16 * 1024 * 1024); // letters too: the case test needs them
  const dir = join(work, 'ack');
  const fakeNode = join(dir, 'fake-bin');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${fakeNode}:${process.env['PATH'] ?? ''}` });
  const setUp = (): void => {
    mkdirSync(join(dir, 'spool', `${name.slice(0, 23)}9.ok`), { recursive: true }); // a directory, not an acknowledgement
    mkdirSync(fakeNode, { recursive: true });
    writeFileSync(join(fakeNode, 'node'), '#!/bin/sh\nexit 42\n', { mode: 0o755 });
    for (const ok of [name, `${name}.partial`, name.toLowerCase()]) writeFileSync(join(dir, 'spool', `${ok}.ok`), '');
  };
  const archive = join(dir, 'archive');
  const cases: Array<[string, 'sh' | 'node', string[]]> = [
    ['the documented form', 'sh', ['--async', '--spool', 'spool', `pg_wal/${name}`, archive]],
    ['with the pusher\'s options', 'sh', ['--async', '--spool=spool', '--jobs', '4', '-Z', 'lz4', '--idle-exit=2', '--timeout', '60', `pg_wal/${name}`, archive]],
    ['options in another order, an absolute spool', 'sh', ['--spool', join(dir, 'spool'), '-j', '2', '--async', name, archive]],
    ['no acknowledgement', 'node', ['--async', '--spool', 'spool', `pg_wal/${name.slice(0, 23)}7`, archive]],
    ['an acknowledgement that is a directory', 'node', ['--async', '--spool', 'spool', `pg_wal/${name.slice(0, 23)}9`, archive]],
    ['no --async', 'node', ['--spool', 'spool', `pg_wal/${name}`, archive]],
    ['an empty spool', 'node', ['--async', '--spool=', `pg_wal/${name}`, archive]],
    ['an option sh does not know', 'node', ['--async', '--spool', 'spool', '--verbose', `pg_wal/${name}`, archive]],
    ['a third operand', 'node', ['--async', '--spool', 'spool', `pg_wal/${name}`, archive, 'x']],
    ['one operand', 'node', ['--async', '--spool', 'spool', `pg_wal/${name}`]],
    ['a .partial name (the tool answers those)', 'node', ['--async', '--spool', 'spool', `pg_wal/${name}.partial`, archive]],
    ['lower-case hex', 'node', ['--async', '--spool', 'spool', `pg_wal/${name.toLowerCase()}`, archive]],
    ['a name ending in a slash', 'node', ['--async', '--spool', 'spool', `pg_wal/${name}/`, archive]],
    ['--version', 'node', ['--version']],
  ];

  it.each(cases)('%s: answered by %s', async (_what, who, args) => {
    setUp();
    const outcome = await runShim('archivewal', args, { cwd: dir, env: env() });
    expect(outcome.code).toBe(who === 'sh' ? 0 : 42);
    expect(outcome.stdout + outcome.stderr).toBe('');
    // Where sh answers, the tool's own quick test acknowledges the same segment.
    if (who === 'sh') expect(acknowledgedInSpool(args, dir)).toBe(name);
  });

  // Not acknowledged yet, but PostgreSQL marked it .ready and the pusher runs: sh waits for
  // the pusher's answer as the tool does, and leaves every other outcome to Node.
  const waits: Array<[string, 0 | 42, (spool: string, ready: string) => void, string[]?]> = [
    ['acknowledged while sh waits', 0, (spool) => setTimeout(() => writeFileSync(join(spool, `${name}.ok`), ''), 300)],
    ['an error recorded while sh waits', 42, (spool) => setTimeout(() => writeFileSync(join(spool, `${name}.error`), 'refused\n'), 300)],
    ['an error recorded before', 42, (spool) => writeFileSync(join(spool, `${name}.error`), 'refused\n')],
    ['never acknowledged', 42, () => undefined],
    ['--timeout given (Node keeps it exactly)', 42, (spool) => setTimeout(() => writeFileSync(join(spool, `${name}.ok`), ''), 300), ['--timeout', '30']],
    ['not marked .ready', 42, (spool, ready) => {
      rmSync(ready);
      setTimeout(() => writeFileSync(join(spool, `${name}.ok`), ''), 300);
    }],
    ['no pusher running', 42, (spool) => {
      writeFileSync(join(spool, 'pusher.pid'), `${spawnSync('true').pid}\n`);
      setTimeout(() => writeFileSync(join(spool, `${name}.ok`), ''), 300);
    }],
  ];
  it.each(waits)('not acknowledged yet, %s: exit %s', async (_what, code, change, extra = []) => {
    const base = mkdtempSync(join(work, 'wait-'));
    const spool = join(base, 'spool');
    mkdirSync(spool);
    mkdirSync(join(base, 'pg_wal', 'archive_status'), { recursive: true });
    const ready = join(base, 'pg_wal', 'archive_status', `${name}.ready`);
    writeFileSync(ready, '');
    writeFileSync(join(spool, 'pusher.pid'), `${process.pid}\n`); // a live process stands for the pusher
    setUp();
    change(spool, ready);
    const outcome = await runShim('archivewal', ['--async', '--spool', 'spool', ...extra, `pg_wal/${name}`, archive], { cwd: base, env: env() });
    expect(outcome.code).toBe(code);
    expect(outcome.stdout + outcome.stderr).toBe('');
  });

  it('is still a CommonJS file to Node (`node bin/archivewal`)', () => {
    const result = spawnSync(process.execPath, [join(REPO_ROOT, 'bin', 'archivewal'), '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^archivewal \(warmstandby\) /);
  });
});

// `TOOL --help` is printed from the text the build rendered with the tool's own parser
// (dist/quick/TOOL.help, src/tools/help-answer.ts): it must be the text the tool renders
// now, whatever the environment, and come without loading the tool.
describe('--help from the rendered text', () => {
  const tools = readdirSync(join(REPO_ROOT, 'bin')).filter((name) => !['package.json', 'warmstandby'].includes(name));
  // PG* defaults, colour forced, another terminal width: none may change the text.
  const otherEnv = { ...process.env, PGHOST: '/elsewhere', PGPORT: '6543', PGUSER: 'someone', FORCE_COLOR: '1', COLUMNS: '40' };

  it.each(tools)('%s: the same text as the tool renders, for --help and -?', async (tool) => {
    const live = await runShim('warmstandby', [tool, '--help'], { env: otherEnv });
    expect(live.code).toBe(0);
    expect(live.stdout).toMatch(new RegExp(`^Usage: ${tool} `, 'm'));
    for (const flag of ['--help', '-?']) {
      expect(await runShim(tool, [flag], { env: otherEnv })).toEqual(live);
    }
    expect(readFileSync(join(quickDir, `${tool}.help`), 'utf8')).toBe(live.stdout);
  });

  it.each(tools)('%s: answered by the shim alone (its tool\'s bundles absent)', async (tool) => {
    // A copy of the shim with only the files its route reads first: no tool to load.
    const copy = mkdtempSync(join(work, 'help-'));
    mkdirSync(join(copy, 'bin'));
    mkdirSync(join(copy, 'dist', 'quick'), { recursive: true });
    for (const file of ['package.json', tool]) writeFileSync(join(copy, 'bin', file), readFileSync(join(REPO_ROOT, 'bin', file)), { mode: 0o755 });
    for (const file of ['cached-bundle.cjs', `${tool}-hook.cjs`, `${tool}.help`].filter((f) => readdirSync(quickDir).includes(f))) {
      writeFileSync(join(copy, 'dist', 'quick', file), readFileSync(join(quickDir, file)));
    }
    const help = await runShim(tool, ['--help'], { cwd: copy });
    const shimmed = await run(join(copy, 'bin', tool), ['--help']);
    expect(shimmed.stdout).toBe(help.stdout);
    // Any other argument list needs the tool, which this copy does not have.
    await expect(run(join(copy, 'bin', tool), ['--help', '--verbose'])).rejects.toThrow(/Cannot find module|no such file or directory/);
  });
});

// bin/restorewal is read by sh first: with --prefetch, a segment the running prefetcher holds
// is served by sh (renamed to %p, directory synced, request recorded) as served-from-spool.ts
// serves it; anything else is exec'd to Node unchanged. `node` here is a stand-in on PATH
// that exits 42 without touching anything, so each case shows which of the two answered.
describe('bin/restorewal: sh serves a prefetched segment without Node', () => {
  const name = segmentFileName(1, 0x4Bn, 16 * 1024 * 1024);
  const content = Buffer.alloc(64 * 1024, 7);
  const fakeNode = join(work, 'fake-node-bin');
  const env = (): NodeJS.ProcessEnv => ({ ...process.env, PATH: `${fakeNode}:${process.env['PATH'] ?? ''}` });
  const deadPid = spawnSync('true').pid;
  /** A standby's data directory with a spool holding `name`, its prefetcher `pid`. */
  const fixture = (pid: number | undefined = process.pid): string => {
    const dir = mkdtempSync(join(work, 'spool-'));
    mkdirSync(join(dir, 'spool'));
    mkdirSync(join(dir, 'pg_wal'));
    mkdirSync(join(dir, 'pg_wal', 'adir'));
    writeFileSync(join(dir, 'spool', name), content);
    if (pid !== undefined) writeFileSync(join(dir, 'spool', 'prefetcher.pid'), `${pid}\n`);
    mkdirSync(fakeNode, { recursive: true });
    writeFileSync(join(fakeNode, 'node'), '#!/bin/sh\nexit 42\n', { mode: 0o755 });
    return dir;
  };
  const served = ['--prefetch', '8', '--spool', 'spool', name, 'pg_wal/RECOVERYXLOG', '/archive'];
  const cases: Array<[string, 'sh' | 'node', string[], ((dir: string) => void)?]> = [
    ['the documented form', 'sh', served],
    ['inline values and --idle-exit', 'sh', ['--prefetch=4', '--spool=spool', '--idle-exit', '30', name, 'pg_wal/RECOVERYXLOG', 's3://b/p']],
    ['no --prefetch', 'node', ['--spool', 'spool', name, 'pg_wal/RECOVERYXLOG', '/archive']],
    ['an option sh does not know', 'node', [...served.slice(0, 4), '--verbose', ...served.slice(4)]],
    ['two operands', 'node', served.slice(0, -1)],
    ['a history file', 'node', [...served.slice(0, 4), '00000002.history', 'pg_wal/RECOVERYHISTORY', '/archive']],
    ['a segment the spool lacks', 'node', [...served.slice(0, 4), `${name.slice(0, 23)}C`, 'pg_wal/RECOVERYXLOG', '/archive']],
    ['a target that is a directory', 'node', [...served.slice(0, 5), 'pg_wal/adir', '/archive']],
    ['a target in no directory', 'node', [...served.slice(0, 5), 'pg_wal/none/RECOVERYXLOG', '/archive']],
    ['no prefetcher running', 'node', served, (dir) => writeFileSync(join(dir, 'spool', 'prefetcher.pid'), `${deadPid}\n`)],
    ['no pid file', 'node', served, (dir) => rmSync(join(dir, 'spool', 'prefetcher.pid'))],
    ['a segment that is a link', 'node', served, (dir) => {
      rmSync(join(dir, 'spool', name));
      writeFileSync(join(dir, 'elsewhere'), content);
      symlinkSync(join(dir, 'elsewhere'), join(dir, 'spool', name));
    }],
  ];

  it.each(cases)('%s: answered by %s', async (_what, who, args, change) => {
    const dir = fixture();
    change?.(dir);
    const before = readdirSync(join(dir, 'spool')).sort();
    const outcome = await runShim('restorewal', args, { cwd: dir, env: env() });
    expect(outcome.stdout + outcome.stderr).toBe('');
    if (who === 'node') {
      expect(outcome.code).toBe(42);
      expect(readdirSync(join(dir, 'spool')).sort(), 'spool untouched').toEqual(before);
      expect(readdirSync(join(dir, 'pg_wal')), 'nothing restored').toEqual(['adir']);
      return;
    }
    expect(outcome.code).toBe(0);
    const target = join(dir, args[args.length - 2] ?? '');
    expect(readFileSync(target).equals(content)).toBe(true);
    expect(readdirSync(join(dir, 'spool')).sort()).toEqual(['prefetcher.pid', 'wanted']);
    expect(readFileSync(join(dir, 'spool', 'wanted'), 'utf8')).toBe(`${name} ${content.length}\n`);
    // The tool's own quick path serves the same request the same way.
    const twin = fixture();
    expect(servedFromSpool(args, twin)).toBe(0);
    expect(readFileSync(join(twin, 'spool', 'wanted'), 'utf8')).toBe(`${name} ${content.length}\n`);
  });

  it('syncs %p\'s directory unless %p is the server\'s scratch name, which the server syncs itself', async () => {
    // A `sync` ahead on PATH records what sh asks it to sync.
    const log = join(work, 'sync-calls');
    writeFileSync(join(fakeNode, 'sync'), `#!/bin/sh\necho "$@" >> ${log}\n`, { mode: 0o755 });
    try {
      for (const target of ['pg_wal/RECOVERYXLOG', `pg_wal/${name}`]) {
        rmSync(log, { force: true });
        const dir = fixture();
        const outcome = await runShim('restorewal', [...served.slice(0, 4), name, target, '/archive'], { cwd: dir, env: env() });
        expect(outcome.code).toBe(0);
        expect(readFileSync(join(dir, target)).equals(content)).toBe(true);
        expect(existsSync(log) ? readFileSync(log, 'utf8') : '', target).toBe(target === 'pg_wal/RECOVERYXLOG' ? '' : '-- pg_wal\n');
      }
    } finally {
      rmSync(join(fakeNode, 'sync'));
    }
  });

  // The prefetcher is still fetching the segment (NAME.fetching): sh, and the tool's quick
  // path, wait for it instead of fetching it a second time. Another process plays the
  // prefetcher, since the tool's quick path waits synchronously.
  const finishing: Array<[string, 'sh' | 'node', string]> = [
    ['published while the hook waits', 'sh', `sleep 0.3; mv later ${name}; rm ${name}.fetching`],
    ['the fetch fails (mark gone, no segment)', 'node', `sleep 0.3; rm later ${name}.fetching`],
  ];
  it.each(finishing)('a segment being fetched, %s: answered by %s', async (_what, who, prefetcher) => {
    const prepare = (): string => {
      const dir = fixture();
      const spool = join(dir, 'spool');
      rmSync(join(spool, name));
      writeFileSync(join(spool, 'later'), content);
      writeFileSync(join(spool, `${name}.fetching`), '');
      spawn('sh', ['-c', prefetcher], { cwd: spool, stdio: 'ignore' });
      return dir;
    };
    const dir = prepare();
    const outcome = await runShim('restorewal', served, { cwd: dir, env: env() });
    expect(outcome.stdout + outcome.stderr).toBe('');
    expect(outcome.code).toBe(who === 'sh' ? 0 : 42);
    if (who === 'sh') expect(readFileSync(join(dir, 'pg_wal', 'RECOVERYXLOG')).equals(content)).toBe(true);
    const twin = prepare();
    expect(servedFromSpool(served, twin)).toBe(who === 'sh' ? 0 : undefined);
  });
});
