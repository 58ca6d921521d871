import { main } from '../../../src/tools/replstatus/cli.js';
import { captureIO } from '../../harness/capture-io.js';

export interface ReplstatusRun {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs replstatus's CLI in this process with captured output (what bin/replstatus runs). */
export const runReplstatus = async (argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<ReplstatusRun> => {
  const io = captureIO(process.cwd(), { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/root', ...env });
  const status = await main(argv, io);
  return { status, stdout: io.out(), stderr: io.err() };
};

export interface ParsedMetric {
  type: string;
  samples: { labels: Record<string, string>; value: number }[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(?:,|$)/;

/**
 * A strict reader of the Prometheus text format: every line is a HELP, a TYPE (once per
 * metric, before its samples) or a sample of a typed metric with valid labels and a number.
 * Throws on anything else, so a test fails on output a scraper would reject.
 */
export const parseExposition = (text: string): Map<string, ParsedMetric> => {
  const metrics = new Map<string, ParsedMetric>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type !== null) {
      const name = type[1] as string;
      if (!METRIC_NAME.test(name)) throw new Error(`invalid metric name: ${line}`);
      if (metrics.has(name)) throw new Error(`second TYPE line for ${name}`);
      metrics.set(name, { type: type[2] as string, samples: [] });
      continue;
    }
    if (/^# HELP \S+ .*$/.test(line)) continue;
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`not a sample line: ${line}`);
    const metric = metrics.get(sample[1] as string);
    if (metric === undefined) throw new Error(`sample before its TYPE line: ${line}`);
    const labels: Record<string, string> = {};
    let rest = sample[2] ?? '';
    while (rest !== '') {
      const label = LABEL.exec(rest);
      if (label === null) throw new Error(`invalid labels in: ${line}`);
      labels[label[1] as string] = (label[2] as string).replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
      rest = rest.slice(label[0].length);
    }
    const value = Number(sample[3]);
    if (Number.isNaN(value)) throw new Error(`not a number: ${line}`);
    metric.samples.push({ labels, value });
  }
  return metrics;
};
