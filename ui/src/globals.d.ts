// Libraries the page loads with script tags (served from their npm packages by the server).
declare const echarts: typeof import('echarts');

/** The AMD loader that Monaco's min build brings (vs/loader.js). */
interface AmdRequire {
  (deps: string[], onLoad: (...modules: unknown[]) => void, onError?: (err: unknown) => void): void;
  config(config: { paths: Record<string, string> }): void;
}
interface Window {
  require?: AmdRequire;
  monaco?: typeof import('monaco-editor');
}
