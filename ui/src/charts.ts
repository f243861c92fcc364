import type { Answer } from './api.js';
import { fmtNumber } from './dom.js';

/** The `render` kinds drawn here, as Log Analytics draws them. */
export const CHART_KINDS = [
  'timechart',
  'linechart',
  'areachart',
  'columnchart',
  'barchart',
  'piechart',
  'scatterchart',
];

const NUMERIC = new Set(['long', 'int', 'real', 'decimal']);
type Chart = ReturnType<typeof echarts.init>;
const charts = new Set<Chart>();
window.addEventListener('resize', () => charts.forEach((c) => c.resize()));

/** Disposes the charts inside an element about to be replaced. */
export function disposeCharts(root: Element): void {
  for (const c of [...charts]) {
    const dom = c.getDom();
    if (root.contains(dom)) {
      c.dispose();
      charts.delete(c);
    }
  }
}

/**
 * ECharts, once its script has run. The page loads it `async`, so the queries start while it is
 * still being parsed; drawing waits for it.
 */
export const echartsReady: Promise<void> = new Promise((resolve, reject) => {
  if (typeof echarts !== 'undefined') return resolve();
  const script = document.querySelector('script[src$="/echarts.js"]');
  if (!script) return reject(new Error('the page has no ECharts script'));
  script.addEventListener('load', () => resolve());
  script.addEventListener('error', () => reject(new Error('could not load ECharts')));
});

/** Draws an ECharts option into el as soon as ECharts is there; then marks el data-drawn=kind. */
export function draw(el: HTMLElement, option: Record<string, unknown>, kind: string): Promise<void> {
  return echartsReady.then(() => {
    const start = performance.now();
    // SVG: measured faster than canvas for these small charts (the overview drew in 1.2 s
    // instead of 1.5 s in headless Chromium), and crisp at any zoom.
    const chart = echarts.init(el, undefined, { renderer: 'svg' });
    chart.setOption({ animation: false, ...option });
    charts.add(chart);
    el.setAttribute('data-drawn', kind);
    // Visible in the browser's performance timeline (bench:serve reads it).
    performance.measure(`draw ${kind}`, { start });
  });
}

/**
 * Draws a query's answer as its `render` asks (or as `kind`): the first datetime column is the
 * time axis, the first string column names the categories or splits the series, numeric columns
 * are the values. Returns false when the answer cannot be drawn that way.
 */
export function drawAnswer(el: HTMLElement, a: Answer, kind = a.render ?? ''): Promise<void> | null {
  if (!CHART_KINDS.includes(kind) || a.rows.length === 0) return null;
  const idx = (pred: (t: string) => boolean): number[] =>
    a.columns.flatMap((c, i) => (pred(c.type) ? [i] : []));
  const times = idx((t) => t === 'datetime');
  const strings = idx((t) => t === 'string' || t === 'bool' || t === 'dynamic');
  const nums = idx((t) => NUMERIC.has(t) || t === 'timespan');
  const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
  const legend = { type: 'scroll', bottom: 0 };
  const tooltip = {
    trigger: kind === 'piechart' ? 'item' : 'axis',
    valueFormatter: (v: number) => fmtNumber(v),
  };
  if (kind === 'timechart' || kind === 'linechart' || kind === 'areachart') {
    const x = times[0] ?? nums[0];
    const values = nums.filter((i) => i !== x);
    if (x === undefined || values.length === 0) return null;
    const split = strings[0];
    const series: Record<string, unknown>[] = [];
    if (split !== undefined) {
      const groups = new Map<string, [unknown, number][]>();
      for (const r of a.rows) {
        const key = String(r[split] ?? '');
        if (!groups.has(key)) groups.set(key, []);
        groups.get(key)!.push([r[x], num(r[values[0]])]);
      }
      for (const [name, data] of groups) series.push({ name: name || '(empty)', data: data.sort(byX) });
    } else
      for (const v of values)
        series.push({
          name: a.columns[v].name,
          data: a.rows.map((r) => [r[x], num(r[v])] as [unknown, number]).sort(byX),
        });
    return draw(
      el,
      {
        tooltip,
        legend,
        grid: { left: 60, right: 20, top: 20, bottom: 50 },
        xAxis: { type: times[0] !== undefined ? 'time' : 'value' },
        yAxis: { type: 'value', axisLabel: { formatter: (v: number) => fmtNumber(v) } },
        series: series.map((s) => ({
          ...s,
          type: 'line',
          showSymbol: false,
          ...(kind === 'areachart' ? { areaStyle: {}, stack: 'total' } : {}),
        })),
      },
      kind,
    );
  }
  if (kind === 'columnchart' || kind === 'barchart') {
    const cat = strings[0] ?? times[0] ?? nums[0];
    const values = nums.filter((i) => i !== cat);
    if (cat === undefined || values.length === 0) return null;
    const labels = a.rows.map((r) => String(r[cat] ?? ''));
    const catAxis = {
      type: 'category',
      data: kind === 'barchart' ? labels.slice().reverse() : labels,
      axisLabel: { width: 140, overflow: 'truncate' },
    };
    const valAxis = { type: 'value', axisLabel: { formatter: (v: number) => fmtNumber(v) } };
    return draw(
      el,
      {
        tooltip,
        legend: values.length > 1 ? legend : undefined,
        grid: {
          left: kind === 'barchart' ? 150 : 60,
          right: 20,
          top: 20,
          bottom: values.length > 1 ? 50 : 40,
          containLabel: false,
        },
        xAxis: kind === 'barchart' ? valAxis : catAxis,
        yAxis: kind === 'barchart' ? catAxis : valAxis,
        series: values.map((v) => {
          const data = a.rows.map((r) => num(r[v]));
          return { name: a.columns[v].name, type: 'bar', data: kind === 'barchart' ? data.reverse() : data };
        }),
      },
      kind,
    );
  }
  if (kind === 'piechart') {
    const label = strings[0] ?? times[0];
    const value = nums[0];
    if (label === undefined || value === undefined) return null;
    return draw(
      el,
      {
        tooltip,
        legend: { ...legend, type: 'scroll' },
        series: [
          {
            type: 'pie',
            radius: ['35%', '65%'],
            data: a.rows.map((r) => ({ name: String(r[label] ?? ''), value: num(r[value]) })),
          },
        ],
      },
      kind,
    );
  }
  // scatterchart: x and y from the first two numeric (or time) columns, split by the first string.
  const x = times[0] ?? nums[0];
  const y = nums.find((i) => i !== x);
  if (x === undefined || y === undefined) return null;
  const split = strings[0];
  const groups = new Map<string, unknown[][]>();
  for (const r of a.rows) {
    const key = split === undefined ? a.columns[y].name : String(r[split] ?? '');
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push([r[x], num(r[y])]);
  }
  return draw(
    el,
    {
      tooltip: { trigger: 'item' },
      legend,
      grid: { left: 60, right: 20, top: 20, bottom: 50 },
      xAxis: { type: times[0] !== undefined ? 'time' : 'value' },
      yAxis: { type: 'value' },
      series: [...groups].map(([name, data]) => ({ name, type: 'scatter', data, symbolSize: 6 })),
    },
    kind,
  );
}

function byX(p: [unknown, number], q: [unknown, number]): number {
  if (typeof p[0] === 'number' && typeof q[0] === 'number') return p[0] - q[0];
  return String(p[0]) < String(q[0]) ? -1 : String(p[0]) > String(q[0]) ? 1 : 0;
}
