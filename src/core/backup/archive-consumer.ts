import type { Writable } from 'node:stream';
import { join } from 'node:path';
import { ValidationError } from '../errors.js';
import { type ByteSink, compressingSink, fileSink, streamSink } from './byte-sink.js';
import { suffixOfCompression } from '../compression/compression-method.js';
import type { CompressionSpec } from '../compression/compression-spec.js';
import { TarExtractor } from './extractor.js';
import { checkManifestIntegrity } from './manifest.js';
import { RecoveryInjector } from './recovery-injector.js';
import { createStreamDecoder, type StreamDecoder } from '../compression/stream-decoder.js';
import type { SyncQueue } from '../fs/sync-queue.js';
import { archiveCompression, TAR_TRAILER_SIZE } from './tar-format.js';
import { type TarHandler, TarParser } from './tar-parser.js';
import { TarRewriter } from './tar-rewriter.js';

export interface ArchiveConsumerOptions {
  /** As the server names it: base.tar, 16384.tar, base.tar.gz, ... */
  readonly archiveName: string;
  /** The tablespace's location on the server; undefined for the main data directory. */
  readonly spcLocation?: string;
  readonly format: 'plain' | 'tar';
  /** The output directory, or '-' for a tar on standard output. */
  readonly baseDir: string;
  readonly stdout?: Writable;
  readonly clientCompression: CompressionSpec;
  /** -R: what to add to postgresql.auto.conf (main archive only). */
  readonly recovery?: { readonly contents: Buffer; readonly gucSupported: boolean };
  /** The manifest will be added to this archive (tar on standard output). */
  readonly injectManifest: boolean;
  /** Servers before 15 end their tar streams without the two zero blocks. */
  readonly expectUnterminated: boolean;
  /** -T for a tablespace location (identity when not mapped). */
  readonly mapTablespace: (location: string) => string;
  /** The backup header's tablespace locations, mapped: the only targets a link may have. */
  readonly tablespaceLocations: readonly string[];
  readonly queue: SyncQueue;
  readonly directoryMode: number;
  readonly fileMode: number;
  readonly onPath?: (path: string) => void;
}

/** One archive of the backup being received: its bytes in, files or a tar file out. */
export interface ArchiveConsumer {
  push(chunk: Buffer): Promise<void>;
  /** The archive's bytes are all here. */
  finish(): Promise<void>;
  /** Adds backup_manifest as the archive's last member (tar on standard output). */
  injectManifest(content: Buffer): Promise<void>;
  abandon(): void;
}

const cannotParse = (name: string, options: ArchiveConsumerOptions): ValidationError => {
  const details = ['Only tar archives can be parsed.'];
  if (options.format === 'plain') details.push('Plain format requires pg_basebackup to parse the archive.');
  if (options.injectManifest) {
    details.push('Using - as the output directory requires pg_basebackup to parse the archive.');
  }
  if (options.recovery !== undefined) details.push('The -R option requires pg_basebackup to parse the archive.');
  return new ValidationError('archive-not-tar', `cannot parse archive "${name}"`, { hint: details.join(' ') });
};

/** pg_basebackup's refusals: what cannot be added to an archive it cannot parse or rewrite. */
const checkFeasible = (
  options: ArchiveConsumerOptions,
  compression: ReturnType<typeof archiveCompression>,
  recovery: ArchiveConsumerOptions['recovery'],
  mustParse: boolean,
): void => {
  const name = options.archiveName;
  if (options.injectManifest && compression !== undefined && compression !== 'none') {
    throw new ValidationError('inject-into-compressed', 'cannot inject manifest into a compressed tar file', {
      hint: 'Use client-side compression, send the output to a directory rather than standard output, or use --no-manifest.',
    });
  }
  if (mustParse && compression === undefined) throw cannotParse(name, options);
  if (options.format === 'tar' && recovery !== undefined && compression !== 'none') {
    throw new ValidationError(
      'recovery-into-compressed',
      `cannot write recovery configuration into the server-compressed archive "${name}"`,
      { hint: 'Compress on the client (-Z client-METHOD), or use plain format.' },
    );
  }
};

/** Where an archive's members go, and the pieces that need a word at the end. */
interface ArchiveHandler {
  readonly handler: TarHandler;
  readonly extractor?: TarExtractor;
  readonly rewriter?: TarRewriter;
  readonly sink?: ByteSink;
}

/** Plain format: members extracted into the data directory or the tablespace's location. */
const extractingHandler = (
  options: ArchiveConsumerOptions,
  isMain: boolean,
  recovery: ArchiveConsumerOptions['recovery'],
): ArchiveHandler => {
  const directory = isMain ? options.baseDir : options.mapTablespace(options.spcLocation as string);
  const extractor = new TarExtractor({
    directory,
    mapLinkTarget: options.mapTablespace,
    queue: options.queue,
    directoryMode: options.directoryMode,
    isMainArchive: isMain,
    tablespaceLocations: options.tablespaceLocations,
    ...(options.onPath === undefined ? {} : { onPath: options.onPath }),
  });
  const handler = recovery === undefined
    ? extractor
    : new RecoveryInjector(extractor, recovery.contents, recovery.gucSupported, options.fileMode);
  return { handler, extractor };
};

/** Tar format: the archive written to a file or standard output, compressed if asked. */
const writingHandler = async (options: ArchiveConsumerOptions, recovery: ArchiveConsumerOptions['recovery']): Promise<ArchiveHandler> => {
  const toStdout = options.baseDir === '-';
  const outName = `${options.archiveName}${suffixOfCompression(options.clientCompression.method)}`;
  const raw = toStdout
    ? streamSink(options.stdout as Writable)
    : fileSink(join(options.baseDir, outName), options.fileMode, options.queue);
  options.onPath?.(toStdout ? '-' : join(options.baseDir, outName));
  const sink = await compressingSink(raw, options.clientCompression);
  const rewriter = new TarRewriter(sink);
  const handler = recovery === undefined
    ? rewriter
    : new RecoveryInjector(rewriter, recovery.contents, recovery.gucSupported, options.fileMode);
  return { handler, rewriter, sink };
};

/**
 * Decides what happens to an archive, as pg_basebackup's CreateBackupStreamer does: plain
 * format extracts it (decompressing what the server compressed), tar format writes it
 * (compressing on the client if asked), and it is parsed and re-archived only when something
 * must be added to it: -R settings, or the manifest when writing to standard output.
 */
export const openArchiveConsumer = async (options: ArchiveConsumerOptions): Promise<ArchiveConsumer> => {
  const { archiveName: name } = options;
  const compression = archiveCompression(name);
  const isMain = options.spcLocation === undefined;
  const recovery = isMain ? options.recovery : undefined;
  const mustParse = options.format === 'plain' || options.injectManifest || recovery !== undefined;
  checkFeasible(options, compression, recovery, mustParse);
  const { handler, extractor, rewriter, sink } = options.format === 'plain'
    ? extractingHandler(options, isMain, recovery)
    : await writingHandler(options, recovery);
  const parser = mustParse ? new TarParser(handler) : undefined;
  const decoder: StreamDecoder | undefined =
    options.format === 'plain' && compression !== undefined && compression !== 'none'
      ? createStreamDecoder(compression, name)
      : undefined;

  const feed = async (chunk: Buffer): Promise<void> => {
    if (parser !== undefined) {
      await parser.push(chunk);
    } else {
      const pending = (sink as ByteSink).write(chunk);
      if (pending !== undefined) await pending;
    }
  };

  return {
    async push(chunk) {
      if (decoder === undefined) {
        await feed(chunk);
        return;
      }
      for (const part of await decoder.update(chunk)) await feed(part);
    },
    async injectManifest(content) {
      // Passed on unparsed, but not unchecked: it must be the manifest the server computed.
      checkManifestIntegrity(content);
      await (rewriter as TarRewriter).injectFile('backup_manifest', content, options.fileMode);
    },
    async finish() {
      if (decoder !== undefined) for (const part of await decoder.end()) await feed(part);
      if (parser !== undefined) await parser.end();
      else if (options.expectUnterminated) await (sink as ByteSink).write(Buffer.alloc(TAR_TRAILER_SIZE));
      if (sink !== undefined) await sink.close();
    },
    abandon() {
      extractor?.abandon();
      sink?.abandon();
    },
  };
};
