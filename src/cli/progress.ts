import type { Progress } from '../ingest/ingest.js';

/**
 * A one-line progress bar on stderr, only when stderr is a terminal, so piped and scripted runs
 * stay quiet.
 */
export function progressBar(stream: NodeJS.WriteStream = process.stderr): {
  update(p: Progress): void;
  done(): void;
} {
  if (!stream.isTTY) return { update: () => undefined, done: () => undefined };
  const started = performance.now();
  let shown = false;
  return {
    update(p) {
      const frac = p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 1;
      const width = 30;
      const filled = Math.round(frac * width);
      const secs = (performance.now() - started) / 1000;
      const rate = secs > 0 ? Math.round(p.tuplesStored / secs) : 0;
      stream.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}%  ` +
          `${p.filesDone}/${p.filesTotal} files  ${p.tuplesStored.toLocaleString('en-US')} tuples  ${rate.toLocaleString('en-US')}/s `,
      );
      shown = true;
    },
    done() {
      if (shown) stream.write('\n');
    },
  };
}
