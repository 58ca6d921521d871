import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../../src/core/errors.js';
import {
  checkSlotName, createReplicationSlotCommand, startReplicationCommand,
} from '../../../../src/core/pg/replication/commands.js';
import { quoteIdentifier, quoteLiteral } from '../../../../src/core/pg/replication/quote.js';

describe('replication command text', () => {
  it('CREATE_REPLICATION_SLOT: parenthesised options from 15, bare RESERVE_WAL on 14', () => {
    expect(createReplicationSlotCommand(150_004, 's1', { reserveWal: true })).toBe(
      'CREATE_REPLICATION_SLOT "s1" PHYSICAL (RESERVE_WAL)',
    );
    expect(createReplicationSlotCommand(140_011, 's1', { reserveWal: true })).toBe(
      'CREATE_REPLICATION_SLOT "s1" PHYSICAL RESERVE_WAL',
    );
    expect(createReplicationSlotCommand(180_000, 'pg_basebackup_42', { temporary: true, reserveWal: true })).toBe(
      'CREATE_REPLICATION_SLOT "pg_basebackup_42" TEMPORARY PHYSICAL (RESERVE_WAL)',
    );
    expect(createReplicationSlotCommand(150_000, 's', {})).toBe('CREATE_REPLICATION_SLOT "s" PHYSICAL');
  });

  it('START_REPLICATION with and without slot and timeline, LSN as %X/%X', () => {
    expect(startReplicationCommand({ lsn: 0x1_6b00_0000n })).toBe('START_REPLICATION PHYSICAL 1/6B000000');
    expect(startReplicationCommand({ slot: 'standby_1', lsn: 0x300_0000n, timeline: 3 })).toBe(
      'START_REPLICATION SLOT "standby_1" PHYSICAL 0/3000000 TIMELINE 3',
    );
    expect(() => startReplicationCommand({ lsn: 0n, timeline: 0 })).toThrow(ValidationError);
  });

  it('slot names follow the server rule', () => {
    for (const good of ['a', 'standby_1', '0', 'x'.repeat(63)]) expect(() => checkSlotName(good)).not.toThrow();
    for (const bad of ['', 'A', 'a-b', 'a"b', "a'b", 'x'.repeat(64), 'ä']) {
      expect(() => checkSlotName(bad)).toThrow(ValidationError);
    }
  });

  it('quotes by doubling the quote character', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('back\\slash')).toBe("'back\\slash'");
  });
});
