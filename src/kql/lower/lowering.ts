/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { NamedScalar, Query, Scalar, Tabular } from '../ir.js';
import { placeAt } from '../ir.js';
import { lowerScalar } from './scalar.js';
import { OPERATORS } from './operators.js';
import { dataTable, print } from './rows.js';
import { union } from './union.js';
import { columnNames, describe, isTabular, items, kindOf, resultColumns } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/**
 * What a name in scope stands for: a `let` expression (syntax, lowered where it is used), a
 * function parameter's argument (already lowered in the caller's scope), or a `let` function.
 */
export type Binding =
  { readonly node: any } | { readonly scalar: Scalar } | { readonly table: Tabular } | { readonly fn: any };

/**
 * Lowers one analyzed query into the IR. The state of a lowering (the names in scope, the
 * summarize being lowered, the mv-apply sub-table) lives on the instance, so lowerings never share
 * it; each operator family is lowered by its own file (summarize.ts, join.ts, ...), through the
 * OPERATORS table.
 */
export class Lowering {
  /** The `let` bindings and function parameters in scope, by name. */
  private bindings = new Map<string, Binding>();
  /** Inside a summarize: turns an aggregate call into a reference to the column computing it. */
  aggregateCalls: ((n: any, fn: string) => Scalar) | null = null;
  /** Inside an mv-apply subquery: the columns of the sub-table its first operator reads. */
  applyColumns: string[] | null = null;

  /** Lowers a whole query: `let` statements (scalars, tables, functions), then one tabular expression. */
  query(code: any): Query {
    const statements = items(code.Syntax.Statements);
    for (const st of statements.slice(0, -1)) {
      if (kindOf(st) === 'ExpressionStatement')
        throw new UnsupportedError(
          'several queries in one request (only the last statement may be a query)',
          st.TextStart,
        );
      this.bind(st);
    }
    const st = statements[statements.length - 1];
    if (!st) throw new UnsupportedError('an empty query (no table expression to run)', 0);
    if (kindOf(st) !== 'ExpressionStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
    const expr = st.Expression;
    if (!isTabular(expr))
      throw new UnsupportedError('a query that is not a table (use print)', expr.TextStart);
    const body = this.tabular(expr);
    return { body, columns: resultColumns(expr), render: renderOf(expr) };
  }

  /** What a name stands for in the current scope, if a `let` or a parameter bound it. */
  bound(name: string): Binding | undefined {
    return this.bindings.get(name);
  }

  /** Runs fn with extra bindings in scope (a function body's parameters). */
  private withBindings<T>(extra: Map<string, Binding>, fn: () => T): T {
    const saved = this.bindings;
    this.bindings = new Map([...saved, ...extra]);
    try {
      return fn();
    } finally {
      this.bindings = saved;
    }
  }

  /**
   * A call of a `let` function: its parameters bound to the arguments (lowered here, in the caller's
   * scope; missing ones take their defaults), then its body lowered by `body`. A tabular parameter
   * takes `input` (for `invoke`) or a tabular argument.
   */
  invoke<T>(decl: any, call: any, input: Tabular | null, body: (expr: any) => T): T {
    const params = items(decl.Parameters.Parameters);
    const args = items(call.ArgumentList.Expressions);
    const extra = new Map<string, Binding>();
    params.forEach((p, i) => {
      const name = String(p.NameAndType.Name.SimpleName);
      const tabularParam = kindOf(p.NameAndType.Type) === 'SchemaTypeExpression';
      if (tabularParam) {
        const arg = input && i === 0 ? null : args[input ? i - 1 : i];
        extra.set(name, { table: arg ? this.tabular(arg) : (input as Tabular) });
        return;
      }
      const arg = args[input ? i - 1 : i] ?? p.DefaultValue?.Value;
      if (!arg)
        throw new UnsupportedError(
          `a call of ${String(call.Name.SimpleName)}() without ${name}`,
          call.TextStart,
        );
      extra.set(name, { scalar: this.scalar(arg) });
    });
    return this.withBindings(extra, () => {
      const statements = items(decl.Body.Statements ?? { Count: 0 });
      for (const st of statements) this.bind(st);
      return body(decl.Body.Expression);
    });
  }

  /** Brings one `let` statement into scope. */
  private bind(st: any): void {
    if (kindOf(st) !== 'LetStatement') throw new UnsupportedError(describe(kindOf(st)), st.TextStart);
    const name = String(st.Name.SimpleName);
    const e = st.Expression;
    if (kindOf(e) === 'FunctionDeclaration') this.bindings.set(name, { fn: e });
    else this.bindings.set(name, { node: e });
  }

  scalar(n: any): Scalar {
    return placeAt(lowerScalar(this, n), n.TextStart);
  }

  /** `name = expr` or a bare expression named as the analyzer names it. */
  named(n: any, name: string): NamedScalar {
    return kindOf(n) === 'SimpleNamedExpression'
      ? { name, expr: this.scalar(n.Expression) }
      : { name, expr: this.scalar(n) };
  }

  /** The column names of an operator's input: what it is piped from, or an mv-apply's sub-table. */
  inputColumns(n: any): string[] {
    const parent = n.Parent;
    if (kindOf(parent) === 'PipeExpression' && parent.Operator === n) return columnNames(parent.Expression);
    if (this.applyColumns) return this.applyColumns;
    throw new UnsupportedError(`${describe(kindOf(n))} where its input is not known`, n.TextStart);
  }

  /** One query operator applied to its (lowered) input, by the family that lowers it. */
  operator(input: Tabular, n: any): Tabular {
    const kind = kindOf(n);
    const lowerOp = OPERATORS[kind];
    if (!lowerOp) throw new UnsupportedError(describe(kind), n.TextStart);
    return lowerOp(this, input, n);
  }

  tabular(n: any): Tabular {
    return placeAt(this.tabularOf(n), n.TextStart);
  }

  private tabularOf(n: any): Tabular {
    const kind = kindOf(n);
    if (kind === 'PipeExpression' && kindOf(n.Operator) === 'RenderOperator')
      return this.tabular(n.Expression);
    if (kind === 'PipeExpression') return this.operator(this.tabular(n.Expression), n.Operator);
    if (kind === 'NameReference') {
      const bound = this.bindings.get(String(n.SimpleName));
      if (bound && 'table' in bound) return bound.table;
      if (bound && 'node' in bound && isTabular(bound.node)) return this.tabular(bound.node);
      return { kind: 'table', name: String(n.SimpleName) };
    }
    if (kind === 'ParenthesizedExpression') return this.tabular(n.Expression);
    if (kind === 'DataTableExpression') return dataTable(this, n);
    if (kind === 'PrintOperator') return print(this, n);
    if (kind === 'UnionOperator')
      return union(
        this,
        items(n.Expressions).map((e) => ({ node: e, lowered: null })),
        n,
      );
    if (kind === 'FunctionCallExpression') {
      const name = String(n.Name.SimpleName);
      const own = this.bindings.get(name);
      if (own && 'fn' in own) return this.invoke(own.fn, n, null, (e) => this.tabular(e));
      // materialize() caches a result in Kusto; here the engine plans it like any subquery.
      if (name === 'materialize') return this.tabular(items(n.ArgumentList.Expressions)[0]);
    }
    throw new UnsupportedError(describe(kind), n.TextStart);
  }
}

/** The chart type of a trailing `| render`, if any. */
function renderOf(n: any): string | null {
  if (kindOf(n) === 'PipeExpression' && kindOf(n.Operator) === 'RenderOperator')
    return String(n.Operator.ChartType?.Text ?? '');
  return null;
}

/** Lowers an analyzed query into the IR. */
export function lower(code: any): Query {
  return new Lowering().query(code);
}
/* eslint-enable @typescript-eslint/no-explicit-any */
