import { geoLookup } from '../enrich/geo.js';
import { bundledOwner } from '../enrich/owner-ranges.js';
import { sqlIpv4Number, sqlIsPrivate } from '../enrich/ip.js';
import { replaceRows } from '../enrich/replace-rows.js';
import type { Store } from '../store/store.js';
import { IP_LOOKUP, RANGE_LOOKUP } from './topology-index.js';
import { ipKeySql } from '../store/duckdb/flows-layout.js';

export const IP_CLASSES = '_ip_classes';

/**
 * An address two NICs share (overlapping address spaces in two VNets) takes the first NIC by name,
 * so that every build agrees; telling them apart by the capturing NIC's VNet is still to do.
 *
 * What every address seen in the window is (Class: the first that applies of vnet, S2S, P2S,
 * AzurePublic, UnknownPrivate, MaliciousFlow, ExternalPublic), once per distinct address (thousands, against
 * millions of tuples): its NIC, VM, subnet and VNet, an on-premises or point-to-site range, an
 * Azure service tag, a threat-intel match, its country and network owner. All lookups are joins
 * on numeric ranges; only the MaxMind country lookup runs in Node, once per new public address,
 * into a cache table.
 */
export async function classifyAddresses(store: Store, addresses: string): Promise<void> {
  await cacheGeo(store, addresses);
  const num = sqlIpv4Number('Ip');
  await store.run(`DELETE FROM ${IP_CLASSES}`);
  await store.run(`INSERT INTO ${IP_CLASSES} BY NAME
    WITH n AS (SELECT Ip, ${num} AS IpNum FROM (SELECT DISTINCT Ip FROM (${addresses}))),
    a AS (SELECT *, coalesce(IpNum IS NOT NULL AND ${sqlIsPrivate('IpNum')}, Ip ILIKE 'fd%' OR Ip ILIKE 'fc%') AS Private
          FROM n),
    nic AS (SELECT Ip, arg_min(MacAddress, k) AS MacAddress, arg_min(Nic, k) AS Nic, arg_min(Vm, k) AS Vm,
              arg_min(Subnet, k) AS Subnet, arg_min(VnetId, k) AS VnetId, arg_min(Subscription, k) AS Subscription,
              arg_min(Region, k) AS Region, arg_min(LoadBalancer, k) AS LoadBalancer,
              arg_min(ApplicationGateway, k) AS ApplicationGateway, arg_min(PrivateEndpoint, k) AS PrivateEndpoint
              FROM (SELECT *, coalesce(Nic, '') || '|' || coalesce(Vm, '') AS k FROM ${IP_LOOKUP}) GROUP BY Ip),
    rng AS (
      SELECT a.Ip,
        arg_min(r.Name, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind = 'subnet') AS RangeSubnet,
        arg_min(r.VnetId, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('subnet', 'vnet')) AS RangeVnet,
        arg_min(r.Subscription, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('subnet', 'vnet')) AS RangeSubscription,
        arg_min(r.Region, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('subnet', 'vnet')) AS RangeRegion,
        arg_min(r.Kind, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('onprem', 'p2s')) AS SiteKind,
        arg_min(r.ConnectionType, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('onprem', 'p2s')) AS SiteConnectionType,
        arg_min(r.ConnectionName, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind IN ('onprem', 'p2s')) AS SiteConnectionName,
        arg_min(r.LocalNetworkGateway, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind = 'onprem') AS LocalNetworkGateway,
        arg_min(r.ExpressRouteCircuit, r.RangeEnd - r.RangeStart) FILTER (WHERE r.Kind = 'onprem') AS ExpressRouteCircuit
      FROM a JOIN ${RANGE_LOOKUP} r ON a.IpNum BETWEEN r.RangeStart AND r.RangeEnd GROUP BY a.Ip),
    tag AS (
      SELECT a.Ip, arg_min(t.Name, t.RangeEnd - t.RangeStart) AS Tag,
        arg_min(t.Region, t.RangeEnd - t.RangeStart) AS TagRegion,
        arg_min(t.SystemService, t.RangeEnd - t.RangeStart) AS TagService
      FROM a JOIN _service_tags t ON a.IpNum BETWEEN t.RangeStart AND t.RangeEnd GROUP BY a.Ip),
    threat AS (
      SELECT a.Ip, arg_max(i.ThreatType, coalesce(i.Confidence, 0)) AS ThreatType,
        arg_max(i.Description, coalesce(i.Confidence, 0)) AS ThreatDescription
      FROM a JOIN ThreatIntelFeed i
        ON (a.IpNum BETWEEN i.RangeStart AND i.RangeEnd) OR (i.IndicatorType = 'ipv6' AND lower(i.Indicator) = lower(a.Ip))
      GROUP BY a.Ip)
    SELECT a.Ip, ${ipKeySql('a.Ip')} AS IpKey, a.IpNum,
      nic.MacAddress, nic.Nic, nic.Vm, coalesce(nic.Subnet, rng.RangeSubnet) AS Subnet,
      coalesce(nic.VnetId, rng.RangeVnet) AS VnetId, coalesce(nic.Subscription, rng.RangeSubscription) AS Subscription,
      coalesce(nic.Region, rng.RangeRegion) AS Region, nic.LoadBalancer, nic.ApplicationGateway, nic.PrivateEndpoint,
      rng.SiteKind, rng.SiteConnectionType, rng.SiteConnectionName, rng.LocalNetworkGateway, rng.ExpressRouteCircuit,
      tag.Tag, tag.TagRegion, tag.TagService, threat.ThreatType, threat.ThreatDescription,
      a.Private,
      g.Country, g.Owner,
      CASE WHEN coalesce(nic.VnetId, rng.RangeVnet) IS NOT NULL THEN 'vnet'
        WHEN rng.SiteKind = 'onprem' THEN 'S2S'
        WHEN rng.SiteKind = 'p2s' THEN 'P2S'
        WHEN tag.Tag IS NOT NULL THEN 'AzurePublic'
        WHEN a.Private THEN 'UnknownPrivate'
        WHEN threat.ThreatType IS NOT NULL THEN 'MaliciousFlow'
        ELSE 'ExternalPublic' END AS Class
    FROM a LEFT JOIN nic USING (Ip) LEFT JOIN rng USING (Ip) LEFT JOIN tag USING (Ip) LEFT JOIN threat USING (Ip)
      LEFT JOIN _ip_geo g USING (Ip)`);
  // Flows refers to addresses by a 64-bit hash: two addresses sharing one would mix their
  // connections, so that is an error (about one chance in 10^7 at a million addresses), never a guess.
  const [{ clash }] = await store.rows(`SELECT count(*) - count(DISTINCT IpKey) AS clash FROM ${IP_CLASSES}`);
  if (Number(clash) > 0) {
    const pairs = await store.rows(
      `SELECT string_agg(Ip, ' and ') AS ips FROM ${IP_CLASSES} GROUP BY IpKey HAVING count(*) > 1 LIMIT 3`,
    );
    throw new Error(
      `addresses ${pairs.map((p) => String(p.ips)).join('; ')} share one address key; Flows cannot tell them apart (please report this)`,
    );
  }
  // The name each address was last resolved from, for Flows and NTAIpDetails.
  await store.run('DELETE FROM _ip_dns');
  await store.run(`INSERT INTO _ip_dns
    SELECT a.RData, arg_max(rtrim(q.QueryName, '.'), q.TimeGenerated::VARCHAR || q.QueryName)
    FROM DNSQueryLogs q, unnest(from_json(q.Answer, '[{"RData":"VARCHAR","Type":"VARCHAR"}]')) AS u(a)
    WHERE a.Type IN ('A', 'AAAA') GROUP BY ALL`);
}

/**
 * Country and owner of public addresses not seen before, in Node: from the configured MaxMind
 * databases, the owner otherwise from the bundled ranges (owner-ranges.ts).
 */
async function cacheGeo(store: Store, addresses: string): Promise<void> {
  const num = sqlIpv4Number('Ip');
  // Distinct first: the address arithmetic then runs once per address, not once per tuple.
  const fresh = await store.rows(
    `SELECT Ip FROM (SELECT DISTINCT Ip FROM (${addresses})) WHERE Ip NOT IN (SELECT Ip FROM _ip_geo)
       AND NOT coalesce(${sqlIsPrivate(num)}, false)`,
  );
  if (fresh.length === 0) return;
  const lookup = await geoLookup(store);
  const rows = fresh.map((r) => {
    const ip = String(r.Ip);
    const g = lookup(ip);
    return { Ip: ip, Country: g.country, Owner: g.owner ?? bundledOwner(ip) };
  });
  // replaceRows keys by file; here the key is the address, and rows only ever add to the cache.
  await replaceRows(store, '_ip_geo', `batch:${Date.now()}`, rows, { key: 'Ip' });
}
