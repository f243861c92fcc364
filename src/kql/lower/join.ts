/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { JoinKind, Tabular } from '../ir.js';
import type { Lowering } from './lowering.js';
import { columnNames, items, kindOf, parameters, typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** The join kinds; innerunique is Kusto's default (lookup's default is leftouter). */
const JOIN_KINDS = new Set<string>([
  'innerunique',
  'inner',
  'leftouter',
  'rightouter',
  'fullouter',
  'leftsemi',
  'leftanti',
  'rightsemi',
  'rightanti',
]);

/** join, and lookup (a join whose output keeps the right side's key columns only once). */
export function join(lw: Lowering, input: Tabular, n: any, lookup = false): Tabular {
  let kind = lookup ? 'leftouter' : 'innerunique';
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName).toLowerCase();
    if (name === 'kind')
      kind = String(p.Expression?.Token?.Text ?? p.Expression?.ToString?.() ?? '').toLowerCase();
    else if (name !== 'hint.strategy' && name !== 'hint.remote' && name !== 'hint.shufflekey')
      throw new UnsupportedError(`${lookup ? 'lookup' : 'join'} ${name}=`, p.TextStart);
  }
  if (kind === 'anti') kind = 'leftanti';
  if (kind === 'semi') kind = 'leftsemi';
  if (kind === 'left') kind = 'leftouter';
  if (!JOIN_KINDS.has(kind) || (lookup && kind !== 'leftouter' && kind !== 'inner'))
    throw new UnsupportedError(`${lookup ? 'lookup' : 'join'} kind=${kind}`, n.TextStart);
  const clause = lookup ? n.LookupClause : n.ConditionClause;
  const on = items(clause?.Expressions ?? { Count: 0 }).map((e) => {
    // `on X` (same name both sides) or `on $left.X == $right.Y`.
    if (kindOf(e) === 'NameReference')
      return { left: String(e.SimpleName), right: String(e.SimpleName), type: typeOf(e) };
    if (
      kindOf(e) !== 'EqualExpression' ||
      kindOf(e.Left) !== 'PathExpression' ||
      kindOf(e.Right) !== 'PathExpression'
    )
      throw new UnsupportedError('a join condition other than equal columns', e.TextStart);
    const side = (p: any): string => String(p.Expression?.SimpleName ?? '');
    const [l, r] = side(e.Left) === '$left' ? [e.Left, e.Right] : [e.Right, e.Left];
    return {
      left: String(l.Selector.SimpleName),
      right: String(r.Selector.SimpleName),
      type: typeOf(e.Left),
    };
  });
  if (on.length === 0) throw new UnsupportedError('a join without keys', n.TextStart);
  const right = lw.tabular(n.Expression);
  const leftIn = lw.inputColumns(n);
  const rightIn = columnNames(n.Expression);
  const all = columnNames(n);
  const rightOnly = kind === 'rightsemi' || kind === 'rightanti';
  const leftOnly = kind === 'leftsemi' || kind === 'leftanti';
  const leftColumns = rightOnly ? [] : leftIn;
  // lookup leaves out the right side's keys; a join keeps them (renamed where names clash).
  const rightKeys = new Set(on.map((k) => k.right));
  const rightKept = leftOnly ? [] : lookup ? rightIn.filter((c) => !rightKeys.has(c)) : rightIn;
  const rightNames = all.slice(leftColumns.length);
  if (rightNames.length !== rightKept.length || all.length !== leftColumns.length + rightKept.length)
    throw new UnsupportedError(
      `${lookup ? 'lookup' : 'join'} output columns as the analyzer gave them`,
      n.TextStart,
    );
  return {
    kind: 'join',
    input,
    right,
    join: kind as JoinKind,
    on,
    leftColumns,
    rightColumns: rightKept.map((from, i) => ({ from, as: rightNames[i] })),
  };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
