import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addConnectionOptions, connectionFlagsFrom } from '../../../src/core/cli/connection-flags.js';

const parse = (argv: string[]) => {
  const program = addConnectionOptions(new Command().exitOverride());
  program.parse(argv, { from: 'user' });
  return connectionFlagsFrom(program.opts());
};

describe('connection flags', () => {
  it('prompt only when the server asks if neither -w nor -W is given', () => {
    expect(parse([]).passwordMode).toBe('auto');
  });

  it('-w never prompts, -W always does', () => {
    expect(parse(['-w']).passwordMode).toBe('never');
    expect(parse(['-W']).passwordMode).toBe('prompt');
  });

  it('maps -d -h -p -U to the libpq-style fields', () => {
    expect(parse(['-d', 'dbname=x', '-h', '/tmp', '-p', '5433', '-U', 'rep'])).toEqual({
      passwordMode: 'auto', dbname: 'dbname=x', host: '/tmp', port: '5433', username: 'rep',
    });
  });
});
