// The part of ECharts the UI draws with, bundled by esbuild into dist/ui/echarts.js (about half of
// echarts.min.js: the page parses it in half the time, and its parse is on the overview's
// critical path). It sets the global `echarts` the other modules use.
import * as echarts from 'echarts/core';
import {
  BarChart,
  GraphChart,
  LineChart,
  MapChart,
  PieChart,
  SankeyChart,
  ScatterChart,
} from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent, VisualMapComponent } from 'echarts/components';
import { SVGRenderer } from 'echarts/renderers';

echarts.use([
  BarChart,
  GraphChart,
  LineChart,
  MapChart,
  PieChart,
  SankeyChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  TooltipComponent,
  VisualMapComponent,
  SVGRenderer,
]);
(globalThis as unknown as { echarts: typeof echarts }).echarts = echarts;
