#!/usr/bin/env node
// Builds dist/warmstandby: one self-contained executable (Node's single-executable support).
// esbuild bundles src/tools/sea-main.ts into one CommonJS file; `node --experimental-sea-config`
// turns it into a blob; postject injects the blob into a copy of this node binary. Nothing is
// downloaded: esbuild and postject come from node_modules, the base binary is this node.
//
//   node scripts/build-exe.mjs [--out DIR] [--no-code-cache] [--no-strip]
//
// Native add-ons and the zstd WebAssembly module cannot be require()d from inside the
// executable (on Node 20 its require() loads only built-in modules), so they travel as SEA
// assets: an add-on is written into a private per-user directory and loaded with
// process.dlopen on first use (scripts/sea/embedded-addon.ts), and the wasm bytes are handed
// to the zstd module directly.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const { values: flags } = parseArgs({
  options: { out: { type: 'string' }, 'no-code-cache': { type: 'boolean' }, 'no-strip': { type: 'boolean' } },
});
const out = resolve(flags.out ?? join(root, 'dist'));
// V8's compiled code for the bundle, made at build time, saves parsing and compiling it at
// every start (docs/dev/single-executable.md has the measurements).
const useCodeCache = flags['no-code-cache'] !== true;
const work = join(out, 'sea');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** napi-rs packages whose platform binary is embedded: package → its .node file. */
const addonFiles = {
  'lz4-napi': require.resolve('@antoniomuso/lz4-napi-linux-x64-gnu/lz4-napi.linux-x64-gnu.node'),
  '@node-rs/crc32': require.resolve('@node-rs/crc32-linux-x64-gnu/crc32.linux-x64-gnu.node'),
  '@node-rs/xxhash': require.resolve('@node-rs/xxhash-linux-x64-gnu/xxhash.linux-x64-gnu.node'),
};
const addons = Object.entries(addonFiles).map(([module, file]) => {
  const bytes = readFileSync(file);
  return {
    module,
    file,
    asset: `${module.replace(/[@/]/g, '_')}.node`,
    digest: createHash('sha256').update(bytes).digest('hex').slice(0, 16),
    size: bytes.length,
    // Export names, so a static import can bind them before the add-on is loaded.
    names: Object.keys(require(module)),
  };
});
const zstdWasm = join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'zstd.wasm');
const assets = { 'zstd.wasm': zstdWasm, ...Object.fromEntries(addons.map((a) => [a.asset, a.file])) };

const loaderDir = join(root, 'scripts', 'sea');
/** The module that stands in for an add-on: loads it when the first export is touched. */
const lazyAddon = (addon) => {
  const spec = JSON.stringify({ module: addon.module, asset: addon.asset, digest: addon.digest, size: addon.size });
  return `const { loadEmbeddedAddon } = require('./embedded-addon.ts');
const spec = ${spec};
for (const name of ${JSON.stringify(addon.names)}) {
  Object.defineProperty(exports, name, { enumerable: true, get: () => loadEmbeddedAddon(spec)[name] });
}`;
};
/** For import('…'): load at once, so the caller's catch sees a failure (lz4.ts explains it). */
const eagerAddon = (addon) => {
  const spec = JSON.stringify({ module: addon.module, asset: addon.asset, digest: addon.digest, size: addon.size });
  return `const { loadEmbeddedAddon } = require('./embedded-addon.ts');
module.exports = loadEmbeddedAddon(${spec});`;
};

const seaPlugin = {
  name: 'warmstandby-sea',
  setup(b) {
    const byModule = new Map(addons.map((a) => [a.module, a]));
    const pattern = new RegExp(`^(${addons.map((a) => a.module.replace(/[/]/g, '\\/')).join('|')})$`);
    b.onResolve({ filter: pattern }, (args) => ({
      path: args.path,
      namespace: args.kind === 'dynamic-import' ? 'embedded-addon-eager' : 'embedded-addon-lazy',
    }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-addon-lazy' }, (args) => ({
      contents: lazyAddon(byModule.get(args.path)),
      loader: 'js',
      resolveDir: loaderDir,
    }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-addon-eager' }, (args) => ({
      contents: eagerAddon(byModule.get(args.path)),
      loader: 'js',
      resolveDir: loaderDir,
    }));
    // The zstd module reads its wasm next to its own file; inside the executable it is an asset.
    b.onLoad({ filter: /zstd-wasm[\\/]dist[\\/]common[\\/]index\.node\.js$/ }, (args) => {
      const source = readFileSync(args.path, 'utf8');
      const patched = source.replace(
        /yield readFile\(resolve\(__dirname, '\.\/zstd\.wasm'\)\)/,
        "Buffer.from(require('node:sea').getAsset('zstd.wasm'))",
      );
      if (patched === source) throw new Error('zstd-wasm changed its loader: update scripts/build-exe.mjs');
      return { contents: patched, loader: 'js' };
    });
  },
};

function stripCopy(from, to) {
  try {
    execFileSync('strip', ['-o', to, from], { stdio: ['ignore', 'ignore', 'pipe'] });
    return true;
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    return false;
  }
}

const bundle = join(work, 'warmstandby.cjs');
await build({
  entryPoints: [join(root, 'src/tools/sea-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  plugins: [seaPlugin],
  // Error classes are told apart by name (src/core/errors.ts): a bundle must not rename them.
  keepNames: true,
  logLevel: 'warning',
});

const blob = join(work, 'sea-prep.blob');
const seaConfig = join(work, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, useCodeCache, assets }, null, 2),
);
// Its "Wrote ... blob" line is noise; on failure the thrown error carries its stderr.
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'pipe'] });

const exe = join(out, 'warmstandby');
rmSync(exe, { force: true });
// Node's symbol table is 12 MB of the binary and no use on a database host; strip(1) comes
// with binutils where it is installed, and the copy stays as it is where it is not.
const stripped = flags['no-strip'] !== true && stripCopy(process.execPath, exe);
if (!stripped) copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// postject warns about ELF note sections it does not name; the result is checked below.
execFileSync(
  process.execPath,
  [
    require.resolve('postject/dist/cli.js'),
    exe,
    'NODE_SEA_BLOB',
    blob,
    '--sentinel-fuse',
    'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2',
  ],
  { stdio: ['ignore', 'ignore', 'pipe'] },
);
const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const answer = execFileSync(exe, ['--version'], { encoding: 'utf8' }).trim();
if (answer !== `warmstandby ${version}`) throw new Error(`${exe} --version answered "${answer}"`);
const notes = [`${(statSync(exe).size / 2 ** 20).toFixed(1)} MiB`, useCodeCache ? 'code cache' : 'no code cache'];
if (!stripped) notes.push(flags['no-strip'] === true ? 'not stripped' : 'not stripped: no strip(1) found');
process.stdout.write(`built ${exe} (${notes.join(', ')})\n`);
