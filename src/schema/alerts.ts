import type { TableDef } from './column.js';

/**
 * Alerts: what detection rules found (src/detect/), shaped like Sentinel's SecurityAlert. One row
 * per rule, entities and scheduled window; a rerun over the same windows adds nothing.
 */
export const alerts: TableDef = {
  name: 'Alerts',
  doc: 'One row per alert a detection rule raised.',
  columns: [
    {
      name: 'TimeGenerated',
      type: 'TIMESTAMP',
      doc: 'The scheduled run that raised it: the end of its window (UTC).',
    },
    { name: 'AlertId', type: 'VARCHAR', doc: 'Stable id from the rule, the entities and the window.' },
    { name: 'RuleId', type: 'VARCHAR', doc: 'The id of the rule that raised it.' },
    { name: 'RuleName', type: 'VARCHAR', doc: 'The name of that rule.' },
    { name: 'Severity', type: 'VARCHAR', doc: 'Informational, Low, Medium or High (from the rule).' },
    { name: 'Tactics', type: 'JSON', doc: 'MITRE ATT&CK tactics (dynamic array).' },
    { name: 'Techniques', type: 'JSON', doc: 'MITRE ATT&CK techniques, e.g. T1110 (dynamic array).' },
    { name: 'StartTime', type: 'TIMESTAMP', doc: 'The first event the alert is about (UTC).' },
    { name: 'EndTime', type: 'TIMESTAMP', doc: 'The last event the alert is about (UTC).' },
    { name: 'SrcIps', type: 'JSON', doc: 'Source addresses (dynamic array).' },
    { name: 'DestIps', type: 'JSON', doc: 'Destination addresses (dynamic array).' },
    { name: 'DestPorts', type: 'JSON', doc: 'Destination ports (dynamic array).' },
    { name: 'Description', type: 'VARCHAR', doc: 'What was found, in words, with the figures.' },
    { name: 'EvidenceCount', type: 'BIGINT', doc: 'How many rows the Evidence query returns.' },
    { name: 'Evidence', type: 'VARCHAR', doc: 'KQL that returns the rows that prove the alert.' },
    {
      name: 'Entities',
      type: 'JSON',
      doc: "The rule's entity mappings applied to its result row (dynamic).",
    },
    {
      name: 'WindowStart',
      type: 'TIMESTAMP',
      doc: 'Start of the window the rule read (UTC).',
      internal: true,
    },
    { name: 'EntityKey', type: 'VARCHAR', doc: 'Rule and entities, for suppression.', internal: true },
    {
      name: 'Seq',
      type: 'BIGINT',
      doc: 'Order of storing, from a sequence that a reset does not restart: where forward reads on.',
      internal: true,
    },
  ],
};
