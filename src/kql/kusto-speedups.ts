/**
 * A memo for Kusto.Language's overload resolution, `Binder.GetBestMatchingSignatures`.
 *
 * Why: profiling the warm analysis of seed 000's 100-line query put about a sixth of its time in
 * this one method (about 200 calls, some 45 µs each: every candidate signature's parameters are
 * laid out and matched several times over, through Bridge.NET's runtime). For the calls it
 * memoizes, its answer depends only on the candidate signatures, the argument types, the
 * requireAllArgumentsMatch flag and the binder's globals: the argument expressions themselves are
 * read only for a `*` argument, a named argument (`name = value`), or a string literal that may be
 * a parameter's default-value indicator. Calls with any of those, or with an output list that is
 * not empty, go to the original.
 *
 * Memo keys are the symbols themselves, in WeakMaps (a long-running process that analyzes many
 * queries keeps no entry for types or globals it no longer holds), in a trie by argument type. Applied only to the
 * Kusto.Language version it was checked against; `test/kql-bridge-speedups.test.ts` compares the
 * memo's answer with the original's on every call while Kusto analyzes all the test queries.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's objects carry no ES types. */

/** The @kusto/language-service-next version whose Binder this memo mirrors. */
const KUSTO_VERSION = '12.4.1';

/**
 * A node of the memo's trie: one level per argument type, so a call's path is its argument types
 * in order; the answers (per requireAllArgumentsMatch) sit on the node where the path ends. A
 * path can end at a node that longer calls pass through (a function met with two arguments, then
 * with one), so a node holds both.
 */
interface MemoNode {
  readonly next: WeakMap<object, MemoNode>;
  answers?: Map<boolean, readonly unknown[]>;
}

function memoNode(): MemoNode {
  return { next: new WeakMap() };
}

/** Whether a value can key a WeakMap. */
function isKey(x: unknown): x is object {
  return (typeof x === 'object' && x !== null) || typeof x === 'function';
}

/** Installs the memo on Kusto's Binder; returns whether it was installed (false for another version). */
export function speedUpKusto(kusto: any, bridge: any, system: any, version: string): boolean {
  if (version !== KUSTO_VERSION) return false;
  const binder = kusto.Binding.Binder.prototype;
  const original = binder.GetBestMatchingSignatures;
  const { Expression, StarExpression, SimpleNamedExpression, LiteralExpression } = kusto.Syntax;
  const { TypeSymbol, Signature, Parameter } = kusto.Symbols;

  // Whether any parameter of any candidate has a default-value indicator (read from literals).
  const indicators = new WeakMap<object, boolean>();
  const hasIndicator = (signatures: any): boolean => {
    let known = indicators.get(signatures);
    if (known === undefined) {
      known = false;
      for (let i = 0; i < system.Array.getCount(signatures, Signature); i++) {
        const params = system.Array.getItem(signatures, i, Signature).Parameters;
        for (let j = 0; j < system.Array.getCount(params, Parameter); j++) {
          const indicator = system.Array.getItem(params, j, Parameter).DefaultValueIndicator;
          if (indicator !== null && indicator !== undefined) known = true;
        }
      }
      indicators.set(signatures, known);
    }
    return known;
  };

  const memo = new WeakMap<object, WeakMap<object, MemoNode>>(); // per globals, then per signature list
  binder.GetBestMatchingSignatures = function (
    signatures: any,
    args: any,
    types: any,
    result: any,
    requireAll: any,
  ): void {
    const count = system.Array.getCount(types, TypeSymbol);
    if (
      result.Count !== 0 ||
      !isKey(signatures) ||
      args === null ||
      args === undefined ||
      system.Array.getCount(args, Expression) !== count ||
      !isKey(this._globals)
    )
      return original.call(this, signatures, args, types, result, requireAll);
    const literals = hasIndicator(signatures);
    for (let i = 0; i < count; i++) {
      const arg = system.Array.getItem(args, i, Expression);
      if (
        bridge.is(arg, StarExpression) ||
        bridge.is(arg, SimpleNamedExpression) ||
        (literals && bridge.is(arg, LiteralExpression)) ||
        // A WeakMap takes objects only; a missing type goes to the original.
        !isKey(system.Array.getItem(types, i, TypeSymbol))
      )
        return original.call(this, signatures, args, types, result, requireAll);
    }
    let bySignatures = memo.get(this._globals);
    if (!bySignatures) memo.set(this._globals, (bySignatures = new WeakMap()));
    let node: MemoNode | undefined = bySignatures.get(signatures);
    if (!node) bySignatures.set(signatures, (node = memoNode()));
    for (let i = 0; i < count; i++) {
      const type = system.Array.getItem(types, i, TypeSymbol) as object;
      let next: MemoNode | undefined = node.next.get(type);
      if (!next) node.next.set(type, (next = memoNode()));
      node = next;
    }
    const flag = Boolean(requireAll);
    const known = node.answers?.get(flag);
    if (known) {
      for (const s of known) result.add(s);
      return;
    }
    original.call(this, signatures, args, types, result, requireAll);
    const found: unknown[] = [];
    for (let i = 0; i < result.Count; i++) found.push(result.getItem(i));
    (node.answers ??= new Map()).set(flag, found);
  };
  return true;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
