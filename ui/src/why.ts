import { get, type Answer } from './api.js';
import { disposeCharts } from './charts.js';
import { h } from './dom.js';
import { grid } from './grid.js';

interface WhyAnswer {
  verdict: string;
  sentence: string;
  lastAllowed: string | null;
  observations: Record<string, unknown>[];
  kql: string;
}

const COLS = [
  'status',
  'direction',
  'nic',
  'rule',
  'acl',
  'encryption',
  'tuples',
  'first',
  'last',
  'bytesBack',
];

/** Why can't A reach B? (seed 003): the tuples between them, the rule and NIC that decided, one sentence. */
export function whyPage(root: HTMLElement, openInEditor: (kql: string) => void): void {
  disposeCharts(root);
  const saved = JSON.parse(sessionStorage.getItem('why') ?? '{}') as Record<string, string>;
  const src = h('input', { id: 'why-src', placeholder: 'source IP, e.g. 10.3.0.4', value: saved.src ?? '' });
  const dst = h('input', {
    id: 'why-dst',
    placeholder: 'destination IP, e.g. 10.1.2.4',
    value: saved.dst ?? '',
  });
  const port = h('input', {
    id: 'why-port',
    placeholder: 'port (optional)',
    value: saved.port ?? '',
    size: 8,
  });
  const days = h(
    'select',
    { id: 'why-range' },
    h('option', { value: '0' }, 'all the data'),
    ...['1', '7', '30'].map((d) => h('option', { value: d }, `the last ${d} days`)),
  );
  const out = h('div', { id: 'why-out' });
  const ask = async (): Promise<void> => {
    sessionStorage.setItem('why', JSON.stringify({ src: src.value, dst: dst.value, port: port.value }));
    const params = new URLSearchParams({ src: src.value.trim(), dst: dst.value.trim() });
    if (port.value.trim()) params.set('port', port.value.trim());
    if (days.value !== '0')
      params.set('from', new Date(Date.now() - Number(days.value) * 86_400_000).toISOString());
    out.replaceChildren(h('div', { class: 'muted' }, 'Looking\u2026'));
    try {
      const a = await get<WhyAnswer>(`/api/why?${params}`);
      const table: Answer = {
        columns: COLS.map((name) => ({ name, type: 'string' })),
        rows: a.observations.map((o) => COLS.map((c) => o[c])),
        render: null,
        error: null,
      };
      out.replaceChildren(
        h('div', { class: `answer ${a.verdict}`, id: 'why-answer', 'data-verdict': a.verdict }, a.sentence),
        ...(a.observations.length ? [grid(table)] : []),
        h(
          'div',
          { class: 'toolbar', style: 'margin-top:8px' },
          h('button', { onclick: () => openInEditor(a.kql) }, 'Open the tuples query in the editor'),
        ),
      );
    } catch (err) {
      out.replaceChildren(h('div', { class: 'error' }, (err as Error).message));
    }
  };
  root.replaceChildren(
    h('h1', {}, "Why can't A reach B?"),
    h(
      'form',
      { class: 'toolbar', onsubmit: (e: Event) => (e.preventDefault(), void ask()) },
      src,
      dst,
      port,
      days,
      h('button', { class: 'primary', type: 'submit', id: 'why-ask' }, 'Ask'),
    ),
    out,
  );
  root.setAttribute('data-ready', 'true');
}
