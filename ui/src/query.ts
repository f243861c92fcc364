import { get, query } from './api.js';
import { disposeCharts, drawAnswer, echartsReady } from './charts.js';
import { h } from './dom.js';
import { grid } from './grid.js';

/** The editor the page got: Monaco with monaco-kusto, or a plain text area if Monaco failed to load. */
interface Editor {
  getValue(): string;
  setValue(v: string): void;
  onRun(fn: () => void): void;
}

interface Saved {
  title: string;
  kql: string;
}

let monacoReady: Promise<typeof import('monaco-editor')> | null = null;

/** Loads Monaco's AMD build and monaco-kusto the first time the editor opens (they are large). */
function loadMonaco(): Promise<typeof import('monaco-editor')> {
  // ECharts first: its UMD script registers with an AMD loader when one is present (Monaco's)
  // instead of defining the global the charts use.
  monacoReady ??= echartsReady.then(
    () =>
      new Promise((resolve, reject) => {
        const script = document.createElement('script');
        script.src = '/vendor/monaco/vs/loader.js';
        script.onerror = () => reject(new Error('could not load Monaco'));
        script.onload = () => {
          const req = window.require!;
          req.config({ paths: { vs: '/vendor/monaco/vs' } });
          req(
            ['vs/editor/editor.main'],
            () => req(['vs/language/kusto/monaco.contribution'], () => resolve(window.monaco!), reject),
            reject,
          );
        };
        document.head.append(script);
      }),
  );
  return monacoReady;
}

async function makeEditor(host: HTMLElement, value: string): Promise<Editor> {
  try {
    const monaco = await loadMonaco();
    const editor = monaco.editor.create(host, {
      value,
      language: 'kusto',
      theme: 'kusto-light',
      minimap: { enabled: false },
      automaticLayout: true,
      fontSize: 13,
      scrollBeyondLastLine: false,
    });
    // Completion and errors as you type come from monaco-kusto's worker, told our tables.
    void get<unknown>('/api/schema').then(async (schema) => {
      const kusto = (
        monaco.languages as unknown as {
          kusto: {
            getKustoWorker(): Promise<(uri: unknown) => Promise<{ setSchema(s: unknown): Promise<void> }>>;
          };
        }
      ).kusto;
      const accessor = await kusto.getKustoWorker();
      const worker = await accessor(editor.getModel()!.uri);
      await worker.setSchema(schema);
      host.setAttribute('data-schema', 'set');
    });
    host.setAttribute('data-editor', 'monaco');
    return {
      getValue: () => editor.getValue(),
      setValue: (v) => editor.setValue(v),
      onRun: (fn) => editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter, fn),
    };
  } catch {
    const area = h('textarea', { style: 'width:100%;height:100%;font-family:monospace' });
    area.value = value;
    host.replaceChildren(area);
    host.setAttribute('data-editor', 'textarea');
    return {
      getValue: () => area.value,
      setValue: (v) => (area.value = v),
      onRun: (fn) => area.addEventListener('keydown', (e) => e.ctrlKey && e.key === 'Enter' && fn()),
    };
  }
}

const HISTORY = 'vnetflow.history';
const SAVED = 'vnetflow.saved';

function stored(key: string): Saved[] {
  try {
    return JSON.parse(localStorage.getItem(key) ?? '[]') as Saved[];
  } catch {
    return [];
  }
}

/** The KQL editor: run, see the grid and the chart `render` asks for, history and saved queries. */
export async function queryPage(root: HTMLElement, initial: string | null): Promise<void> {
  disposeCharts(root);
  const host = h('div', { id: 'editor' });
  const out = h('div', { id: 'output' });
  const side = h('div', { class: 'side' });
  const run = h('button', { class: 'primary', id: 'run' }, 'Run (Ctrl+Enter)');
  const save = h('button', {}, 'Save');
  root.replaceChildren(
    h('h1', {}, 'Query'),
    h(
      'div',
      { class: 'split' },
      h('div', {}, host, h('div', { class: 'toolbar', style: 'margin-top:8px' }, run, save), out),
      side,
    ),
  );
  const editor = await makeEditor(
    host,
    initial ??
      sessionStorage.getItem('kql') ??
      'NTANetAnalytics\n| summarize Flows = count() by FlowType\n| render piechart',
  );
  let controller: AbortController | null = null;
  const execute = async (): Promise<void> => {
    const kql = editor.getValue();
    sessionStorage.setItem('kql', kql);
    controller?.abort();
    controller = new AbortController();
    disposeCharts(out);
    out.replaceChildren(h('div', { class: 'muted' }, 'Running\u2026'));
    const started = performance.now();
    try {
      const a = await query(kql, controller.signal);
      const ms = Math.round(performance.now() - started);
      if (a.error) {
        const where = a.error.diagnostics
          .map((d) => `line ${d.line}, column ${d.column}: ${d.message}`)
          .join('\n');
        out.replaceChildren(h('div', { class: 'error', id: 'query-error' }, where || a.error.message));
        return;
      }
      const history = [
        { title: kql.replace(/\s+/g, ' ').trim().slice(0, 80), kql },
        ...stored(HISTORY).filter((x) => x.kql !== kql),
      ].slice(0, 50);
      localStorage.setItem(HISTORY, JSON.stringify(history));
      const chart = h('div', { class: 'chart', id: 'result-chart' });
      out.replaceChildren(h('div', { class: 'muted' }, `${ms} ms`));
      if (a.render) {
        out.append(h('div', { class: 'tile', style: 'margin-top:8px' }, chart));
        if (!drawAnswer(chart, a))
          chart.replaceWith(h('div', { class: 'muted' }, `render ${a.render}: not drawn for these columns`));
      }
      out.append(grid(a));
      fillSide();
    } catch (err) {
      if ((err as Error).name !== 'AbortError')
        out.replaceChildren(h('div', { class: 'error' }, (err as Error).message));
    }
  };
  run.addEventListener('click', () => void execute());
  editor.onRun(() => void execute());
  save.addEventListener('click', () => {
    const title = prompt('Name this query');
    if (!title) return;
    localStorage.setItem(SAVED, JSON.stringify([{ title, kql: editor.getValue() }, ...stored(SAVED)]));
    fillSide();
  });
  const seeds = await get<{ queries: Saved[] }>('/api/queries').then(
    (r) => r.queries,
    () => [],
  );
  const list = (title: string, items: Saved[]): HTMLElement[] => [
    h('h2', {}, title),
    ...(items.length
      ? items.map((q) => h('a', { title: q.kql, onclick: () => editor.setValue(q.kql) }, q.title))
      : [h('div', { class: 'muted' }, 'none yet')]),
  ];
  const fillSide = (): void =>
    side.replaceChildren(
      ...list('Saved', stored(SAVED)),
      ...list('Seed queries', seeds),
      ...list('History', stored(HISTORY).slice(0, 20)),
    );
  fillSide();
  root.setAttribute('data-ready', 'true');
  if (initial) await execute();
}
