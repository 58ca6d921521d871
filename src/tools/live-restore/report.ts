import { formatTable } from '../../core/cli/table.js';
import { type Output, withoutControlChars } from '../../core/cli/output.js';
import type { ChangeResult } from './change.js';
import type { CheckResult } from './check.js';
import type { ReloadResult } from './reload.js';
import { statusRows, type StatusReport } from './status.js';

const onOff = (value: boolean | undefined | null): string => (value === true ? 'on' : value === false ? 'off' : 'unknown');

export const printStatus = (out: Output, report: StatusReport, json: boolean): void => {
  if (json) out.json(report);
  // Values come from the daemon and daemon.json: no terminal control sequence gets through.
  else out.print(formatTable(out, ['Field', 'Value'], statusRows(report).map((row) => row.map(withoutControlChars))));
};

export const printChange = (out: Output, result: ChangeResult, json: boolean): void => {
  if (json) {
    out.json(result);
    return;
  }
  const wanted = result.action === 'enable' ? 'on' : 'off';
  switch (result.outcome) {
    case 'already':
      out.print(`live restore is already ${wanted} in ${result.configFile}${result.runningBefore === undefined ? '' : ' and in the running daemon'}`);
      return;
    case 'dry-run':
      if (result.diff !== undefined) out.print(result.diff);
      out.print(`dry run: ${result.configFile} was not ${result.created ? 'created' : 'changed'}${result.fileChanged ? '' : ' (it already holds the value; a reload would apply it)'}`);
      return;
    case 'written':
      out.print(`${result.created ? 'created' : 'updated'} ${result.configFile}: "live-restore": ${String(result.action === 'enable')}`);
      if (result.daemonDown === true) out.print('dockerd is not running: the file takes effect when it starts');
      else out.print(`the daemon runs with live restore ${onOff(result.runningBefore)} until it reloads ("live-restore reload") or restarts`);
      return;
    case 'applied':
      out.print(
        result.fileChanged
          ? `${result.created ? 'created' : 'updated'} ${result.configFile}: "live-restore": ${String(result.action === 'enable')}`
          : `${result.configFile} already held "live-restore": ${String(result.action === 'enable')}`,
      );
      out.print(`dockerd reloaded (${result.reload?.sent.detail ?? ''}); the daemon reports live restore ${onOff(result.reload?.running)}`);
  }
};

export const printReload = (out: Output, result: ReloadResult, json: boolean): void => {
  if (json) {
    out.json(result);
    return;
  }
  out.print(`dockerd reloaded ${result.configFile} (${result.sent.detail}); live restore is ${onOff(result.running)}`);
  if (result.fileValue === null) out.print('note: the file does not set "live-restore", so a reload keeps the running value');
};

export const printCheck = (out: Output, result: CheckResult, json: boolean): void => {
  if (json) {
    out.json({ ...result, clean: result.findings.length === 0 });
    return;
  }
  if (result.findings.length === 0) {
    out.print(`no findings: live restore is on and nothing known stops it from working (${result.configFile}, ${result.host})`);
    return;
  }
  const paint = (severity: string): string => (severity === 'error' ? out.color.red(severity) : out.color.yellow(severity));
  out.print(
    formatTable(
      out,
      ['Severity', 'Finding', 'Fix'],
      result.findings.map((f) => [paint(f.severity), withoutControlChars(`${f.id}: ${f.message}`), withoutControlChars(f.fix)]),
    ),
  );
};
