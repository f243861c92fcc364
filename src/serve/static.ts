import { createReadStream, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { ServerResponse } from 'node:http';
import { dirname, extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SECURITY_HEADERS } from './http.js';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json; charset=utf-8',
};

const require = createRequire(import.meta.url);
const pkg = (name: string): string => dirname(require.resolve(`${name}/package.json`));

/**
 * URL prefixes and the folders they serve, most specific first. The UI's own code is compiled
 * to dist/ui; the libraries it uses are served from their packages as installed (no copy, no
 * CDN): Monaco's AMD build with monaco-kusto laid into vs/language/kusto, as monaco-kusto's
 * copyMonacoFilesAMD lays them out. ECharts and the world map are built into dist/ui.
 */
function roots(): { prefix: string; dir: string }[] {
  return [
    { prefix: '/vendor/monaco/vs/language/kusto/', dir: join(pkg('@kusto/monaco-kusto'), 'release', 'min') },
    { prefix: '/vendor/monaco/vs/', dir: join(pkg('monaco-editor'), 'min', 'vs') },
    { prefix: '/ui/', dir: uiDir() },
  ];
}

/** dist/ui, beside dist/src where this file runs from. */
export function uiDir(): string {
  return fileURLToPath(new URL('../../ui/', import.meta.url));
}

let table: { prefix: string; dir: string }[] | null = null;

/**
 * Serves a file under one of the roots, or returns false. A path that climbs out of its root
 * (`..`, an encoded slash or NUL) is refused, not resolved.
 */
export function serveStatic(path: string, res: ServerResponse): boolean {
  table ??= roots();
  if (path === '/' || path === '/index.html') path = '/ui/index.html';
  const root = table.find((r) => path.startsWith(r.prefix));
  if (!root) return false;
  let rel: string;
  try {
    rel = decodeURIComponent(path.slice(root.prefix.length));
  } catch {
    return false;
  }
  if (rel.includes('\0') || rel.includes('\\')) return false;
  const file = normalize(join(root.dir, rel));
  if (!file.startsWith(root.dir.endsWith(sep) ? root.dir : root.dir + sep)) return false;
  let size: number;
  try {
    const st = statSync(file);
    if (!st.isFile()) return false;
    size = st.size;
  } catch {
    return false;
  }
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': size,
    // The libraries change only with a new install; the UI's own files with a new build.
    'Cache-Control': root.prefix.startsWith('/vendor/') ? 'public, max-age=86400' : 'no-cache',
  });
  createReadStream(file).pipe(res);
  return true;
}
