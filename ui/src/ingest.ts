import { get, type Answer } from './api.js';
import { disposeCharts } from './charts.js';
import { h } from './dom.js';
import { grid } from './grid.js';

interface Sources {
  sources: Record<string, unknown>[];
  lagSeconds: number | null;
  lastPass: { at: string; tuplesStored: number; seconds: number } | null;
  errors: Record<string, unknown>[];
  errorsKql: string;
}

function table(rows: Record<string, unknown>[], cols: string[]): Answer {
  return {
    columns: cols.map((name) => ({ name, type: 'string' })),
    rows: rows.map((r) => cols.map((c) => r[c])),
    render: null,
    error: null,
  };
}

/** Ingest status: each source's figures, the lag, and the IngestErrors with their reasons. */
export async function ingestPage(root: HTMLElement, openInEditor: (kql: string) => void): Promise<void> {
  disposeCharts(root);
  const s = await get<Sources>('/api/sources');
  const lag =
    s.lagSeconds === null ? 'no data yet' : `${Math.round(s.lagSeconds / 60)} min behind the newest tuple`;
  root.replaceChildren(
    h('h1', {}, 'Ingest'),
    h(
      'div',
      { class: 'kpis' },
      h('div', { class: 'kpi' }, h('b', {}, String(s.sources.length)), h('span', {}, 'sources')),
      h('div', { class: 'kpi' }, h('b', {}, lag), h('span', {}, 'lag')),
      h(
        'div',
        { class: 'kpi' },
        h('b', {}, s.lastPass ? new Date(s.lastPass.at).toLocaleTimeString() : 'none'),
        h('span', {}, 'last pass'),
      ),
    ),
    h('h2', {}, 'Sources'),
    s.sources.length
      ? grid(
          table(s.sources, [
            'path',
            'files',
            'filesRead',
            'filesRejected',
            'tuplesStored',
            'tuplesRejected',
            'lastPass',
            'lastError',
          ]),
        )
      : h(
          'p',
          { class: 'muted' },
          'No sources: start the server with --watch PATH (or sources: in its config) to ingest as files arrive.',
        ),
    h(
      'div',
      { class: 'toolbar', style: 'margin-top:16px' },
      h('h2', {}, 'Ingest errors'),
      h('button', { onclick: () => openInEditor(s.errorsKql) }, 'Open in editor'),
    ),
    s.errors.length
      ? grid(table(s.errors, ['Reason', 'Level', 'Rows', 'Last', 'Example']))
      : h('p', { class: 'muted' }, 'No input was rejected.'),
  );
  root.setAttribute('data-ready', 'true');
}
