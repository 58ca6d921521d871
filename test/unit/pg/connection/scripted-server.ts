import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import type { ResolvedConnection } from '../../../../src/core/pg/conninfo/resolve.js';
import { resolveConnection } from '../../../../src/core/pg/conninfo/resolve.js';
import { cstr, int16, int32, msg } from '../protocol/wire.js';

/**
 * A scripted PostgreSQL peer on a real TCP socket, for what a real server cannot be made to
 * do: send garbage, stall, misbehave in SSL negotiation, or end streams in exact sequences.
 * Tests drive it step by step through `FrontendReader`.
 */
export interface ScriptedServer {
  readonly port: number;
  readonly connections: Promise<Socket>[];
  /** Resolves with the next accepted socket. */
  nextConnection(): Promise<Socket>;
  close(): Promise<void>;
}

export const startScriptedServer = async (): Promise<ScriptedServer> => {
  const waiting: ((s: Socket) => void)[] = [];
  const accepted: Socket[] = [];
  const server: Server = createServer((socket) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter(socket);
    else accepted.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const sockets = new Set<Socket>();
  server.on('connection', (s) => sockets.add(s));
  return {
    port: (server.address() as AddressInfo).port,
    connections: [],
    nextConnection: () =>
      new Promise((resolve) => {
        const ready = accepted.shift();
        if (ready !== undefined) resolve(ready);
        else waiting.push(resolve);
      }),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

/** Reads what the client sends: the untyped startup packets, then typed messages. */
export class FrontendReader {
  private buffered = Buffer.alloc(0);
  private wake: (() => void) | undefined;
  private ended = false;

  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.ended = true;
      this.wake?.();
    });
  }

  /** StartupMessage or SSLRequest: int32 length, int32 code, rest. */
  async untyped(): Promise<{ code: number; body: Buffer }> {
    await this.need(4);
    const length = this.buffered.readInt32BE(0);
    await this.need(length);
    const packet = this.buffered.subarray(0, length);
    this.buffered = this.buffered.subarray(length);
    return { code: packet.readInt32BE(4), body: packet.subarray(8) };
  }

  async typed(): Promise<{ type: string; body: Buffer }> {
    await this.need(5);
    const length = this.buffered.readInt32BE(1);
    await this.need(length + 1);
    const type = String.fromCharCode(this.buffered[0] ?? 0);
    const body = this.buffered.subarray(5, length + 1);
    this.buffered = this.buffered.subarray(length + 1);
    return { type, body };
  }

  /** Resolves true when the client closed the socket. */
  async closed(): Promise<boolean> {
    while (!this.ended) await new Promise<void>((resolve) => (this.wake = resolve));
    return true;
  }

  private async need(bytes: number): Promise<void> {
    while (this.buffered.length < bytes) {
      if (this.ended) throw new Error(`client closed before sending ${bytes} bytes`);
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }
}

export const authOk = msg('R', int32(0));
export const parameter = (name: string, value: string): Buffer => msg('S', cstr(name), cstr(value));
export const readyForQuery = msg('Z', Buffer.from('I'));
export const keyData = msg('K', int32(4242), int32(1));

/** The messages a trust-authenticated startup gets from a 15.4 server. */
export const startupReply = (extra: Buffer[] = []): Buffer =>
  Buffer.concat([
    authOk,
    parameter('server_version', '15.4'),
    parameter('integer_datetimes', 'on'),
    ...extra,
    keyData,
    readyForQuery,
  ]);

export const resolvedFor = (port: number, params: Record<string, string> = {}): ResolvedConnection =>
  resolveConnection({
    connString: `host=127.0.0.1 port=${port} user=tester dbname=db`,
    overrides: { sslmode: 'disable', ...params },
    env: { HOME: '/nonexistent', PGPASSFILE: '/nonexistent' },
  });

/** Accepts one client, reads its StartupMessage, answers as a trusting server. */
export const acceptTrusted = async (server: ScriptedServer): Promise<FrontendReader> => {
  const reader = new FrontendReader(await server.nextConnection());
  const startup = await reader.untyped();
  if (startup.code !== 196_608) throw new Error(`expected StartupMessage, got code ${startup.code}`);
  reader.socket.write(startupReply());
  return reader;
};

const field = (name: string, oid: number): Buffer =>
  Buffer.concat([cstr(name), int32(0), int16(0), int32(oid), int16(-1), int32(-1), int16(0)]);

/** A whole result set as a walsender sends one for a replication command (text columns). */
export const resultRows = (columns: readonly string[], rows: readonly (readonly (string | null)[])[]): Buffer =>
  Buffer.concat([
    msg('T', int16(columns.length), ...columns.map((c) => field(c, 25))),
    ...rows.map((values) =>
      msg('D', int16(values.length), ...values.map((v) => (v === null ? int32(-1) : Buffer.concat([int32(Buffer.byteLength(v)), Buffer.from(v)]))))),
    msg('C', cstr('SELECT')),
  ]);

/** One query's whole answer: its result set, then ReadyForQuery. */
export const resultSet = (columns: readonly string[], values: readonly (string | null)[]): Buffer =>
  Buffer.concat([resultRows(columns, [values]), readyForQuery]);

/** The next simple Query's text, or undefined when the client went away. */
export const nextQuery = async (reader: FrontendReader): Promise<string | undefined> => {
  for (;;) {
    let message: { type: string; body: Buffer };
    try {
      message = await reader.typed();
    } catch {
      return undefined;
    }
    if (message.type === 'Q') return message.body.toString('utf8').replace(/\0$/, '');
    if (message.type === 'X') return undefined;
  }
};

/**
 * Answers what basebackup and receivewal ask a walsender before their real work, as a
 * PostgreSQL 15 server with 16 MB segments and no group access: IDENTIFY_SYSTEM,
 * SHOW wal_segment_size, SHOW data_directory_mode. False for any other query.
 */
export const answerServerFacts = (
  reader: FrontendReader,
  text: string,
  identity: { readonly systemId: string; readonly xlogpos: string },
): boolean => {
  const answers: Readonly<Record<string, Buffer>> = {
    IDENTIFY_SYSTEM: resultSet(['systemid', 'timeline', 'xlogpos', 'dbname'], [identity.systemId, '1', identity.xlogpos, null]),
    'SHOW wal_segment_size': resultSet(['wal_segment_size'], ['16MB']),
    'SHOW data_directory_mode': resultSet(['data_directory_mode'], ['0700']),
  };
  const answer = answers[text];
  if (answer !== undefined) reader.socket.write(answer);
  return answer !== undefined;
};
