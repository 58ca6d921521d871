import { close, fdatasync, fsync, writev } from 'node:fs';

// Calls on a raw descriptor, on libuv's thread pool, as promises. fs/promises offers these
// only on a FileHandle, and a FileHandle only from its own asynchronous open: a file opened
// synchronously (one call of microseconds, not a wait behind the event loop) has a number.

export const fsyncFd = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fsync(fd, (error) => (error ? reject(error) : resolve())));

export const fdatasyncFd = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

export const closeFd = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => close(fd, (error) => (error ? reject(error) : resolve())));

/** writev(2) at `position`: how many bytes it wrote (possibly fewer than given). */
export const writevFd = (fd: number, chunks: readonly Buffer[], position: number): Promise<number> =>
  new Promise((resolve, reject) => writev(fd, chunks as Buffer[], position, (error, written) => (error ? reject(error) : resolve(written))));
