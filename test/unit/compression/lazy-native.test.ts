import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// Runs the built modules (dist/, from `npm run build`) in a fresh Node process, because
// what a process has loaded is only observable from inside a process of its own.
const codecUrl = pathToFileURL(resolve('dist/core/compression/codec.js')).href;
let dir: string;

beforeAll(async () => {
  if (!existsSync(resolve('dist/core/compression/codec.js'))) throw new Error('dist/ is missing: run npm run build');
  dir = await mkdtemp(join(tmpdir(), 'ws-lazy-'));
  // A real module-resolution failure for lz4-napi, as in an executable built without it.
  await writeFile(join(dir, 'hooks.mjs'), `export async function resolve(specifier, context, next) {
  if (specifier === 'lz4-napi') throw Object.assign(new Error("Cannot find package 'lz4-napi'"), { code: 'ERR_MODULE_NOT_FOUND' });
  return next(specifier, context);
}\n`);
  await writeFile(join(dir, 'register.mjs'), `import { register } from 'node:module';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});\n`);
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
});
