import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compressBuffer } from '../../../src/core/compression/codec.js';
import { makeSegment } from '../tools/archive-hooks/wal-fixtures.js';

// Runs the built modules (dist/, from `npm run build`) in a fresh Node process, because
// what a process has loaded is only observable from inside a process of its own.
const codecUrl = pathToFileURL(resolve('dist/core/compression/codec.js')).href;
let dir: string;

beforeAll(async () => {
  if (!existsSync(resolve('dist/core/compression/codec.js'))) throw new Error('dist/ is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'ws-lazy-'));
  // A real module-resolution failure for lz4-napi, as in an executable built without it.
  // WS_TEST_MISSING names more packages to fail the same way.
  await writeFile(join(dir, 'hooks.mjs'), `export async function resolve(specifier, context, next) {
  const missing = ['lz4-napi', ...(process.env.WS_TEST_MISSING ?? '').split(',').filter(Boolean)];
  if (missing.includes(specifier)) throw Object.assign(new Error("Cannot find package '" + specifier + "'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`);
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
  // The bundles require() these modules (scripts/bundle-quick-paths.mjs), and an add-on from
  // its platform package first: the same failure for require(), the platform packages included.
  await writeFile(join(dir, 'require-hook.cjs'), `const Module = require('node:module');
const missing = ['lz4-napi', ...(process.env.WS_TEST_MISSING ?? '').split(',').filter(Boolean)];
const platformPackage = { 'lz4-napi': '@antoniomuso/lz4-napi-', '@node-rs/xxhash': '@node-rs/xxhash-' };
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (missing.some((name) => request === name || (platformPackage[name] !== undefined && request.startsWith(platformPackage[name])))) {
    throw Object.assign(new Error("Cannot find module '" + request + "'"), { code: 'MODULE_NOT_FOUND' });
  }
  return resolveFilename.call(this, request, ...rest);
};\n`);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (script: string, args: string[] = []): { status: number | null; stdout: string; stderr: string } => {
  const result = spawnSync(process.execPath, [...args, '--input-type=module', '-e', script], { encoding: 'utf8' });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('optional native modules', () => {
  it('importing the codecs loads neither lz4-napi nor the zstd wasm', () => {
    const result = run(`
      import { createRequire } from 'node:module';
      await import(${JSON.stringify(codecUrl)});
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify(loaded.filter((p) => /lz4|zstd|xxhash/.test(p))));
    `);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([]);
  });

  it('a missing lz4-napi fails lz4 with a clear error and leaves gzip working', () => {
    const result = run(
      `
      const { compressBuffer } = await import(${JSON.stringify(codecUrl)});
      const gz = await compressBuffer(Buffer.from('x'), { method: 'gzip', level: 1 });
      try {
        await compressBuffer(Buffer.from('x'), { method: 'lz4', level: 0 });
        console.log('lz4 worked');
      } catch (error) {
        console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint, gz: gz.length > 0 }));
      }
    `,
      ['--import', pathToFileURL(join(dir, 'register.mjs')).href],
    );
    expect(result.status).toBe(0);
    const outcome = JSON.parse(result.stdout) as { code: string; message: string; hint: string; gz: boolean };
    expect(outcome.code).toBe('compression-unavailable');
    expect(outcome.message).toMatch(/^Cannot use lz4 compression: the lz4-napi module could not be loaded \(Cannot find package 'lz4-napi'\)$/);
    expect(outcome.hint).toMatch(/gzip or zstd/);
    expect(outcome.gz).toBe(true);
  });

  // restorewal as PostgreSQL starts it (the shim, its bundles), on archived segments. An lz4
  // segment decompresses in JavaScript: no add-on is needed to restore it. One whose codec
  // cannot load is fatal (153), never "not in the archive" (1), which would let an
  // archive-only recovery end early as if the WAL had run out.
  it('restorewal restores lz4 without lz4-napi; a segment whose codec cannot load is fatal', async () => {
    const name = '000000010000000000000003';
    const segment = makeSegment({ name, fill: 0x5a });
    const archive = join(dir, 'archive');
    await mkdir(archive);
    await writeFile(join(archive, `${name}.lz4`), await compressBuffer(segment, { method: 'lz4', level: 0 }));
    const restore = (target: string, missing: string) => spawnSync(join(resolve('bin'), 'restorewal'), [name, target, archive], {
      encoding: 'utf8',
      cwd: dir,
      env: {
        PATH: process.env['PATH'] ?? '',
        WS_TEST_MISSING: missing,
        NODE_OPTIONS: `--import ${pathToFileURL(join(dir, 'register.mjs')).href} --require ${join(dir, 'require-hook.cjs')}`,
      },
    });
    const lz4 = restore(join(dir, 'from-lz4'), '');
    expect(lz4.status, lz4.stderr).toBe(0);
    expect((await readFile(join(dir, 'from-lz4'))).equals(segment)).toBe(true);

    await rm(join(archive, `${name}.lz4`));
    await writeFile(join(archive, `${name}.zst`), await compressBuffer(segment, { method: 'zstd', level: 1 }));
    const stuck = restore(join(dir, 'from-zstd'), '@bokuweb/zstd-wasm');
    expect(stuck.status, stuck.stderr).toBe(153);
    expect(stuck.stderr).toMatch(/zstd/);
    expect(existsSync(join(dir, 'from-zstd'))).toBe(false);
  });
});
