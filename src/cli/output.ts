// Output helpers shared by commands: JSON for scripts, aligned tables for people.
export function printJson(value: unknown): void {
  process.stdout.write(jsonText(value));
}

/** What printJson prints, for a command that also keeps it. */
export const jsonText = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`;

/** Columns padded to their widest cell, two spaces apart. One pass for the widths, one for the lines: plans print 10,000 rows. */
export function formatTable(headers: string[], rows: (string | number)[][]): string {
  const n = headers.length;
  const widths = headers.map((h) => h.length);
  const cells: string[][] = new Array<string[]>(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const c = String(row[i] ?? '');
      out[i] = c;
      if (c.length > widths[i]!) widths[i] = c.length;
    }
    cells[r] = out;
  }
  const line = (r: readonly string[]): string => {
    let s = '';
    for (let i = 0; i < n - 1; i++) s += `${r[i]!.padEnd(widths[i]!)}  `;
    return (s + r[n - 1]!).trimEnd();
  };
  const lines = [line(headers), line(widths.map((w) => '-'.repeat(w)))];
  for (const r of cells) lines.push(line(r));
  return lines.join('\n');
}

export function printTable(headers: string[], rows: (string | number)[][]): void {
  process.stdout.write(`${formatTable(headers, rows)}\n`);
}
