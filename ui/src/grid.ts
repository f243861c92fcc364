import type { Answer } from './api.js';
import { cellText, download, h } from './dom.js';

/**
 * A results grid: click a header to sort (again to reverse), copy as TSV, download CSV or JSON.
 * `onRow` makes rows clickable.
 */
export function grid(a: Answer, onRow?: (row: unknown[]) => void): HTMLElement {
  let rows = a.rows.slice();
  let sortCol = -1;
  let asc = true;
  const body = h('tbody');
  const fill = (): void => {
    body.replaceChildren(
      ...rows.slice(0, 5000).map((r) =>
        h(
          'tr',
          onRow ? { class: 'clickable', onclick: () => onRow(r) } : {},
          ...r.map((v, i) => {
            const text = cellText(v);
            const cls = a.columns[i].name === 'Severity' ? `sev-${text}` : undefined;
            return h('td', { title: text.length > 60 ? text : undefined, class: cls }, text);
          }),
        ),
      ),
    );
  };
  const head = h(
    'tr',
    {},
    ...a.columns.map((c, i) =>
      h(
        'th',
        {
          title: c.type,
          onclick: () => {
            asc = sortCol === i ? !asc : true;
            sortCol = i;
            rows = a.rows.slice().sort((x, y) => compare(x[i], y[i]) * (asc ? 1 : -1));
            fill();
          },
        },
        c.name,
      ),
    ),
  );
  fill();
  const csv = (): string =>
    [
      a.columns.map((c) => quote(c.name)).join(','),
      ...rows.map((r) => r.map((v) => quote(cellText(v))).join(',')),
    ].join('\n');
  const tools = h(
    'div',
    { class: 'toolbar' },
    h(
      'span',
      { class: 'muted' },
      `${a.rows.length} row${a.rows.length === 1 ? '' : 's'}${a.truncated ? ' (cut at the server\u2019s limit)' : ''}`,
    ),
    h('button', { onclick: () => void navigator.clipboard?.writeText(tsv(a, rows)) }, 'Copy'),
    h('button', { onclick: () => download('results.csv', 'text/csv', csv()) }, 'CSV'),
    h(
      'button',
      {
        onclick: () =>
          download('results.json', 'application/json', JSON.stringify(objects(a, rows), null, 2)),
      },
      'JSON',
    ),
  );
  return h(
    'div',
    {},
    tools,
    h('div', { class: 'results' }, h('table', { class: 'data' }, h('thead', {}, head), body)),
  );
}

function compare(x: unknown, y: unknown): number {
  if (x === y) return 0;
  if (x === null || x === undefined) return -1;
  if (y === null || y === undefined) return 1;
  if (typeof x === 'number' && typeof y === 'number') return x - y;
  return cellText(x) < cellText(y) ? -1 : 1;
}

function quote(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function tsv(a: Answer, rows: unknown[][]): string {
  return [a.columns.map((c) => c.name).join('\t'), ...rows.map((r) => r.map(cellText).join('\t'))].join('\n');
}

function objects(a: Answer, rows: unknown[][]): Record<string, unknown>[] {
  return rows.map((r) => Object.fromEntries(a.columns.map((c, i) => [c.name, r[i]])));
}
