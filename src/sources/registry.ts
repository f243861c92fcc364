import { AzureBlobSource, type BlobSourceOptions } from './azure-blob/azure-blob-source.js';
import { isBlobSpec } from './azure-blob/location.js';
import { FileSource } from './file/file-source.js';
import type { Source } from './source.js';

/** How a source type is recognised from what a user typed, and made. */
interface SourceType {
  /** True when this type reads the given path or URL. */
  readonly claims: (spec: string) => boolean;
  /** Makes the source for all the specs it claimed. */
  readonly open: (specs: readonly string[], options: BlobSourceOptions) => Promise<Source[]>;
}

/**
 * Every source type, tried in this order: storage URLs first, then local paths (which take what is
 * left). Adding a source is one entry here plus its folder.
 */
export const sourceTypes: Readonly<Record<string, SourceType>> = {
  'azure-blob': {
    claims: isBlobSpec,
    open: (specs, options) => Promise.resolve(specs.map((s) => new AzureBlobSource(s, options))),
  },
  file: {
    claims: () => true,
    open: async (specs) => {
      // One file source for all paths, so that a file named twice is read once.
      const files = new FileSource(specs);
      await files.check();
      return [files];
    },
  },
};

/** The sources for paths and URLs as typed: invalid ones fail here, before any database is opened. */
export async function openSources(specs: readonly string[], options: BlobSourceOptions): Promise<Source[]> {
  const byType = new Map<string, string[]>();
  for (const spec of specs) {
    const type = Object.keys(sourceTypes).find((t) => sourceTypes[t].claims(spec))!;
    byType.set(type, [...(byType.get(type) ?? []), spec]);
  }
  const out: Source[] = [];
  for (const [type, list] of byType) out.push(...(await sourceTypes[type].open(list, options)));
  return out;
}
