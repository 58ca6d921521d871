import { describe, expect, it } from 'vitest';
import { createOutput } from '../../../../src/core/cli/output.js';
import { printCheck } from '../../../../src/tools/live-restore/report.js';
import { captureIO } from '../../../harness/capture-io.js';

describe('live-restore reports', () => {
  it('print what comes from the daemon or daemon.json without its terminal control sequences', () => {
    const io = captureIO('/');
    printCheck(createOutput('live-restore', io), {
      host: 'unix:///var/run/docker.sock',
      configFile: '/etc/docker/daemon.json',
      reachable: true,
      findings: [{ id: 'storage-driver', severity: 'warning', message: 'driver "\u001b]0;owned\u0007x"', fix: 'see\u001b[2J' }],
    }, false);
    expect(io.out()).not.toMatch(/[\u001b\u0007]/);
    expect(io.out()).toContain('\\x1b]0;owned\\x07x');
    expect(io.out()).toContain('see\\x1b[2J');
  });
});
