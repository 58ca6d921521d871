/**
 * A unified diff of two small texts (daemon.json), for --dry-run. Longest common
 * subsequence over lines; three lines of context like diff -u.
 */
type Op = { readonly kind: ' ' | '-' | '+'; readonly line: string };

const splitLines = (text: string): string[] => {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
};

const diffOps = (a: readonly string[], b: readonly string[]): Op[] => {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i -= 1) {
    for (let j = m - 1; j >= 0; j -= 1) {
      const row = table[i] as number[];
      row[j] = a[i] === b[j] ? (table[i + 1]?.[j + 1] ?? 0) + 1 : Math.max(table[i + 1]?.[j] ?? 0, row[j + 1] ?? 0);
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      ops.push({ kind: ' ', line: a[i] ?? '' });
      i += 1;
      j += 1;
    } else if (i < n && (j >= m || (table[i + 1]?.[j] ?? 0) >= (table[i]?.[j + 1] ?? 0))) {
      ops.push({ kind: '-', line: a[i] ?? '' });
      i += 1;
    } else {
      ops.push({ kind: '+', line: b[j] ?? '' });
      j += 1;
    }
  }
  return ops;
};

export const unifiedDiff = (before: string, after: string, path: string, context = 3): string => {
  const ops = diffOps(splitLines(before), splitLines(after));
  const out = [`--- ${before === '' ? '/dev/null' : path}`, `+++ ${path}`];
  let index = 0;
  while (index < ops.length) {
    const firstChange = ops.findIndex((op, k) => k >= index && op.kind !== ' ');
    if (firstChange < 0) break;
    const start = Math.max(index, firstChange - context);
    let end = firstChange;
    // Extend the hunk while changes are closer than 2×context apart.
    for (let k = firstChange; k < ops.length; k += 1) {
      if (ops[k]?.kind !== ' ') end = k;
      else if (k - end > 2 * context) break;
    }
    const stop = Math.min(ops.length, end + context + 1);
    const oldStart = ops.slice(0, start).filter((op) => op.kind !== '+').length;
    const newStart = ops.slice(0, start).filter((op) => op.kind !== '-').length;
    const hunk = ops.slice(start, stop);
    const oldCount = hunk.filter((op) => op.kind !== '+').length;
    const newCount = hunk.filter((op) => op.kind !== '-').length;
    out.push(`@@ -${oldCount === 0 ? oldStart : oldStart + 1},${oldCount} +${newCount === 0 ? newStart : newStart + 1},${newCount} @@`);
    for (const op of hunk) out.push(`${op.kind}${op.line}`);
    index = stop;
  }
  return out.join('\n');
};
