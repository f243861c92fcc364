import type { OperationCounts } from '../sources/azure-blob/storage.js';

/**
 * The few figures an operator graphs, in Prometheus' text format (GET /metrics). Hand-written:
 * a counter and a histogram are a few lines, and prom-client would bring a registry, default
 * process metrics and timers this process does not need.
 */
export class Metrics {
  tuplesIngested = 0;
  tuplesRejected = 0;
  ingestBatches = 0;
  ingestFailures = 0;
  /** Seconds between the newest stored tuple and now, after the last batch. */
  lagSeconds: number | null = null;
  queries = 0;
  queryErrors = 0;
  alertsByRule = new Map<string, number>();
  /** Storage operations of each blob source, by its location. */
  storage = new Map<string, OperationCounts>();
  /** Event Grid BlobCreated events received, and those no source covers. */
  blobEvents = 0;
  blobEventsIgnored = 0;
  private readonly bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
  private readonly buckets = new Array<number>(this.bounds.length).fill(0);
  private latencySum = 0;

  observeQuery(seconds: number, ok: boolean): void {
    this.queries++;
    if (!ok) this.queryErrors++;
    this.latencySum += seconds;
    this.bounds.forEach((b, i) => {
      if (seconds <= b) this.buckets[i]++;
    });
  }

  text(): string {
    const out: string[] = [];
    const metric = (name: string, type: string, help: string, lines: string[]): void => {
      out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines);
    };
    metric('vnetflow_tuples_ingested_total', 'counter', 'Flow tuples stored by this server.', [
      `vnetflow_tuples_ingested_total ${this.tuplesIngested}`,
    ]);
    metric('vnetflow_tuples_rejected_total', 'counter', 'Flow tuples rejected (see IngestErrors).', [
      `vnetflow_tuples_rejected_total ${this.tuplesRejected}`,
    ]);
    metric('vnetflow_ingest_batches_total', 'counter', 'Ingest passes over the sources.', [
      `vnetflow_ingest_batches_total ${this.ingestBatches}`,
    ]);
    metric('vnetflow_ingest_failures_total', 'counter', 'Ingest passes that failed as a whole.', [
      `vnetflow_ingest_failures_total ${this.ingestFailures}`,
    ]);
    metric('vnetflow_lag_seconds', 'gauge', 'Age of the newest stored tuple after the last pass.', [
      `vnetflow_lag_seconds ${this.lagSeconds ?? 'NaN'}`,
    ]);
    metric('vnetflow_query_errors_total', 'counter', 'Queries answered with an error.', [
      `vnetflow_query_errors_total ${this.queryErrors}`,
    ]);
    metric('vnetflow_query_duration_seconds', 'histogram', 'Time to answer POST /api/query.', [
      ...this.bounds.map((b, i) => `vnetflow_query_duration_seconds_bucket{le="${b}"} ${this.buckets[i]}`),
      `vnetflow_query_duration_seconds_bucket{le="+Inf"} ${this.queries}`,
      `vnetflow_query_duration_seconds_sum ${this.latencySum}`,
      `vnetflow_query_duration_seconds_count ${this.queries}`,
    ]);
    metric(
      'vnetflow_alerts',
      'gauge',
      'Stored alerts by rule.',
      [...this.alertsByRule].map(([rule, n]) => `vnetflow_alerts{rule="${label(rule)}"} ${n}`),
    );
    const ops: string[] = [];
    const retries: string[] = [];
    for (const [source, c] of this.storage) {
      const l = `source="${label(source)}"`;
      ops.push(
        `vnetflow_storage_operations_total{${l},kind="list"} ${c.list}`,
        `vnetflow_storage_operations_total{${l},kind="block_list"} ${c.blockList}`,
        `vnetflow_storage_operations_total{${l},kind="read"} ${c.read}`,
      );
      retries.push(`vnetflow_storage_retries_total{${l}} ${c.retries}`);
    }
    if (ops.length) {
      metric(
        'vnetflow_storage_operations_total',
        'counter',
        'Storage calls of each blob source (billed per call).',
        ops,
      );
      metric(
        'vnetflow_storage_retries_total',
        'counter',
        'Storage calls repeated after throttling or a fault.',
        retries,
      );
    }
    metric('vnetflow_blob_events_total', 'counter', 'Event Grid BlobCreated events received.', [
      `vnetflow_blob_events_total ${this.blobEvents}`,
      `vnetflow_blob_events_total{covered="false"} ${this.blobEventsIgnored}`,
    ]);
    return `${out.join('\n')}\n`;
  }
}

/** A label value as the text format wants it: backslash, quote and newline escaped. */
function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
