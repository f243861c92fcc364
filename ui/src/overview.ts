import { get, objects, query, type Answer } from './api.js';
import { disposeCharts, draw, drawAnswer, echartsReady } from './charts.js';
import { fmtNumber, h } from './dom.js';
import { grid } from './grid.js';

/** The time ranges offered, each the last span of the data (not of the clock: a copy of last month's logs still shows). */
const RANGES: Record<string, string> = { '1h': '1h', '6h': '6h', '24h': '24h', '7d': '7d', '30d': '30d' };

/**
 * Every tile's query reads T, the Traffic Analytics rows of the range, which ends at the newest
 * row: asked once, then written into each tile's query as a literal, so that fifteen queries do
 * not each look it up again (and an unchanged answer can come from the server's cache).
 */
function prefix(range: string, end: string | null): string {
  const to = end ? `datetime(${end})` : 'now()';
  return `let T = NTANetAnalytics
| where TimeGenerated > ${to} - ${RANGES[range] ?? '24h'};
`;
}

const FLOWS = 'AllowedInFlows + AllowedOutFlows + DeniedInFlows + DeniedOutFlows';
const BYTES = 'BytesSrcToDest + BytesDestToSrc';

interface Tile {
  readonly title: string;
  readonly kql: string;
  readonly wide?: boolean;
  /** Draws the answer itself (map, sankey, graph, grid) instead of by its render kind. */
  readonly custom?: (el: HTMLElement, a: Answer) => Promise<void> | void;
}

function tiles(seed000: string | null): Tile[] {
  return [
    {
      title: 'Flows over time by flow type',
      wide: true,
      kql: `T | summarize Flows = sum(${FLOWS}) by bin(TimeGenerated, 1h), FlowType\n| render timechart`,
    },
    {
      title: 'Bytes over time by flow type',
      kql: `T | summarize Bytes = sum(${BYTES}) by bin(TimeGenerated, 1h), FlowType\n| render areachart`,
    },
    {
      title: 'Allowed vs denied flows',
      kql: `T | summarize Allowed = sum(AllowedInFlows + AllowedOutFlows), Denied = sum(DeniedInFlows + DeniedOutFlows) by bin(TimeGenerated, 1h)\n| render timechart`,
    },
    {
      title: 'Top talkers: VMs',
      kql: `T | where isnotempty(SrcVm)\n| summarize Bytes = sum(${BYTES}) by SrcVm\n| top 10 by Bytes\n| render barchart`,
    },
    {
      title: 'Top talkers: IP addresses',
      kql: `T | summarize Bytes = sum(${BYTES}) by SrcIp\n| top 10 by Bytes\n| render barchart`,
    },
    {
      title: 'Top talkers: subnets',
      kql: `T | where isnotempty(SrcSubnet)\n| summarize Bytes = sum(${BYTES}) by SrcSubnet\n| top 10 by Bytes\n| render barchart`,
    },
    {
      title: 'Top destination ports',
      kql: `T | summarize Flows = sum(${FLOWS}) by Port = strcat(tostring(DestPort), "/", L4Protocol)\n| top 10 by Flows\n| render barchart`,
    },
    {
      title: 'L7 protocols',
      kql: `T | where isnotempty(L7Protocol)\n| summarize Flows = sum(${FLOWS}) by L7Protocol\n| top 10 by Flows\n| render piechart`,
    },
    {
      title: 'Internet traffic by country',
      wide: true,
      kql: `T | where isnotempty(Country)\n| summarize Bytes = sum(${BYTES}), Flows = sum(${FLOWS}), Malicious = countif(FlowType == "MaliciousFlow") by Country`,
      custom: worldMap,
    },
    ...(seed000
      ? [
          {
            title: 'Malicious flows with the DNS names they were resolved from (seed 000)',
            wide: true,
            kql: seed000,
            custom: (el: HTMLElement, a: Answer) => el.replaceWith(grid(a)),
          },
        ]
      : []),
    {
      title: 'Denied flows by NSG rule',
      kql: `T | where FlowStatus == "Denied"\n| summarize Denied = sum(DeniedInFlows + DeniedOutFlows) by AclRule\n| top 10 by Denied\n| render barchart`,
    },
    {
      title: 'Encryption status',
      kql: `T | summarize Flows = sum(${FLOWS}) by FlowEncryption\n| render piechart`,
    },
    {
      title: 'Subnet to subnet',
      wide: true,
      kql: `T | where isnotempty(SrcSubnet) and isnotempty(DestSubnet) and SrcSubnet != DestSubnet\n| summarize Bytes = sum(${BYTES}) by SrcSubnet, DestSubnet\n| top 25 by Bytes`,
      custom: sankey,
    },
    {
      title: 'VNet topology, with traffic on its edges',
      wide: true,
      kql: `NTATopologyDetails
| where AzureResourceType in ("VirtualNetwork", "VirtualNetworkGateway", "ExpressRouteCircuit", "LocalNetworkGateway")
| summarize arg_max(TimeGenerated, AddressPrefixes) by AzureResourceType, Name
| union (T | where isnotempty(ConnectionType) | summarize Bytes = sum(${BYTES}) by ConnectionType, ConnectingVnets)`,
      custom: topology,
    },
  ];
}

/** The overview page: KPIs and tiles over the chosen range; every tile opens its KQL in the editor. */
export async function overview(root: HTMLElement, openInEditor: (kql: string) => void): Promise<void> {
  const range = sessionStorage.getItem('range') ?? '24h';
  const picker = h(
    'select',
    {
      id: 'range',
      onchange: () => {
        sessionStorage.setItem('range', picker.value);
        void overview(root, openInEditor);
      },
    },
    ...Object.keys(RANGES).map((r) => h('option', { value: r, selected: r === range }, `Last ${r} of data`)),
  );
  const kpis = h('div', { class: 'kpis' });
  const area = h('div', { class: 'grid-tiles' });
  disposeCharts(root);
  root.replaceChildren(h('div', { class: 'toolbar' }, h('h1', {}, 'Overview'), picker), kpis, area);
  // The map's shapes load while the queries run.
  worldLoaded ??= loadWorld();
  const [saved, newest] = await Promise.all([
    get<{ queries: { title: string; kql: string }[] }>('/api/queries').catch(() => ({ queries: [] })),
    query('NTANetAnalytics | summarize max(TimeGenerated)').catch(() => null),
  ]);
  const seed = saved.queries.find((q) => q.title.startsWith('Flows to malicious destinations'))?.kql ?? null;
  const end = newest && !newest.error ? ((newest.rows[0]?.[0] as string | null) ?? null) : null;
  const p = prefix(range, end);
  const pending: Promise<unknown>[] = [kpiRow(kpis, p, openInEditor)];
  for (const t of tiles(seed)) {
    const body = h('div', { class: 'chart' });
    const kql = t.kql.startsWith('T ') || t.kql.includes('(T ') ? p + t.kql : t.kql;
    area.append(
      h(
        'section',
        { class: `tile${t.wide ? ' wide' : ''}`, 'data-tile': t.title },
        h(
          'div',
          { class: 'tile-head' },
          h('h2', {}, t.title),
          h('a', { onclick: () => openInEditor(kql) }, 'Open in editor'),
        ),
        body,
      ),
    );
    pending.push(
      // ago() in a tile (seed 000's query has them) counts back from the newest data, as the range does.
      query(kql, undefined, end ?? undefined).then(
        (a) => {
          if (a.error) body.replaceWith(h('div', { class: 'error' }, a.error.message));
          else if (a.rows.length === 0)
            body.replaceWith(h('div', { class: 'muted' }, 'No rows in this range.'));
          else if (t.custom) return t.custom(body, a);
          else return drawAnswer(body, a) ?? undefined;
        },
        (err: Error) => body.replaceWith(h('div', { class: 'error' }, err.message)),
      ),
    );
  }
  await Promise.all(pending);
  // Every tile drawn, the map too: the moment bench:serve measures, from the navigation's start.
  performance.mark('vnetflow:overview-drawn');
  root.setAttribute('data-ready', 'true');
}

async function kpiRow(el: HTMLElement, p: string, openInEditor: (kql: string) => void): Promise<void> {
  const kql = `${p}T | summarize Flows = sum(${FLOWS}), Denied = sum(DeniedInFlows + DeniedOutFlows), Bytes = sum(${BYTES}), MaliciousRows = countif(FlowType == "MaliciousFlow"), Peers = dcount(DestIp)`;
  const a = await query(kql);
  if (a.error) return void el.append(h('div', { class: 'error' }, a.error.message));
  const r = objects(a)[0] ?? {};
  for (const [k, label] of [
    ['Flows', 'flows'],
    ['Denied', 'denied flows'],
    ['Bytes', 'bytes'],
    ['MaliciousRows', 'malicious flow rows'],
    ['Peers', 'destinations'],
  ])
    el.append(
      h(
        'div',
        { class: 'kpi', onclick: () => openInEditor(kql) },
        h('b', {}, fmtNumber(Number(r[k] ?? 0))),
        h('span', {}, label),
      ),
    );
}

let worldLoaded: Promise<void> | null = null;

function loadWorld(): Promise<void> {
  return Promise.all([fetch('/ui/world.json').then((r) => r.json()), echartsReady]).then(([geo]) =>
    echarts.registerMap('world', geo as Parameters<typeof echarts.registerMap>[1]),
  );
}

/** Bytes by country on the packaged world map (features named by ISO code, as Country is). */
function worldMap(el: HTMLElement, a: Answer): Promise<void> {
  worldLoaded ??= loadWorld();
  return worldLoaded.then(() => {
    const rows = objects(a);
    const max = Math.max(1, ...rows.map((r) => Number(r.Bytes)));
    return draw(
      el,
      {
        tooltip: {
          trigger: 'item',
          formatter: (p: { name: string; value?: number; data?: { flows: number; malicious: number } }) =>
            p.data
              ? `${p.name}: ${fmtNumber(p.value ?? 0)} bytes, ${p.data.flows} flows, ${p.data.malicious} malicious rows`
              : p.name,
        },
        visualMap: {
          min: 0,
          max,
          left: 10,
          bottom: 10,
          calculable: true,
          inRange: { color: ['#dbe9f6', '#0b6bcb', '#08306b'] },
          formatter: (v: number) => fmtNumber(v),
        },
        series: [
          {
            type: 'map',
            map: 'world',
            roam: true,
            emphasis: { label: { show: false } },
            data: rows.map((r) => ({
              name: String(r.Country),
              value: Number(r.Bytes),
              flows: Number(r.Flows),
              malicious: Number(r.Malicious),
            })),
          },
        ],
      },
      'map',
    );
  });
}

/** Subnet-to-subnet bytes as a sankey; sources on the left, destinations on the right (no cycles). */
function sankey(el: HTMLElement, a: Answer): Promise<void> {
  const rows = objects(a);
  const src = (s: unknown): string => `${String(s)} \u2192`;
  const dst = (s: unknown): string => `\u2192 ${String(s)}`;
  const names = new Set<string>();
  for (const r of rows) {
    names.add(src(r.SrcSubnet));
    names.add(dst(r.DestSubnet));
  }
  return draw(
    el,
    {
      tooltip: { trigger: 'item', valueFormatter: (v: number) => `${fmtNumber(v)} bytes` },
      series: [
        {
          type: 'sankey',
          left: 10,
          right: 180,
          nodeGap: 6,
          emphasis: { focus: 'adjacency' },
          data: [...names].map((name) => ({ name })),
          links: rows.map((r) => ({
            source: src(r.SrcSubnet),
            target: dst(r.DestSubnet),
            value: Number(r.Bytes),
          })),
          label: { fontSize: 11 },
        },
      ],
    },
    'sankey',
  );
}

/**
 * VNets, gateways, circuits and on-premises sites as a graph: peerings weighted by the bytes that
 * crossed them, gateways tied to the VNets of their resource group, ExpressRoute circuits and
 * local network gateways to the gateway of their kind.
 */
function topology(el: HTMLElement, a: Answer): Promise<void> {
  const rows = objects(a);
  const nodes = rows.filter((r) => r.Name);
  const traffic = rows.filter((r) => r.ConnectionType);
  const short = (name: unknown): string => String(name).split('/').at(-1) ?? String(name);
  const rg = (name: unknown): string => String(name).split('/')[0];
  const cats = ['VirtualNetwork', 'VirtualNetworkGateway', 'ExpressRouteCircuit', 'LocalNetworkGateway'];
  const links: { source: string; target: string; value: number; label?: unknown }[] = [];
  const peer = new Map<string, number>();
  for (const t of traffic.filter((t) => t.ConnectionType === 'VNetPeering')) {
    const pair = String(t.ConnectingVnets).split(' ').sort().join(' ');
    peer.set(pair, (peer.get(pair) ?? 0) + Number(t.Bytes));
  }
  const vnetNames = new Set(
    nodes.filter((n) => n.AzureResourceType === 'VirtualNetwork').map((n) => short(n.Name)),
  );
  for (const [pair, bytes] of peer) {
    const [x, y] = pair.split(' ');
    if (vnetNames.has(x) && vnetNames.has(y)) links.push({ source: x, target: y, value: bytes });
  }
  const bytesOf = (kind: string): number =>
    traffic.filter((t) => t.ConnectionType === kind).reduce((s, t) => s + Number(t.Bytes), 0);
  const gateways = nodes.filter((n) => n.AzureResourceType === 'VirtualNetworkGateway');
  for (const g of gateways)
    for (const v of nodes.filter(
      (n) => n.AzureResourceType === 'VirtualNetwork' && rg(n.Name) === rg(g.Name),
    ))
      links.push({ source: short(g.Name), target: short(v.Name), value: 0 });
  const pick = (re: RegExp): string | undefined =>
    short((gateways.find((g) => re.test(String(g.Name))) ?? gateways[0])?.Name ?? '') || undefined;
  for (const c of nodes.filter((n) => n.AzureResourceType === 'ExpressRouteCircuit')) {
    const g = pick(/er/i);
    if (g) links.push({ source: short(c.Name), target: g, value: bytesOf('ExpressRoute') });
  }
  for (const l of nodes.filter((n) => n.AzureResourceType === 'LocalNetworkGateway')) {
    const g = pick(/vpn/i);
    if (g) links.push({ source: short(l.Name), target: g, value: bytesOf('VpnGateway') });
  }
  const max = Math.max(1, ...links.map((l) => l.value));
  return draw(
    el,
    {
      tooltip: {
        formatter: (p: {
          dataType: string;
          name: string;
          data: { value?: number; prefixes?: string; source?: string; target?: string };
        }) =>
          p.dataType === 'edge'
            ? `${p.data.source} \u2194 ${p.data.target}: ${fmtNumber(p.data.value ?? 0)} bytes`
            : `${p.name}${p.data.prefixes ? ` (${p.data.prefixes})` : ''}`,
      },
      legend: { data: cats, bottom: 0 },
      series: [
        {
          type: 'graph',
          layout: 'force',
          // Laid out at once: an animated layout would keep the page busy for seconds.
          force: { repulsion: 500, edgeLength: 140, layoutAnimation: false },
          zoom: 0.75,
          roam: true,
          label: { show: true, position: 'bottom' },
          categories: cats.map((name) => ({ name })),
          data: nodes.map((n) => ({
            name: short(n.Name),
            category: cats.indexOf(String(n.AzureResourceType)),
            symbolSize: n.AzureResourceType === 'VirtualNetwork' ? 40 : 24,
            prefixes: n.AddressPrefixes,
          })),
          links: links.map((l) => ({
            ...l,
            lineStyle: { width: 1 + (7 * l.value) / max, opacity: 0.7 },
            label: { show: l.value > 0, formatter: () => fmtNumber(l.value) },
          })),
        },
      ],
    },
    'graph',
  );
}
