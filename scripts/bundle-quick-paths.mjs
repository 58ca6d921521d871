#!/usr/bin/env node
// Part of `npm run build`: bundles the code a hook needs for its most frequent answer into one
// small CommonJS file under dist/quick/, which the tool's bin/ shim loads before anything else.
// PostgreSQL starts restore_command once per WAL file and mostly hears "not in the archive",
// and archive_command once per segment; answered from one CommonJS file, each costs a bare
// Node start plus a few ms, where Node's ES module loader and the dist/ module graph would add
// ~25 ms (docs/dev/performance.md). A dynamic import() inside stays a dynamic import of the
// module's compiled twin in dist/, so rarely needed code (codecs) still loads only when used.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
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
  // restorewal --prefetch serving a prefetched segment: a rename and two small writes.
  'restorewal-spool': 'src/tools/restorewal/served-from-spool.ts',
  // replstatus, whole: monitoring runs it every minute; one file loads faster than dist/'s graph.
  replstatus: 'src/tools/replstatus/process-main.ts',
  // Loads a bundle from V8's code cache (bin/replstatus): see src/tools/cached-bundle.ts.
  'cached-bundle': 'src/tools/cached-bundle.ts',
};

/** Bundles loaded through cached-bundle.cjs: large enough that compiling them is a cost. */
const codeCached = ['replstatus'];
const outDir = join(root, 'dist', 'quick');

/** `import('./x.js')` in src/a/b.ts becomes `import('../a/x.js')`: dist/a/x.js, from dist/quick. */
const dynamicImportsFromDist = {
  name: 'dynamic-imports-from-dist',
  setup(b) {
    // require('./x.cjs') in a hook shim names a sibling bundle: loaded at run time, when reached.
    b.onResolve({ filter: /^\.\/[a-z-]+\.cjs$/ }, (args) =>
      (args.kind === 'require-call' ? { path: args.path, external: true } : undefined));
    b.onResolve({ filter: /^\./ }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const source = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const compiled = join(root, 'dist', relative(join(root, 'src'), source)).replace(/\.ts$/, '.js');
      return { path: `./${relative(outDir, compiled)}`, external: true };
    });
  },
};

/**
 * Built-ins that only some runs need (a child process, hashing, TLS, compression): the bundle
 * requires them when first used instead of at load. esbuild reads an imported built-in's
 * members at the call (`(0, import_node_crypto.createHash)(…)`), so a stand-in that requires
 * the module on first property access serves every such import; loading node:crypto or
 * node:child_process costs 2-5 ms each, which a replstatus run with trust authentication
 * never needs to pay.
 */
const LAZY_BUILTINS = /\b([A-Za-z_$][\w$]*)=require\("(?:node:)?(child_process|crypto|zlib|tls|https?|readline)"\)/g;
const LAZY_REQUIRE = 'var __lazyRequire=(id)=>{let loaded;const load=()=>loaded??=require(id);' +
  'return new Proxy({},{get:(_,key)=>load()[key],has:(_,key)=>key in load(),ownKeys:()=>Reflect.ownKeys(load()),' +
  'getOwnPropertyDescriptor:(_,key)=>{const found=Object.getOwnPropertyDescriptor(load(),key);' +
  'return found===undefined?undefined:{...found,configurable:true}}})};';

const withLazyBuiltins = (text) => {
  const lazy = text.replace(LAZY_BUILTINS, (_, name, id) => `${name}=__lazyRequire("node:${id}")`);
  return lazy === text ? text : lazy.replace(/^"use strict";/, `"use strict";${LAZY_REQUIRE}`);
};

/** A code-cached bundle's import() calls go through the loader's `__wsImport` (cached-bundle.ts). */
const DYNAMIC_IMPORT = 'var __dynamicImport=typeof __wsImport=="function"?__wsImport:(specifier)=>import(specifier);';
const withImportsThroughLoader = (text) =>
  text.replace(/\bimport\("/g, '__dynamicImport("').replace(/^"use strict";/, `"use strict";${DYNAMIC_IMPORT}`);

for (const [tool, entry] of Object.entries(quickPaths)) {
  const result = await build({
    entryPoints: [join(root, entry)],
    outfile: join(outDir, `${tool}.cjs`),
    write: false,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    // Only node: built-ins may stay outside; anything else would be a slow path in disguise.
    // (Some dependencies name built-ins without the prefix.)
    external: ['node:*', 'tty', 'os', 'process', 'util', 'events', 'child_process', 'readline', 'fs', 'path'],
    plugins: [dynamicImportsFromDist],
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
    const text = withLazyBuiltins(file.text);
    writeFileSync(file.path, codeCached.includes(tool) ? withImportsThroughLoader(text) : text);
  }
}

// The code caches, written by the Node that runs the tools (V8 rejects another's).
for (const tool of codeCached) {
  const loader = join(outDir, 'cached-bundle.cjs');
  execFileSync(process.execPath, ['-e', `require(${JSON.stringify(loader)}).writeCodeCache(${JSON.stringify(join(outDir, `${tool}.cjs`))})`], {
    stdio: 'inherit',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
}
