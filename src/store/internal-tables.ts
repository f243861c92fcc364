/**
 * Bookkeeping tables. Checkpoints are written in the same transaction as the rows they account
 * for, which is what makes a killed ingest resume without loss or duplication.
 */
export const internalTablesSql: readonly string[] = [
  `CREATE TABLE IF NOT EXISTS _vnetflow_checkpoints (
    source_uri VARCHAR PRIMARY KEY,
    format VARCHAR,
    size BIGINT,
    mtime_ms DOUBLE,
    consumed_offset BIGINT,
    records_consumed BIGINT,
    fingerprint VARCHAR,
    tuples_read BIGINT,
    tuples_stored BIGINT,
    tuples_rejected BIGINT,
    duplicates_skipped BIGINT,
    updated_at TIMESTAMP
  )`,
  // Reference data (see src/enrich/): ARM resources, Azure service tags, settings such as the
  // MaxMind databases to use.
  `CREATE TABLE IF NOT EXISTS _topology (
    Id VARCHAR, ResourceId VARCHAR, Type VARCHAR, Name VARCHAR, Location VARCHAR, SubscriptionId VARCHAR,
    ResourceGroup VARCHAR, Tags JSON, Properties JSON, SourceUri VARCHAR, LoadedAt TIMESTAMP
  )`,
  `CREATE TABLE IF NOT EXISTS _service_tags (
    Name VARCHAR, Region VARCHAR, SystemService VARCHAR, Prefix VARCHAR, RangeStart UBIGINT, RangeEnd UBIGINT,
    SourceUri VARCHAR, LoadedAt TIMESTAMP
  )`,
  `CREATE TABLE IF NOT EXISTS _settings (key VARCHAR PRIMARY KEY, value VARCHAR, updated_at TIMESTAMP)`,
  // Owner ranges are read from the file `npm run build` writes (src/enrich/owner-ranges.ts);
  // databases written before that held a copy.
  'DROP TABLE IF EXISTS _ip_owners',
  // Lookups built from the topology (src/analytics/topology-index.ts).
  `CREATE TABLE IF NOT EXISTS _lk_ips (Ip VARCHAR, IpNum UBIGINT, MacAddress VARCHAR, Nic VARCHAR, Vm VARCHAR,
    Subnet VARCHAR, VnetId VARCHAR, Subscription VARCHAR, Region VARCHAR, LoadBalancer VARCHAR,
    ApplicationGateway VARCHAR, IpForwarding BOOLEAN, PrivateEndpoint VARCHAR, SourceUri VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS _lk_ranges (Kind VARCHAR, RangeStart UBIGINT, RangeEnd UBIGINT, Name VARCHAR,
    VnetId VARCHAR, Subscription VARCHAR, Region VARCHAR, ConnectionType VARCHAR, ConnectionName VARCHAR,
    LocalNetworkGateway VARCHAR, ExpressRouteCircuit VARCHAR, SourceUri VARCHAR)`,
  // What the MaxMind databases and owner ranges said about each public address seen: a cache.
  `CREATE TABLE IF NOT EXISTS _ip_geo (Ip VARCHAR, Country VARCHAR, Owner VARCHAR, SourceUri VARCHAR)`,
  `CREATE TABLE IF NOT EXISTS _vnetflow_batches (
    batch_id BIGINT PRIMARY KEY,
    committed_at TIMESTAMP,
    sources INTEGER,
    tuples_read BIGINT,
    tuples_stored BIGINT,
    tuples_rejected BIGINT,
    duplicates_skipped BIGINT
  )`,
  // Alerts are numbered as they are stored (forward reads on from the last number it sent).
  // Databases from before the column get it, their alerts numbered once.
  'CREATE SEQUENCE IF NOT EXISTS _vnetflow_alert_seq',
  'ALTER TABLE Alerts ADD COLUMN IF NOT EXISTS Seq BIGINT',
  "UPDATE Alerts SET Seq = nextval('_vnetflow_alert_seq') WHERE Seq IS NULL",
];
