#!/usr/bin/env node
// Part of `npm run build`: bundles the code a hook needs for its most frequent answer into one
// small CommonJS file under dist/quick/, which the tool's bin/ shim loads before anything else.
// PostgreSQL starts restore_command once per WAL file and mostly hears "not in the archive",
// and archive_command once per segment; answered from one CommonJS file, each costs a bare
// Node start plus a few ms, where Node's ES module loader and the dist/ module graph would add
// ~25 ms (docs/dev/performance.md). A dynamic import() inside stays a dynamic import of the
// module's compiled twin in dist/, so rarely needed code (codecs) still loads only when used.
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
};
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

for (const [tool, entry] of Object.entries(quickPaths)) {
  await build({
    entryPoints: [join(root, entry)],
    outfile: join(outDir, `${tool}.cjs`),
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
}
