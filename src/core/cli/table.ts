import Table from 'cli-table3';
import type { Output } from './output.js';

/**
 * A table for stdout (cli-table3): borders only on a TTY, so scripts can still parse it. Its
 * own module so that only the reports that print a table load cli-table3 (about 60 kB with
 * its dependencies), not every tool that prints a line.
 */
export const formatTable = (
  out: Pick<Output, 'color' | 'stdoutIsTTY'>,
  head: readonly string[],
  rows: readonly (readonly string[])[],
): string => {
  const table = new Table({
    head: head.map((h) => out.color.bold(h)),
    style: { head: [], border: [] },
    ...(out.stdoutIsTTY ? {} : { chars: plainTableChars }),
  });
  for (const row of rows) table.push([...row]);
  return table.toString();
};

const plainTableChars = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
  bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
};
