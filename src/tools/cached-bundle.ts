import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { answeredHelp } from './help-answer.js';
import { answeredVersion } from './version-answer.js';

// Loads a dist/quick bundle with V8's code cache, which Node 20's require() cannot use (Node
// 22's module.enableCompileCache() does this for every module): compiling a 230 kB bundle
// costs ~7 ms at every start, reading its cache a fraction of that. Built into
// dist/quick/cached-bundle.cjs; the build writes each cache (`writeCodeCache`), and a cache
// V8 rejects (another Node, other V8 flags) only costs the compile it would have saved.
//
// import() cannot run inside a vm.Script without an experimental flag, so the bundle's
// dynamic imports call `__wsImport`, a parameter of its wrapper given from here, where
// import() is native (scripts/bundle-quick-paths.mjs rewrites them; loaded by plain
// require(), the bundle falls back to its own import()).

type ModuleFunction = (
  exports: unknown, require: NodeJS.Require, module: { exports: unknown }, filename: string, dirname: string,
  wsImport: (specifier: string) => Promise<unknown>,
) => void;

/**
 * V8 accepts a cache only under the flags it was made with, so each set of Node flags has
 * its own: none (`node bin/x`), or a shim's shebang flags (bin/basebackup's GC settings).
 */
export const cacheFileOf = (file: string, nodeFlags: readonly string[] = process.execArgv): string =>
  nodeFlags.length === 0 ? `${file}.v8cache` : `${file}.${nodeFlags.join(' ').replace(/[^A-Za-z0-9=.-]+/g, '_')}.v8cache`;

/** The bundle compiled as a module function, from `cachedData` if given (and accepted). */
export const compileBundle = (file: string, cachedData?: Buffer): Script =>
  new Script(`(function (exports, require, module, __filename, __dirname, __wsImport) {${readFileSync(file, 'utf8')}\n})`, {
    filename: file,
    ...(cachedData === undefined ? {} : { cachedData }),
  });

const evaluate = (script: Script, file: string): unknown => {
  const module = { exports: {} as unknown };
  const wsImport = (specifier: string): Promise<unknown> =>
    import(specifier.startsWith('.') ? pathToFileURL(resolve(dirname(file), specifier)).href : specifier);
  (script.runInThisContext() as ModuleFunction)(module.exports, createRequire(file), module, file, dirname(file), wsImport);
  return module.exports;
};

/**
 * A bin/ shim's body: `TOOL --version` or `--help` answered before the bundle loads, else the tool,
 * from its bundle (`runToolProcess`, see scripts/bundle-quick-paths.mjs).
 */
export const runCachedTool = (tool: string, argv: readonly string[]): void => {
  if (answeredVersion(tool, argv) || answeredHelp(tool, argv)) return;
  (requireBundle(tool) as { runToolProcess(argv: readonly string[]): unknown }).runToolProcess(argv);
};

/** dist/quick/NAME.cjs, from its code cache: this loader runs bundled beside it, in dist/quick. */
export const requireBundle = (name: string): unknown => requireCached(join(__dirname, `${name}.cjs`));

/**
 * The cache a run leaves (see requireCached): beside the build's, named for the same flags and
 * for this copy of the bundle (its size and modification time). V8 checks a cache against the
 * source's length only, so a bundle rebuilt to the same length must not find the old one.
 */
export const trainedCacheFileOf = (file: string, nodeFlags: readonly string[] = process.execArgv): string => {
  const { size, mtimeMs } = statSync(file);
  return cacheFileOf(file, nodeFlags).replace(/\.v8cache$/, `.${size}-${Math.trunc(mtimeMs)}.trained.v8cache`);
};

const readIfPresent = (path: string): Buffer | undefined => {
  try {
    return readFileSync(path);
  } catch {
    // None yet, or unreadable: compile without it.
    return undefined;
  }
};

/**
 * `require(file)`, compiled from its code cache when there is a usable one.
 *
 * The build's cache holds what the bundle's top level compiles; everything a run calls first
 * (argument parsing, the protocol, the report) V8 still compiles on first call, which costs
 * replstatus ~10 ms at every start. So the first run without a trained cache (or whose cache
 * V8 rejected: another Node) writes, at exit, the code compiled by then, and later runs start
 * from that, as Node 22's compile cache does for modules. A directory the user may not write
 * (an install owned by root) keeps the build's cache: nothing is written, nothing fails.
 */
export const requireCached = (file: string): unknown => {
  const trainedFile = trainedCacheFileOf(file);
  const trained = readIfPresent(trainedFile);
  const cachedData = trained ?? readIfPresent(cacheFileOf(file));
  const script = compileBundle(file, cachedData);
  if (trained === undefined || script.cachedDataRejected === true) process.once('exit', () => writeTrainedCache(script, trainedFile));
  return evaluate(script, file);
};

const writeTrainedCache = (script: Script, path: string): void => {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temporary, script.createCachedData(), { flag: 'wx' });
    renameSync(temporary, path);
  } catch {
    // A read-only install or a full disk: the next run uses the build's cache, as this one did.
    try {
      rmSync(temporary, { force: true });
    } catch {
      // Not even that: an exit handler must not turn a tool's status into a crash.
    }
  }
};

/**
 * Build step, run by a Node started with `nodeFlags`: evaluates the bundle's top level once
 * and writes the code V8 compiled for it.
 */
export const writeCodeCache = (file: string, nodeFlags: readonly string[] = []): void => {
  const script = compileBundle(file);
  evaluate(script, file);
  const cache = cacheFileOf(file, nodeFlags);
  writeFileSync(`${cache}.tmp`, script.createCachedData());
  renameSync(`${cache}.tmp`, cache);
};
