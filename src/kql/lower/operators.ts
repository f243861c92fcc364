/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { Tabular } from '../ir.js';
import { mvApply, mvExpand } from './expand.js';
import { join } from './join.js';
import type { Lowering } from './lowering.js';
import { makeSeries } from './make-series.js';
import { sort, take, top } from './order.js';
import { parse } from './parse.js';
import { distinct, extend, passThrough, project, projectRename } from './project.js';
import { summarize } from './summarize.js';
import { union } from './union.js';
import { items, kindOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** Lowers one query operator, given its input already lowered. */
export type OperatorLowering = (lw: Lowering, input: Tabular, n: any) => Tabular;

/**
 * The query operators the engine lowers, by Kusto.Language's syntax kind: one entry each, the
 * family's own file doing the work. An operator missing here is refused by name.
 */
export const OPERATORS: Readonly<Record<string, OperatorLowering>> = {
  FilterOperator: (lw, input, n) => ({ kind: 'where', input, predicate: lw.scalar(n.Condition) }),
  TakeOperator: take,
  CountOperator: (_lw, input) => ({ kind: 'count', input }),
  TopOperator: top,
  SortOperator: sort,
  DistinctOperator: distinct,
  ExtendOperator: extend,
  ProjectOperator: project,
  ProjectAwayOperator: (_lw, input, n) => passThrough(input, n),
  ProjectKeepOperator: (_lw, input, n) => passThrough(input, n),
  ProjectReorderOperator: (_lw, input, n) => passThrough(input, n),
  ProjectRenameOperator: projectRename,
  SummarizeOperator: summarize,
  JoinOperator: (lw, input, n) => join(lw, input, n),
  LookupOperator: (lw, input, n) => join(lw, input, n, true),
  UnionOperator: (lw, input, n) =>
    union(
      lw,
      [
        { node: n.Parent?.Expression, lowered: input },
        ...items(n.Expressions).map((e) => ({ node: e, lowered: null })),
      ],
      n,
    ),
  MvExpandOperator: mvExpand,
  MvApplyOperator: mvApply,
  ParseOperator: (lw, input, n) => parse(lw, input, n, false),
  ParseWhereOperator: (lw, input, n) => parse(lw, input, n, true),
  MakeSeriesOperator: makeSeries,
  InvokeOperator: (lw, input, n) => {
    const call = n.Function;
    const own =
      kindOf(call) === 'FunctionCallExpression' ? lw.bound(String(call.Name.SimpleName)) : undefined;
    if (!own || !('fn' in own)) throw new UnsupportedError('invoke of a built-in function', n.TextStart);
    return lw.invoke(own.fn, call, input, (e) => lw.tabular(e));
  },
  // `as Name` only names the result (for a later withsource): the rows are unchanged.
  AsOperator: (_lw, input) => input,
  // The engine keeps rows in order wherever Kusto does; new columns are an extend.
  SerializeOperator: (lw, input, n) => (items(n.Expressions).length > 0 ? extend(lw, input, n) : input),
};
/* eslint-enable @typescript-eslint/no-explicit-any */
