#!/usr/bin/env node
// Part of `npm run build`: bundles the code a hook needs for its most frequent answer into one
// small CommonJS file under dist/quick/, which the tool's bin/ shim loads before anything else.
// PostgreSQL starts restore_command once per WAL file and mostly hears "not in the archive",
// and archive_command once per segment; answered from one CommonJS file, each costs a bare
// Node start plus a few ms, where Node's ES module loader and the dist/ module graph would add
// ~25 ms (docs/dev/performance.md). A dynamic import() inside stays a dynamic import of the
// module's compiled twin in dist/, so rarely needed code (codecs) still loads only when used.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** bundle → its module. The *-hook bundles are the bin shims' bodies; they require the others. */
const quickPaths = {
  // bin/archivewal: the route (quick-route.ts) with --async's answer for an acknowledged file
  // (node:fs and node:path only) bundled in.
  'archivewal-hook': 'src/tools/archivewal/hook-shim.ts',
  // The plain `archivewal %p DIR`, required by the route when it gets that far.
  archivewal: 'src/tools/archivewal/plain-push.ts',
  // bin/restorewal: the route with "not in the archive" from a directory bundled in.
  'restorewal-hook': 'src/tools/restorewal/hook-shim.ts',
  // The same answer for s3:// archives: the S3 client only, loaded only for those.
  'restorewal-object': 'src/tools/restorewal/quick-answer-object.ts',
  // A segment a directory archive holds plain, copied by the kernel and checked.
  'restorewal-plain': 'src/tools/restorewal/quick-restore-plain.ts',
  // A segment a directory archive holds compressed, decompressed and checked.
  'restorewal-compressed': 'src/tools/restorewal/quick-restore-compressed.ts',
  // restorewal --prefetch serving a prefetched segment: a rename and two small writes.
  'restorewal-spool': 'src/tools/restorewal/served-from-spool.ts',
  // Loads a bundle from V8's code cache (bin/replstatus): see src/tools/cached-bundle.ts.
  'cached-bundle': 'src/tools/cached-bundle.ts',
  // The hooks' whole tools, loaded by their routes when no quick answer applies.
  'archivewal-full': 'src/tools/archivewal/full-process.ts',
  'restorewal-full': 'src/tools/restorewal/full-process.ts',
};

/**
 * Tools whose bin/ shim loads the whole tool from one bundle (entry: the tool's main run by
 * entry.ts's runMain; cached-bundle.cjs answers --version before loading it), instead of
 * dist/'s ES module graph: ~40 modules for --help.
 */
const bundledTools = ['archivecleanup', 'basebackup', 'live-restore', 'promote', 'receivewal', 'replstatus'];

/** Bundles loaded through cached-bundle.cjs: large enough that compiling them is a cost. */
const codeCached = ['archivewal-full', 'restorewal-full', ...bundledTools];
const outDir = join(root, 'dist', 'quick');

/**
 * chalk decides its default instances' colour level at import, calling tty.isatty(), which
 * loads node:tty and with it node:net and the streams (~7 ms), in every run of every tool.
 * The tools never use those instances: output.ts makes its own with the level it decides
 * (a TTY, NO_COLOR, FORCE_COLOR). So the bundles take chalk's platform-neutral detection,
 * which touches no module (and answers 0 under Node).
 */
const chalkWithoutTtyProbe = {
  name: 'chalk-without-tty-probe',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, (args) =>
      (/[\\/]chalk[\\/]/.test(args.importer) ? { path: join(dirname(args.importer), 'vendor', 'supports-color', 'browser.js') } : undefined));
  },
};

/**
 * A bundle leaves a module it imports dynamically outside: `import('./x.js')` in src/a/b.ts
 * becomes `import('../a/x.js')`, dist/a/x.js from dist/quick, loaded only when reached.
 * Through import() Node starts its ES module loader and compiles each module of dist/
 * afresh, ~30 ms for the codecs of an `archivewal -Z lz4`, at every segment. The hooks'
 * whole tools, started once per file by the server, carry such modules inside instead,
 * evaluated when first imported. The other tools keep them outside: inside, esbuild makes
 * every module they share initialise lazily, and receivewal's start, which needs none of
 * them, took ~9 ms longer.
 */
const dynamicImportsInside = ['archivewal-full', 'restorewal-full'];
const dynamicImports = (inside) => ({
  name: 'dynamic-imports',
  setup(b) {
    // require('./x.cjs') in a hook shim names a sibling bundle: loaded at run time, when reached.
    b.onResolve({ filter: /^\.\/[a-z-]+\.cjs$/ }, (args) =>
      (args.kind === 'require-call' ? { path: args.path, external: true } : undefined));
    if (inside) return;
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const compiled = join(root, 'dist', relative(join(root, 'src'), source)).replace(/\.ts$/, '.js');
      return { path: `./${relative(outDir, compiled)}`, external: true };
    });
  },
});

/**
 * Built-ins that only some runs need (a child process, hashing, TLS, compression): the bundle
 * requires them when first used instead of at load. esbuild reads an imported built-in's
 * members at the call (`(0, import_node_crypto.createHash)(…)`), so a stand-in that requires
 * the module on first property access serves every such import; loading node:crypto or
 * node:child_process costs 2-5 ms each, which a replstatus run with trust authentication
 * never needs to pay. node:fs/promises brings node's readline and fs watchers with it (~2
 * ms), though most runs only read a .pgpass or nothing at all.
 */
const LAZY_BUILTINS = /\b([A-Za-z_$][\w$]*)=require\("((?:node:)?(?:child_process|crypto|zlib|tls|https?|readline|fs\/promises|timers\/promises|string_decoder)|@node-rs\/crc32|@node-rs\/xxhash|lz4-napi|@bokuweb\/zstd-wasm)"\)/g;
/**
 * Native and WebAssembly modules stay outside the bundles (an add-on cannot be bundled; a
 * .wasm is found next to its package) and are required from node_modules, on first use.
 */
const NATIVE_PACKAGES = ['@node-rs/crc32', '@node-rs/xxhash', 'lz4-napi', '@bokuweb/zstd-wasm'];
const LAZY_REQUIRE = 'var __lazyRequire=(id)=>{let loaded;const load=()=>loaded??=__nativeRequire(id);' +
  'return new Proxy({},{get:(_,key)=>load()[key],has:(_,key)=>key in load(),ownKeys:()=>Reflect.ownKeys(load()),' +
  'getOwnPropertyDescriptor:(_,key)=>{const found=Object.getOwnPropertyDescriptor(load(),key);' +
  'return found===undefined?undefined:{...found,configurable:true}}})};';

/**
 * napi-rs packages load through a generated index.js that probes for musl and tries a list
 * of file names before it requires the platform package npm installed for this machine
 * (~4 ms per package here); that package's main is the add-on itself. npm installs it only
 * where its os, cpu and libc match, so requiring it first is right wherever it is present,
 * and anywhere else the package's own loader decides.
 */
const PLATFORM_BINARIES = {
  'lz4-napi': '@antoniomuso/lz4-napi-linux-x64-gnu',
  '@node-rs/crc32': '@node-rs/crc32-linux-x64-gnu',
  '@node-rs/xxhash': '@node-rs/xxhash-linux-x64-gnu',
};
const NATIVE_REQUIRE = `var __nativeRequire=(id)=>{const binary=${JSON.stringify(PLATFORM_BINARIES)}[id];` +
  'if(binary!==undefined)try{return require(binary)}catch{}return require(id)};';

/** The bundle's code with lazy requires, and the definitions it then needs. */
const withLazyBuiltins = (code) => {
  const lazy = code.replace(LAZY_BUILTINS, (_, name, id) => `${name}=__lazyRequire(${JSON.stringify(isBuiltin(id) ? `node:${id.replace(/^node:/, '')}` : id)})`);
  return { code: lazy, definitions: lazy === code ? '' : LAZY_REQUIRE };
};

/**
 * import() of a built-in, native or WebAssembly module becomes a require() in a promise:
 * through import() Node starts its ES module loader (and wraps a CommonJS package for it) at
 * the first use. Measured in fresh processes: lz4-napi 25 ms over a bare start by import(),
 * 9 ms by require() and 5 ms from its platform package; node:tls 17 ms against 9.5. The
 * other import() calls (modules of dist/) of a code-cached bundle go through the loader's
 * `__wsImport` (cached-bundle.ts).
 */
const REQUIRED_IMPORT = new RegExp(`\\bimport\\("(node:[a-z_/]+|${NATIVE_PACKAGES.map((id) => id.replace(/[/]/g, '\\/')).join('|')})"\\)`, 'g');
const withImportsRequired = (code) =>
  code.replace(REQUIRED_IMPORT, (_, id) => `new Promise((resolve)=>resolve(__nativeRequire(${JSON.stringify(id)})))`);
const DYNAMIC_IMPORT = 'var __dynamicImport=typeof __wsImport=="function"?__wsImport:(specifier)=>import(specifier);';
const withImportsThroughLoader = (code) => ({ code: code.replace(/\bimport\("/g, '__dynamicImport("'), definitions: DYNAMIC_IMPORT });

const entries = [
  ...Object.entries(quickPaths).map(([name, entry]) => ({ name, entryPoints: [join(root, entry)] })),
  ...bundledTools.map((tool) => ({
    name: tool,
    stdin: {
      contents: `import { runMain } from './src/tools/entry.ts';\n` +
        `import { main } from './src/tools/${tool}/cli.ts';\n` +
        'export const runToolProcess = (argv) => runMain(async () => main, argv);\n',
      resolveDir: root,
      sourcefile: `${tool}-process.ts`,
      loader: 'ts',
    },
  })),
];

for (const { name: tool, ...entry } of entries) {
  const result = await build({
    ...entry,
    outfile: join(outDir, `${tool}.cjs`),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Only node: built-ins may stay outside; anything else would be a slow path in disguise.
    // (Some dependencies name built-ins without the prefix.)
    external: ['node:*', 'tty', 'os', 'process', 'util', 'events', 'child_process', 'readline', 'fs', 'path', ...NATIVE_PACKAGES],
    plugins: [dynamicImports(dynamicImportsInside.includes(tool)), chalkWithoutTtyProbe],
    // No ES module's import.meta in CommonJS: code that finds files beside it asks for
    // __dirname first (src/core/cli/start-detached.ts), and never reaches this.
    define: { 'import.meta.url': 'undefined' },
    // Fewer bytes to read and parse at every start; names stay, for readable stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    // A bundle renames a class whose name another module also uses; instanceof between the
    // tool's errors and the quick path's copies compares class names (src/core/errors.ts).
    keepNames: true,
    logLevel: 'warning',
  });
  mkdirSync(outDir, { recursive: true });
  for (const file of result.outputFiles) {
    const lazy = withLazyBuiltins(withImportsRequired(file.text.replace(/^"use strict";/, '')));
    const routed = codeCached.includes(tool) ? withImportsThroughLoader(lazy.code) : { code: lazy.code, definitions: '' };
    const native = /__nativeRequire\(/.test(routed.code) || lazy.definitions !== '' ? NATIVE_REQUIRE : '';
    // ES module code is strict; esbuild says so only for a file entry, not for stdin's.
    writeFileSync(file.path, `"use strict";${native}${routed.definitions}${lazy.definitions}${routed.code}`);
  }
}

/** The Node flags of a shim's shebang (`#!/usr/bin/env -S [NAME=VALUE ...] node --flag ...`). */
const shebangFlags = (tool) => {
  const first = readFileSync(join(root, 'bin', tool), 'utf8').split('\n')[0] ?? '';
  if (!first.startsWith('#!/usr/bin/env -S ')) return [];
  const words = first.slice('#!/usr/bin/env -S '.length).trim().split(/\s+/);
  const node = words.findIndex((word) => !word.includes('='));
  return words[node] === 'node' ? words.slice(node + 1) : [];
};

// The code caches, written by the Node that runs the tools (V8 rejects another's), once with
// no flags (`node bin/x`) and once with the shim's own when its shebang has some.
for (const tool of codeCached) {
  const loader = join(outDir, 'cached-bundle.cjs');
  const flagSets = [[], shebangFlags(tool.replace(/-full$/, ''))].filter((flags, i) => i === 0 || flags.length > 0);
  for (const flags of flagSets) {
    const call = `require(${JSON.stringify(loader)}).writeCodeCache(${JSON.stringify(join(outDir, `${tool}.cjs`))}, ${JSON.stringify(flags)})`;
    execFileSync(process.execPath, [...flags, '-e', call], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '' } });
  }
}

// Each tool's --help, rendered by the tool itself through its shim (its bundles exist by now),
// which then prints it without loading the tool (src/tools/help-answer.ts). The last build's
// file goes first, so the text is this build's; the environment is bare (no PG* defaults, no
// TTY, no colour), though no help text depends on it (test/integration/cli/quick-paths.test.ts).
for (const tool of readdirSync(join(root, 'bin')).filter((name) => !['package.json', 'warmstandby'].includes(name))) {
  const file = join(outDir, `${tool}.help`);
  rmSync(file, { force: true });
  const text = execFileSync(process.execPath, [join(root, 'bin', tool), '--help'], { env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' });
  writeFileSync(`${file}.tmp`, text);
  renameSync(`${file}.tmp`, file);
}

// Caches that runs trained (src/tools/cached-bundle.ts), by the help step above or on the
// previous bundles, and temporary files of runs killed while writing one: the first real run
// of each tool trains its own.
for (const trained of readdirSync(outDir).filter((name) => name.includes('.trained.v8cache'))) {
  rmSync(join(outDir, trained), { force: true });
}
