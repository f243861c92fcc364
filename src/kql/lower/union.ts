/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { NamedScalar, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { kindOf, parameters, resultColumns } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/**
 * union: the legs matched by column name into the analyzer's output columns, a column whose type
 * differs between legs going to its type's name (`x_long`, `x_string`), as the analyzer names it.
 */
export function union(lw: Lowering, legs: { node: any; lowered: Tabular | null }[], n: any): Tabular {
  let source: string | null = null;
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'withsource' || name === 'with_source') source = String(p.Expression?.SimpleName ?? '');
    else if (name !== 'isfuzzy' && name !== 'kind') throw new UnsupportedError(`union ${name}=`, p.TextStart);
  }
  const columns = resultColumns(n).filter((c) => c.name !== source);
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const inputs = legs.map((leg): Tabular => {
    const lowered = leg.lowered ?? lw.tabular(leg.node);
    // Where legs disagree on a column's type, the analyzer names it per type (`a_long`,
    // `a_string`): each leg's column goes to its type's name.
    const own = resultColumns(leg.node);
    const renamed = own.map((c): NamedScalar => {
      const as = types.get(c.name) === c.type ? c.name : `${c.name}_${c.type}`;
      if (types.get(as) !== c.type)
        throw new UnsupportedError(`union of legs whose column types differ (${c.name})`, n.TextStart);
      return { name: as, expr: { kind: 'column', name: c.name, type: c.type } };
    });
    return renamed.every((r, i) => r.name === own[i].name)
      ? lowered
      : { kind: 'project', input: lowered, columns: renamed };
  });
  const labels = legs.map((leg, i) =>
    kindOf(leg.node) === 'NameReference' ? String(leg.node.SimpleName) : `union_arg${i}`,
  );
  return { kind: 'union', inputs, columns, source: source ? { name: source, labels } : null };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
