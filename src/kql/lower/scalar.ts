/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { BinaryOp, Scalar } from '../ir.js';
import { isAggregate, isScalarFunction } from '../functions/registry.js';
import { dynamicLiteral, literal } from './literals.js';
import type { Lowering } from './lowering.js';
import { describe, isTabular, items, kindOf, typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

const BINARY: Readonly<Record<string, BinaryOp>> = {
  EqualExpression: '==',
  NotEqualExpression: '!=',
  LessThanExpression: '<',
  LessThanOrEqualExpression: '<=',
  GreaterThanExpression: '>',
  GreaterThanOrEqualExpression: '>=',
  AndExpression: 'and',
  OrExpression: 'or',
  AddExpression: '+',
  SubtractExpression: '-',
  MultiplyExpression: '*',
  DivideExpression: '/',
  ModuloExpression: '%',
  ContainsExpression: 'contains',
  NotContainsExpression: '!contains',
  ContainsCsExpression: 'contains_cs',
  NotContainsCsExpression: '!contains_cs',
  HasExpression: 'has',
  NotHasExpression: '!has',
  HasCsExpression: 'has_cs',
  NotHasCsExpression: '!has_cs',
  StartsWithExpression: 'startswith',
  NotStartsWithExpression: '!startswith',
  StartsWithCsExpression: 'startswith_cs',
  NotStartsWithCsExpression: '!startswith_cs',
  EndsWithExpression: 'endswith',
  NotEndsWithExpression: '!endswith',
  EndsWithCsExpression: 'endswith_cs',
  NotEndsWithCsExpression: '!endswith_cs',
  EqualTildeExpression: '=~',
  BangTildeExpression: '!~',
};

/** `in` and its variants: negated, case-insensitive. */
const IN: Readonly<Record<string, { negated: boolean; caseInsensitive: boolean }>> = {
  InExpression: { negated: false, caseInsensitive: false },
  NotInExpression: { negated: true, caseInsensitive: false },
  InCsExpression: { negated: false, caseInsensitive: true },
  NotInCsExpression: { negated: true, caseInsensitive: true },
};

/** Operators with a list on their right: `x has_any ("a", "b")`. */
const LIST_OPS: Readonly<Record<string, string>> = {
  HasAnyExpression: 'has_any',
  HasAllExpression: 'has_all',
};

/** A scalar expression as IR (Lowering.scalar records its position). */
export function lowerScalar(lw: Lowering, n: any): Scalar {
  const kind = kindOf(n);
  if (kind === 'ParenthesizedExpression') return lw.scalar(n.Expression);
  if (kind === 'NameReference') {
    const bound = lw.bound(String(n.SimpleName));
    const symbol = String(n.ReferencedSymbol?.constructor?.$$name ?? '');
    if (bound && /(Variable|Parameter)Symbol$/.test(symbol)) {
      if ('scalar' in bound) return bound.scalar;
      if ('node' in bound) return lw.scalar(bound.node);
    }
    return { kind: 'column', name: String(n.SimpleName), type: typeOf(n) };
  }
  if (kind.endsWith('LiteralExpression')) return literal(n);
  if (kind === 'UnaryMinusExpression') {
    const operand = lw.scalar(n.Expression);
    if (operand.kind === 'literal' && typeof operand.value === 'number')
      return { ...operand, value: -operand.value };
    if (operand.kind === 'literal' && typeof operand.value === 'string' && operand.type !== 'string')
      return { ...operand, value: (-BigInt(operand.value)).toString() };
    const zero: Scalar = { kind: 'literal', type: operand.type, value: 0 };
    return { kind: 'binary', op: '-', left: zero, right: operand, type: typeOf(n) };
  }
  if (kind === 'ElementExpression')
    return {
      kind: 'index',
      base: lw.scalar(n.Expression),
      key: lw.scalar(n.Selector.Expression),
      type: 'dynamic',
    };
  if (kind === 'PathExpression') {
    const key = String(n.Selector?.SimpleName ?? '');
    return {
      kind: 'index',
      base: lw.scalar(n.Expression),
      key: { kind: 'literal', type: 'string', value: key },
      type: 'dynamic',
    };
  }
  const inOp = IN[kind];
  if (inOp) {
    const right = items(n.Right.Expressions);
    // `x in (T)`, T a table or a tabular let: the values are T's first column.
    if (right.length === 1 && isTabular(right[0]))
      return {
        kind: 'in',
        operand: lw.scalar(n.Left),
        values: [],
        query: lw.tabular(right[0]),
        ...inOp,
        type: 'bool',
      };
    return {
      kind: 'in',
      operand: lw.scalar(n.Left),
      values: right.map((e) => lw.scalar(e)),
      ...inOp,
      type: 'bool',
    };
  }
  const op = BINARY[kind];
  if (op) return { kind: 'binary', op, left: lw.scalar(n.Left), right: lw.scalar(n.Right), type: typeOf(n) };
  if (kind === 'DynamicExpression') return dynamicLiteral(n);
  if (kind === 'ToScalarExpression')
    return isTabular(n.Expression)
      ? { kind: 'scalarQuery', query: lw.tabular(n.Expression), type: typeOf(n) }
      : lw.scalar(n.Expression);
  if (kind === 'BetweenExpression' || kind === 'NotBetweenExpression') {
    const x = lw.scalar(n.Left);
    const low = lw.scalar(n.Right.First);
    const high = lw.scalar(n.Right.Second);
    return {
      kind: 'call',
      fn: kind === 'BetweenExpression' ? 'between' : '!between',
      args: [x, low, high],
      type: 'bool',
    };
  }
  if (LIST_OPS[kind]) {
    const values = items(n.Right.Expressions).map((e) => lw.scalar(e));
    return { kind: 'call', fn: LIST_OPS[kind], args: [lw.scalar(n.Left), ...values], type: 'bool' };
  }
  if (kind === 'MatchesRegexExpression')
    return {
      kind: 'call',
      fn: 'matches_regex',
      args: [lw.scalar(n.Left), lw.scalar(n.Right)],
      type: 'bool',
    };
  if (kind === 'FunctionCallExpression') {
    const own = lw.bound(String(n.Name.SimpleName));
    if (own && 'fn' in own) return lw.invoke(own.fn, n, null, (e) => lw.scalar(e));
    const fn = String(n.Name.SimpleName).toLowerCase();
    if (lw.aggregateCalls && isAggregate(fn)) return lw.aggregateCalls(n, fn);
    const args = (): Scalar[] => items(n.ArgumentList.Expressions).map((e) => lw.scalar(e));
    // not() is an operator of the IR, not a call.
    if (fn === 'not') return { kind: 'not', operand: args()[0], type: 'bool' };
    if (!isScalarFunction(fn)) throw new UnsupportedError(`the function ${fn}()`, n.TextStart);
    return { kind: 'call', fn, args: args(), type: typeOf(n) };
  }
  throw new UnsupportedError(describe(kind), n.TextStart);
}
/* eslint-enable @typescript-eslint/no-explicit-any */
