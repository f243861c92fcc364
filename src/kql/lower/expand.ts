/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Expansion, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { columnNames, items, kindOf, parameters, TYPES } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** mv-expand (and the old `mvexpand`): several columns side by side, `to typeof()`, `with_itemindex`, `limit`. */
export function mvExpand(lw: Lowering, input: Tabular, n: any): Tabular {
  return { kind: 'mvExpand', input, ...expansion(lw, n, 'mv-expand') };
}

/**
 * mv-apply: each row's expansion (mv-expand's, with the same options), then the subquery over it,
 * lowered with the sub-table as its input. Context ids (`id=`) are refused.
 */
export function mvApply(lw: Lowering, input: Tabular, n: any): Tabular {
  if (n.ContextIdClause)
    throw new UnsupportedError('mv-apply with a context id', n.ContextIdClause.TextStart);
  const expand = expansion(lw, n, 'mv-apply');
  const inner = new Set(lw.inputColumns(n));
  for (const c of expand.columns) inner.add(c.name);
  if (expand.index !== null) inner.add(expand.index);
  const saved = lw.applyColumns;
  lw.applyColumns = [...inner];
  try {
    const leaf: Tabular = { kind: 'applyInput' };
    const lowerSub = (e: any): Tabular =>
      kindOf(e) === 'PipeExpression' ? lw.operator(lowerSub(e.Expression), e.Operator) : lw.operator(leaf, e);
    return {
      kind: 'mvApply',
      input,
      expand,
      subquery: lowerSub(n.Subquery.Expression),
      columns: columnNames(n),
    };
  } finally {
    lw.applyColumns = saved;
  }
}

/** What mv-expand and mv-apply expand: the columns, `with_itemindex`, `limit`. */
function expansion(lw: Lowering, n: any, op: string): Expansion {
  let index: string | null = null;
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'with_itemindex') index = String(p.Expression?.SimpleName ?? '');
    else if (name !== 'bagexpansion' || String(p.Expression?.ToString?.() ?? '') !== 'bag')
      throw new UnsupportedError(`${op} ${name}=`, p.TextStart);
  }
  const columns = items(n.Expressions).map((e) => {
    const x = e.Expression;
    const name =
      kindOf(x) === 'SimpleNamedExpression'
        ? String(x.Name.SimpleName)
        : kindOf(x) === 'NameReference'
          ? String(x.SimpleName)
          : null;
    if (!name) throw new UnsupportedError(`${op} of an unnamed expression`, x.TextStart);
    // `to typeof(T)` converts each element; without it an element stays dynamic.
    const to = e.ToTypeOf ? TYPES[String(e.ToTypeOf.TypeOf?.ReferencedSymbol?.Name)] : 'dynamic';
    if (!to) throw new UnsupportedError(`${op} to ${String(e.ToTypeOf.ToString())}`, e.ToTypeOf.TextStart);
    return { name, expr: lw.named(x, name).expr, to };
  });
  let limit: number | null = null;
  if (n.RowLimitClause) {
    const l = lw.scalar(n.RowLimitClause.RowLimit);
    if (l.kind !== 'literal' || typeof l.value !== 'number')
      throw new UnsupportedError(`${op} limit that is not a constant`, n.RowLimitClause.TextStart);
    limit = l.value;
  }
  return { columns, index, limit };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
