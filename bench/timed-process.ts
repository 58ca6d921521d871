import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Timed {
  readonly ms: number;
  readonly peakRssKb: number;
}

/**
 * Runs one command to its end and measures it: wall time, and the peak resident set size
 * read from /proc/PID/status (VmHWM) every `pollMs` while it runs. Rejects on a non-zero exit
 * with what the command printed on stderr.
 */
export const timed = (command: string, args: string[], env: NodeJS.ProcessEnv, pollMs = 50): Promise<Timed> =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let peak = 0;
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const poll = setInterval(() => {
      try {
        const hwm = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        if (hwm !== undefined) peak = Math.max(peak, Number(hwm));
      } catch {
        // The child has exited between polls.
      }
    }, pollMs);
    child.on('exit', (code) => {
      clearInterval(poll);
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, peakRssKb: peak });
      else reject(new Error(`${command} exited ${code}: ${stderr}`));
    });
  });
