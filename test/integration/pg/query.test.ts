import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type PgNotice, PgServerError } from '../../../src/core/pg/connection/errors.js';
import type { PgConnection } from '../../../src/core/pg/connection/pg-connection.js';
import { describeWithPg, startCluster, type PgCluster } from '../../harness/pg/index.js';
import { connectTo } from './connect-helpers.js';

describeWithPg('simple query, notices, errors and CopyOut', (major) => {
  let cluster: PgCluster;
  let c: PgConnection;

  beforeAll(async () => {
    cluster = await startCluster(major, { fsync: false, name: `pg${major}-query` });
    c = await connectTo(cluster, { via: 'tcp' });
  });
  afterAll(async () => {
    await c?.close();
    await cluster?.destroy();
  });

  it('returns every result set of a query string, with types, NULLs and UTF-8 text', async () => {
    const results = await c.query("SELECT 1::int4 AS n, NULL::text AS t, 'żółw'::text AS u; SELECT; CREATE TEMP TABLE x (a int); ");
    expect(results).toEqual([
      { command: 'SELECT 1', fields: [{ name: 'n', typeOid: 23 }, { name: 't', typeOid: 25 }, { name: 'u', typeOid: 25 }], rows: [['1', null, 'żółw']] },
      { command: 'SELECT 1', fields: [], rows: [[]] },
      { command: 'CREATE TABLE', fields: [], rows: [] },
    ]);
  });

  it('answers an empty query with EmptyQueryResponse', async () => {
    expect(await c.query('')).toEqual([{ command: '', fields: [], rows: [] }]);
    expect(await c.query(' ; ')).toEqual([{ command: '', fields: [], rows: [] }]);
  });

  it('raises PgServerError with SQLSTATE, detail and hint, and stays usable', async () => {
    const error = await c.query('SELECT 1; SELECT 1/0; SELECT 3').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PgServerError);
    expect(error).toMatchObject({ sqlstate: '22012', severity: 'ERROR', message: 'division by zero', code: 'server-error' });
    const custom = await c
      .query("DO $$ BEGIN RAISE EXCEPTION 'boom' USING ERRCODE = '42710', DETAIL = 'the detail', HINT = 'the hint'; END $$")
      .catch((e: unknown) => e);
    expect(custom).toMatchObject({ sqlstate: '42710', message: 'boom', detail: 'the detail', serverHint: 'the hint' });
    expect((await c.query('SELECT 2'))[0]?.rows).toEqual([['2']]);
  });

  it('surfaces NoticeResponse as notice events, in order', async () => {
    const notices: PgNotice[] = [];
    const listener = (n: PgNotice): void => {
      notices.push(n);
    };
    c.on('notice', listener);
    await c.query("DO $$ BEGIN RAISE NOTICE 'first %', 1; RAISE WARNING 'second' USING DETAIL = 'd', HINT = 'h'; END $$");
    c.off('notice', listener);
    expect(notices).toEqual([
      { severity: 'NOTICE', sqlstate: '00000', message: 'first 1' },
      { severity: 'WARNING', sqlstate: '01000', message: 'second', detail: 'd', hint: 'h' },
    ]);
  });

  it('keeps ParameterStatus values current', async () => {
    await c.query("SET application_name = 'changed-by-test'");
    expect(c.parameters.get('application_name')).toBe('changed-by-test');
  });

  it('refuses a second command while one runs', async () => {
    const first = c.query('SELECT pg_sleep(0.2)');
    await expect(c.query('SELECT 1')).rejects.toMatchObject({ code: 'connection-busy' });
    await first;
  });

  it('refuses COPY FROM STDIN with CopyFail and stays usable', async () => {
    await c.query('CREATE TEMP TABLE copy_in (a int)');
    await expect(c.query('COPY copy_in FROM STDIN')).rejects.toMatchObject({ sqlstate: '57014' });
    expect((await c.query('SELECT count(*) FROM copy_in'))[0]?.rows).toEqual([['0']]);
  });

  it('streams CopyOut data and then its results', async () => {
    const stream = c.copyOut('COPY (SELECT g FROM generate_series(1, 50000) AS g) TO STDOUT');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(50_000);
    expect(lines[0]).toBe('1');
    expect(lines[49_999]).toBe('50000');
    expect(await stream.results).toEqual([{ command: 'COPY 50000', fields: [], rows: [] }]);
  });

  it('reports a CopyOut that fails before it starts through the iterator and results', async () => {
    const stream = c.copyOut('COPY no_such_table TO STDOUT');
    const iterate = async (): Promise<void> => {
      for await (const _ of stream) throw new Error('no data expected');
    };
    await expect(iterate()).rejects.toMatchObject({ sqlstate: '42P01' });
    await expect(stream.results).rejects.toMatchObject({ sqlstate: '42P01' });
    expect((await c.query('SELECT 3'))[0]?.rows).toEqual([['3']]);
  });

  it('bounds what it buffers for a slow CopyOut consumer, and loses nothing', async () => {
    const limit = 256 * 1024;
    const slow = await connectTo(cluster, {}, { receiveBufferBytes: limit });
    try {
      // ~6 MB of text rows; the consumer takes one chunk every few milliseconds.
      const stream = slow.copyOut("COPY (SELECT g, repeat('x', 100) FROM generate_series(1, 60000) AS g) TO STDOUT");
      let count = 0;
      let bytes = 0;
      let peakDuringRun = 0;
      let expected = 1;
      let carry = '';
      const wrong: string[] = [];
      for await (const chunk of stream) {
        peakDuringRun = Math.max(peakDuringRun, slow.receiveBuffer.buffered);
        bytes += chunk.length;
        const text = carry + chunk.toString('utf8');
        const lines = text.split('\n');
        carry = lines.pop() ?? '';
        for (const line of lines) {
          if (line !== `${expected++}\t${'x'.repeat(100)}`) wrong.push(line);
          count++;
        }
        if (count % 2000 < 20) await sleep(2);
      }
      expect(wrong).toEqual([]);
      expect(count).toBe(60_000);
      expect(bytes).toBeGreaterThan(6_000_000);
      // The bound, plus at most one socket read (64 kB) past it before the pause takes effect.
      expect(slow.receiveBuffer.peak).toBeLessThanOrEqual(limit + 64 * 1024 + 1024);
      expect(peakDuringRun).toBeGreaterThan(limit / 2);
    } finally {
      await slow.close();
    }
  });

  it('runs pipelined statements, each answered alone: an error stops only its own', async () => {
    const backend = Number((await c.query('SELECT pg_backend_pid()'))[0]?.rows[0]?.[0]);
    const answers = await c.queryEach([
      "SELECT 'a'::text",
      'SELECT 1/0',
      'CREATE TEMP TABLE pipelined (a int); INSERT INTO pipelined VALUES (7)',
      'SELECT a FROM pipelined',
      "SELECT pg_catalog.count(*) FROM pg_stat_activity WHERE pid = pg_backend_pid() AND state = 'active'",
    ]);
    expect(answers[0]).toEqual([{ command: 'SELECT 1', fields: [{ name: 'text', typeOid: 25 }], rows: [['a']] }]);
    expect(answers[1]).toBeInstanceOf(PgServerError);
    expect(answers[1]).toMatchObject({ sqlstate: '22012', message: 'division by zero' });
    // The failed statement's implicit transaction does not take the next ones with it.
    expect((answers[2] as Array<{ command: string }>).map((r) => r.command)).toEqual(['CREATE TABLE', 'INSERT 0 1']);
    expect((answers[3] as Array<{ rows: unknown }>)[0]?.rows).toEqual([['7']]);
    expect((answers[4] as Array<{ rows: unknown }>)[0]?.rows).toEqual([['1']]);
    // Still the same session, usable after the pipeline.
    expect(Number((await c.query('SELECT pg_backend_pid()'))[0]?.rows[0]?.[0])).toBe(backend);
  });

  it('rejects a pipeline with the FATAL error that ends its connection', async () => {
    const victim = await connectTo(cluster, {});
    victim.on('error', () => undefined);
    const outcome = victim.queryEach(['SELECT 1', 'SELECT pg_terminate_backend(pg_backend_pid())', 'SELECT 3']);
    await expect(outcome).rejects.toMatchObject({ sqlstate: '57P01', severity: 'FATAL' });
    await victim.close();
  });

  it('emits error and close when the server ends an idle connection', async () => {
    const victim = await connectTo(cluster, {});
    const errors: unknown[] = [];
    const closed = new Promise<void>((resolve) => victim.once('close', resolve));
    victim.on('error', (e) => errors.push(e));
    await c.query(`SELECT pg_terminate_backend(${victim.backendPid})`);
    await closed;
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ sqlstate: '57P01', severity: 'FATAL' });
    expect(victim.isOpen).toBe(false);
    await expect(victim.query('SELECT 1')).rejects.toMatchObject({ code: 'connection-closed' });
    await victim.close();
  });

  it('rejects a running query with the server\'s FATAL error when the backend is terminated', async () => {
    const victim = await connectTo(cluster, {});
    // Catch at once: the rejection can arrive before the terminate query returns, and a
    // rejection nobody handles yet is reported as an unhandled error.
    const outcome = victim.query('SELECT pg_sleep(30)').then(
      () => 'resolved',
      (error: unknown) => error,
    );
    await sleep(200);
    await c.query(`SELECT pg_terminate_backend(${victim.backendPid})`);
    expect(await outcome).toMatchObject({ sqlstate: '57P01' });
    await victim.close();
  });
});
