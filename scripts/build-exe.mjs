#!/usr/bin/env node
// Builds dist/warmstandby: one self-contained executable (Node's single-executable support).
// esbuild bundles src/tools/sea-main.ts into one CommonJS file; `node --experimental-sea-config`
// turns it into a blob; postject injects the blob into a copy of this node binary.
//
// Native add-ons and the zstd WebAssembly module cannot be require()d from inside the
// executable (on Node 20 its require() loads only built-in modules), so they travel as SEA
// assets: at run time the add-on is written once into a private per-user directory and loaded
// with process.dlopen, and the wasm bytes are handed to the zstd module directly.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const out = join(root, 'dist');
const work = join(out, 'sea');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

/** napi-rs packages whose platform binary must be embedded: package → its .node file. */
const addons = {
  'lz4-napi': require.resolve('@antoniomuso/lz4-napi-linux-x64-gnu/lz4-napi.linux-x64-gnu.node'),
  '@node-rs/crc32': require.resolve('@node-rs/crc32-linux-x64-gnu/crc32.linux-x64-gnu.node'),
};
const zstdWasm = join(dirname(require.resolve('@bokuweb/zstd-wasm')), 'zstd.wasm');

const assets = { 'zstd.wasm': zstdWasm };
for (const [pkg, file] of Object.entries(addons)) assets[`${pkg.replace(/[@/]/g, '_')}.node`] = file;

// Runs inside the executable: loads an embedded add-on from a private directory of the user.
const loaderBanner = `
function __warmstandbyEmbeddedAddon(name) {
  const sea = require('node:sea'), fs = require('node:fs'), os = require('node:os');
  const path = require('node:path'), crypto = require('node:crypto');
  const bytes = Buffer.from(sea.getAsset(name));
  const uid = typeof process.getuid === 'function' ? process.getuid() : 0;
  const dir = path.join(os.tmpdir(), 'warmstandby-addons-' + uid);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = fs.lstatSync(dir);
  if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o077) !== 0) {
    throw new Error('Cannot load the embedded module ' + name + ': ' + dir + ' is not private to this user');
  }
  const digest = crypto.createHash('sha256').update(bytes).digest('hex').slice(0, 16);
  const file = path.join(dir, digest + '-' + name);
  if (!fs.existsSync(file)) {
    const tmp = file + '.' + process.pid + '.tmp';
    fs.writeFileSync(tmp, bytes, { mode: 0o700 });
    fs.renameSync(tmp, file);
  }
  const mod = { exports: {} };
  process.dlopen(mod, file);
  return mod.exports;
}`;

const seaPlugin = {
  name: 'warmstandby-sea',
  setup(b) {
    const pattern = new RegExp(`^(${Object.keys(addons).map((k) => k.replace(/[/]/g, '\\/')).join('|')})$`);
    b.onResolve({ filter: pattern }, (args) => ({ path: args.path, namespace: 'embedded-addon' }));
    b.onLoad({ filter: /.*/, namespace: 'embedded-addon' }, (args) => ({
      contents: `module.exports = __warmstandbyEmbeddedAddon(${JSON.stringify(`${args.path.replace(/[@/]/g, '_')}.node`)});`,
      loader: 'js',
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

const bundle = join(work, 'warmstandby.cjs');
await build({
  entryPoints: [join(root, 'src/tools/sea-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  outfile: bundle,
  banner: { js: loaderBanner },
  plugins: [seaPlugin],
  logLevel: 'warning',
});

const blob = join(work, 'sea-prep.blob');
const seaConfig = join(work, 'sea-config.json');
writeFileSync(
  seaConfig,
  JSON.stringify({ main: bundle, output: blob, disableExperimentalSEAWarning: true, assets }, null, 2),
);
execFileSync(process.execPath, ['--experimental-sea-config', seaConfig], { stdio: ['ignore', 'ignore', 'inherit'] });

const exe = join(out, 'warmstandby');
rmSync(exe, { force: true });
copyFileSync(process.execPath, exe);
chmodSync(exe, 0o755);
// postject warns about ELF note sections it does not name; the injection itself is checked
// by running the result.
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
process.stdout.write(`built ${exe}\n`);
