import { get, type Answer } from './api.js';
import { disposeCharts } from './charts.js';
import { cellText, h } from './dom.js';
import { grid } from './grid.js';

type Alert = Record<string, unknown>;

const COLUMNS = [
  'Severity',
  'StartTime',
  'RuleName',
  'SrcIps',
  'DestIps',
  'DestPorts',
  'EvidenceCount',
  'Description',
];

/** Alerts by severity, rule, entities and time; an alert opens its evidence flows. */
export async function alertsPage(
  root: HTMLElement,
  openInEditor: (kql: string) => void,
  selected: string | null,
): Promise<void> {
  disposeCharts(root);
  const severity = h(
    'select',
    {},
    ...['', 'High', 'Medium', 'Low', 'Informational'].map((s) =>
      h('option', { value: s }, s || 'All severities'),
    ),
  );
  const list = h('div', {});
  const detail = h('div', { id: 'evidence' });
  root.replaceChildren(h('div', { class: 'toolbar' }, h('h1', {}, 'Alerts'), severity), list, detail);
  const load = async (): Promise<void> => {
    const q = severity.value ? `?severity=${encodeURIComponent(severity.value)}` : '';
    const { alerts } = await get<{ alerts: Alert[] }>(`/api/alerts${q}`);
    const answer: Answer = {
      columns: COLUMNS.map((name) => ({ name, type: 'string' })),
      rows: alerts.map((a) => COLUMNS.map((c) => a[c])),
      render: null,
      error: null,
    };
    list.replaceChildren(
      alerts.length
        ? grid(answer, (row) => void open(alerts[answer.rows.indexOf(row)]))
        : h('div', { class: 'muted' }, 'No alerts.'),
    );
    root.setAttribute('data-ready', 'true');
  };
  const open = async (alert: Alert | undefined): Promise<void> => {
    if (!alert) return;
    location.hash = `#/alerts/${encodeURIComponent(String(alert.AlertId))}`;
  };
  severity.addEventListener('change', () => void load());
  await load();
  if (selected) {
    detail.replaceChildren(h('div', { class: 'muted' }, 'Loading the evidence\u2026'));
    try {
      const { alert, evidence } = await get<{ alert: Alert; evidence: Answer }>(
        `/api/alerts/${encodeURIComponent(selected)}/evidence`,
      );
      detail.replaceChildren(
        h('h2', { style: 'margin-top:16px' }, `${cellText(alert.RuleName)} (${cellText(alert.Severity)})`),
        h('p', {}, cellText(alert.Description)),
        h(
          'div',
          { class: 'toolbar' },
          h('span', { class: 'muted' }, 'Evidence query'),
          h('button', { onclick: () => openInEditor(String(alert.Evidence)) }, 'Open in editor'),
        ),
        h('pre', { class: 'kql' }, cellText(alert.Evidence)),
        evidence.error ? h('div', { class: 'error' }, evidence.error.message) : grid(evidence),
      );
      detail.setAttribute('data-ready', 'true');
    } catch (err) {
      detail.replaceChildren(h('div', { class: 'error' }, (err as Error).message));
    }
  }
}
