import { alertsPage } from './alerts.js';
import { h } from './dom.js';
import { ingestPage } from './ingest.js';
import { overview } from './overview.js';
import { queryPage } from './query.js';
import { whyPage } from './why.js';

const app = document.getElementById('app')!;
let pendingKql: string | null = null;

/** Opens a query in the editor (from a tile, an alert, the why page). */
function openInEditor(kql: string): void {
  pendingKql = kql;
  if (location.hash === '#/query') void route();
  else location.hash = '#/query';
}

/** The page the address names: #/overview, #/query, #/alerts[/ID], #/why, #/ingest. */
async function route(): Promise<void> {
  const [page = 'overview', arg] = location.hash.replace(/^#\/?/, '').split('/');
  for (const a of document.querySelectorAll('header nav a'))
    a.classList.toggle('active', a.getAttribute('data-page') === page);
  app.removeAttribute('data-ready');
  app.setAttribute('data-page', page);
  try {
    if (page === 'query') {
      const kql = pendingKql;
      pendingKql = null;
      await queryPage(app, kql);
    } else if (page === 'alerts') await alertsPage(app, openInEditor, arg ? decodeURIComponent(arg) : null);
    else if (page === 'why') whyPage(app, openInEditor);
    else if (page === 'ingest') await ingestPage(app, openInEditor);
    else await overview(app, openInEditor);
  } catch (err) {
    app.replaceChildren(h('div', { class: 'error' }, (err as Error).message));
    app.setAttribute('data-ready', 'true');
  }
}

window.addEventListener('hashchange', () => void route());
void route();
