import { flowTuples } from '../../schema/flow-tuples.js';
import { ident } from '../../schema/tables.js';
import { l4Letter } from '../../formats/sql-fragments.js';

/**
 * How FlowTuples is stored in DuckDB. The contract is the FlowTuples view; underneath, the layout
 * is shaped by what DuckDB's write path costs (measured per 906k tuples: about 130 ms per VARCHAR
 * column whatever its length, 10 to 30 ms per numeric or ENUM column, 2.26 s against 1.15 s when
 * the resource ids were stored on every row):
 * - strings that are the same for a whole file (flow-log and target resource ids, source URI)
 *   live once per source in `_flow_sources`, those of a flow group (NIC MAC, ACL id and rule) once
 *   per distinct triple in `_flow_groups`; `_flow_tuples` points at both by 64-bit hash keys. The
 *   joins cost queries little: one row per file, and one per NIC and rule.
 * - direction, state and encryption are ENUMs (an unknown NX_ code, which is accepted, goes to
 *   `_encryption_other`), and L4Protocol and FlowStatus follow from Protocol and FlowState, so the
 *   view spells them out.
 * - the ingest's scratch data sits in `_item` (which batch item), `_kind` (NULL for a valid tuple,
 *   else ROW_KIND) and `_note`: a JSON object on the first row of each flow group and on rejected
 *   rows only, with the record and tuple index, the reason, the raw text and the dimension strings.
 *   Rejected rows are moved to IngestErrors and deleted in their batch's transaction, so the view
 *   never sees them.
 */
export const FLOW_TUPLE_ROWS = '_flow_tuples';
export const FLOW_SOURCES = '_flow_sources';
export const FLOW_GROUPS = '_flow_groups';

/** FlowTuples columns stored once per source rather than once per tuple. */
const SOURCE_COLUMNS: readonly string[] = ['FlowLogResourceId', 'TargetResourceId', 'SourceUri'];
/** FlowTuples columns stored once per NIC, ACL and rule. */
const GROUP_COLUMNS: readonly string[] = ['MacAddress', 'AclId', 'AclRule'];
/** FlowTuples columns the view derives from stored ones, as the formats define them. */
const DERIVED: Readonly<Record<string, string>> = {
  L4Protocol: l4Letter('t.Protocol'),
  FlowStatus: `CASE WHEN t.FlowState = 'D' THEN 'Denied' ELSE 'Allowed' END`,
};

/** Low-cardinality columns stored as ENUMs: type name and values. */
const ENUMS: Readonly<Record<string, { readonly type: string; readonly values: readonly string[] }>> = {
  FlowDirection: { type: 'vnetflow_direction', values: ['Inbound', 'Outbound'] },
  FlowState: { type: 'vnetflow_state', values: ['B', 'C', 'E', 'D'] },
  FlowEncryption: {
    type: 'vnetflow_encryption',
    values: [
      'X',
      'NX',
      'NX_HW_NOT_SUPPORTED',
      'NX_SW_NOT_READY',
      'NX_NOT_ACCEPTED',
      'NX_NOT_SUPPORTED',
      'NX_LOCAL_DST',
      'NX_FALLBACK',
    ],
  },
};

/** Contract columns stored on every tuple row, in FlowTuples order. */
const TUPLE_COLUMNS: readonly string[] = flowTuples.columns
  .map((c) => c.name)
  .filter((n) => !SOURCE_COLUMNS.includes(n) && !GROUP_COLUMNS.includes(n) && !(n in DERIVED));

/** What a scratch `_kind` says about a row; NULL is an ordinary, valid tuple. */
export const ROW_KIND = { rejectedTuple: 1, rejectedRecord: 2, emptyRecord: 3 } as const;

/** The values an ingest INSERT supplies, as SQL expressions over its own rows. */
export interface TupleRowValues {
  /** Contract column -> expression, for every stored contract column. */
  readonly contract: (column: string) => string;
  readonly sourceKey: string;
  readonly groupKey: string;
  readonly item: string;
  readonly kind: string;
  readonly note: string;
}

/** The INSERT column list and SELECT list for `_flow_tuples`, converting to the stored types. */
export function tupleRowInsert(v: TupleRowValues): { columns: string; select: string } {
  const pairs: [string, string][] = TUPLE_COLUMNS.map((c) => {
    const e = v.contract(c);
    return [c, ENUMS[c] ? `TRY_CAST(${e} AS ${ENUMS[c].type})` : e];
  });
  const enc = v.contract('FlowEncryption');
  pairs.push(
    [
      '_encryption_other',
      `CASE WHEN TRY_CAST(${enc} AS ${ENUMS.FlowEncryption.type}) IS NULL THEN ${enc} END`,
    ],
    ['SourceKey', v.sourceKey],
    ['GroupKey', v.groupKey],
    ['_item', v.item],
    ['_kind', v.kind],
    ['_note', v.note],
  );
  return { columns: pairs.map(([c]) => ident(c)).join(', '), select: pairs.map(([, e]) => e).join(', ') };
}

/** DDL for the types, the three tables and the view, in creation order. */
export function flowTuplesDdl(): string[] {
  const typeOf = (n: string): string =>
    ENUMS[n]?.type ?? flowTuples.columns.find((c) => c.name === n)?.type ?? 'VARCHAR';
  const tupleCols = [
    ...TUPLE_COLUMNS.map((n) => `${ident(n)} ${typeOf(n)}`),
    '_encryption_other VARCHAR',
    'SourceKey UBIGINT',
    'GroupKey UBIGINT',
    '_item INTEGER',
    '_kind TINYINT',
    '_note VARCHAR',
  ];
  const viewCols = flowTuples.columns.map((c) => {
    const n = ident(c.name);
    if (SOURCE_COLUMNS.includes(c.name)) return `s.${n}`;
    if (GROUP_COLUMNS.includes(c.name)) return `g.${n}`;
    if (c.name in DERIVED) return `${DERIVED[c.name]} AS ${n}`;
    if (c.name === 'FlowEncryption') return `coalesce(t.${n}::VARCHAR, t._encryption_other) AS ${n}`;
    return ENUMS[c.name] ? `t.${n}::VARCHAR AS ${n}` : `t.${n}`;
  });
  const types = Object.values(ENUMS).map(
    (e) => `CREATE TYPE IF NOT EXISTS ${e.type} AS ENUM (${e.values.map((x) => `'${x}'`).join(', ')})`,
  );
  return [
    ...types,
    `CREATE TABLE IF NOT EXISTS ${FLOW_TUPLE_ROWS} (\n  ${tupleCols.join(',\n  ')}\n)`,
    `CREATE TABLE IF NOT EXISTS ${FLOW_SOURCES} (SourceKey UBIGINT PRIMARY KEY, ${SOURCE_COLUMNS.map((n) => `${ident(n)} VARCHAR`).join(', ')})`,
    `CREATE TABLE IF NOT EXISTS ${FLOW_GROUPS} (GroupKey UBIGINT PRIMARY KEY, ${GROUP_COLUMNS.map((n) => `${ident(n)} VARCHAR`).join(', ')})`,
    `CREATE VIEW IF NOT EXISTS ${ident(flowTuples.name)} AS SELECT ${viewCols.join(', ')}
     FROM ${FLOW_TUPLE_ROWS} t LEFT JOIN ${FLOW_SOURCES} s ON s.SourceKey = t.SourceKey
       LEFT JOIN ${FLOW_GROUPS} g ON g.GroupKey = t.GroupKey`,
  ];
}
