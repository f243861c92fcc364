import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Reader, Response } from 'maxmind';
import { sqlString } from '../ingest/sql-literal.js';
import type { Store } from '../store/store.js';
import { ReferenceFileError } from './parse-json.js';

const require = createRequire(import.meta.url);

/** The maxmind package, loaded on first use: most commands and most ingests never open a database. */
async function maxmindModule(): Promise<typeof import('maxmind').default> {
  return (await import('maxmind')).default;
}

/**
 * The databases shipped with vnetflow, needing no download or licence key: a CC0 IP-to-country
 * MaxMind database, and Route Views / DB-IP IP-to-network-owner ranges (CC BY 4.0: "IP to AS data
 * by routeviews.org", read by owner-ranges.ts), both from the npm registry. Users can point at
 * their own GeoLite2 or DB-IP .mmdb files by ingesting them; the latest loaded country and owner
 * databases win.
 */
export function defaultCountryDb(): string {
  return join(
    dirname(require.resolve('@ip-location-db/geo-whois-asn-country-mmdb/package.json')),
    'geo-whois-asn-country.mmdb',
  );
}

/** Records a MaxMind database the analytics should use for countries or network owners. */
export async function loadGeoDatabase(store: Store, uri: string, path: string | undefined): Promise<number> {
  if (!path) throw new ReferenceFileError(uri, null, 'a MaxMind database must be a local file');
  let reader: Reader<Response>;
  try {
    reader = await (await maxmindModule()).open(path);
  } catch (err) {
    throw new ReferenceFileError(uri, null, `not a readable MaxMind database: ${(err as Error).message}`);
  }
  const type = reader.metadata.databaseType;
  const role = /asn|isp|organization/i.test(type) ? 'owner' : 'country';
  await store.transaction(async () => {
    await store.run(
      `INSERT OR REPLACE INTO _settings VALUES (${sqlString(`geo.${role}`)}, ${sqlString(path)}, now()::TIMESTAMP)`,
    );
    // What the previous database said about each address no longer holds.
    await store.run('DELETE FROM _ip_geo');
  });
  return 1;
}

/** Country (ISO-2) and network owner of an address, from whichever record shape the database has. */
export interface GeoFacts {
  readonly country: string | null;
  readonly owner: string | null;
}

/** Looks addresses up in the configured (or default) country and owner databases. */
export async function geoLookup(store: Store): Promise<(ip: string) => GeoFacts> {
  const settings = new Map(
    (await store.rows(`SELECT key, value FROM _settings WHERE key LIKE 'geo.%'`)).map((r) => [
      String(r.key),
      String(r.value),
    ]),
  );
  // A configured database that has gone missing must not stop the build: say so and fall back.
  const open = async (
    path: string | undefined,
    fallback: string | null,
  ): Promise<Reader<Response> | null> => {
    if (path) {
      try {
        return await (await maxmindModule()).open(path);
      } catch (err) {
        console.error(
          `vnetflow: cannot open MaxMind database ${path} (${(err as Error).message}); ${fallback ? 'using the bundled one' : 'owners come from the bundled ranges'}`,
        );
      }
    }
    return fallback ? (await maxmindModule()).open(fallback) : null;
  };
  const country = (await open(settings.get('geo.country'), defaultCountryDb())) as Reader<Response>;
  const owner = await open(settings.get('geo.owner'), null);
  return (ip) => {
    const c = country.get(ip) as Record<string, unknown> | null;
    const o = owner?.get(ip) as Record<string, unknown> | null | undefined;
    return {
      country: isoCode(c),
      owner: o
        ? ((o.autonomous_system_organization ?? o.organization ?? o.isp ?? null) as string | null)
        : null,
    };
  };
}

function isoCode(r: Record<string, unknown> | null): string | null {
  if (!r) return null;
  const nested = (k: string): string | undefined =>
    (r[k] as { iso_code?: string } | undefined)?.iso_code ?? undefined;
  return (r.country_code as string | undefined) ?? nested('country') ?? nested('registered_country') ?? null;
}
