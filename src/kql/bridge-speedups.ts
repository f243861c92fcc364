/**
 * Faster equivalents of three helpers of Bridge.NET's runtime, the layer that Kusto.Language
 * (compiled from C# by Bridge.NET) calls for every list access, type test and `out` argument.
 *
 * Why: profiling the analysis of seed 000's 100-line query showed more than a third of its time in
 * these helpers, not in Kusto's own logic:
 * - `Bridge.ref(obj, key)` makes each reference with `Object.defineProperty` and two fresh
 *   closures; V8 handles a class with prototype accessors far better.
 * - `System.Array.getCount` / `getItem` build an interface member name by string concatenation
 *   (`"System$Collections$Generic$ICollection$1$" + alias + "$getCount"`) on every call; the name
 *   depends only on the element type, so it is computed once per type here.
 * - `Bridge.is(obj, Class)` reaches `obj instanceof Class` only after several other checks; for an
 *   instance of a Bridge class the answer depends only on the two classes, so it is decided once
 *   per pair.
 *
 * Each replacement gives the same answer as the original for every input: it either takes a
 * shortcut whose result the original would also return, or calls the original. They are applied
 * only to the Bridge.NET version they were checked against; any other version keeps its own
 * helpers (correct, only slower). The KQL tests (golden, acceptance, safety fuzz) all run through
 * the patched runtime.
 */

/* eslint-disable @typescript-eslint/no-explicit-any -- Bridge.NET's runtime has no types. */

/** The Bridge.NET runtime version whose helpers these replacements mirror. */
const BRIDGE_VERSION = '17.10.1';

/** A by-reference slot `{ v }` over `obj[key]`, as `Bridge.ref(obj, key)` returns. */
class FieldRef {
  constructor(
    private readonly obj: any,
    private readonly key: string | number,
  ) {}
  get v(): any {
    return this.obj[this.key];
  }
  set v(value: any) {
    this.obj[this.key] = value;
  }
}

/** Installs the faster helpers; returns whether they were installed (false for another version). */
export function speedUpBridge(bridge: any, system: any, version: string): boolean {
  if (version !== BRIDGE_VERSION) return false;

  const ref = bridge.ref;
  bridge.ref = function (obj: any, key: any): any {
    // Mirrors Bridge's own loose test: null and undefined both mean "no key".
    if (key === null || key === undefined) return ref(obj, key);
    if (bridge.isArray(key)) key = system.Array.toIndex(obj, key);
    return new FieldRef(obj, key);
  };

  const getCount = system.Array.getCount;
  const countKeys = new Map<unknown, readonly [string, string]>();
  // The original's steps in its order, with the two interface member names computed once per type.
  system.Array.getCount = function (list: any, type: any): number {
    // An array: the original's first test (Bridge.isArray holds for every JS array) gives its length.
    if (Array.isArray(list)) return list.length;
    if (list === null || list === undefined || !type) return getCount(list, type);
    let keys = countKeys.get(type);
    if (keys === undefined) {
      const prefix = `System$Collections$Generic$ICollection$1$${bridge.getTypeAlias(type)}$`;
      keys = [`${prefix}getCount`, `${prefix}Count`];
      countKeys.set(type, keys);
    }
    let method = list[keys[0]];
    if (typeof method === 'function') return method.call(list);
    method = list.System$Collections$ICollection$getCount;
    if (typeof method === 'function') return method.call(list);
    let count = list[keys[1]];
    if (count !== undefined) return count;
    count = list.System$Collections$ICollection$Count;
    if (count !== undefined) return count;
    count = list.Count;
    if (count !== undefined) return count;
    return getCount(list, type);
  };

  const getItem = system.Array.getItem;
  const itemKeys = new Map<unknown, string>();
  system.Array.getItem = function (list: any, index: number, type: any): any {
    // An array: the original returns the element itself when given a type or when the array is
    // untyped (it boxes only a typed array's numbers, bools and dates read without a type).
    if (Array.isArray(list))
      return type || (list as any).$type === undefined ? list[index] : getItem(list, index, type);
    if (type) {
      let key = itemKeys.get(type);
      if (key === undefined) {
        key = `System$Collections$Generic$IList$1$${bridge.getTypeAlias(type)}$getItem`;
        itemKeys.set(type, key);
      }
      const method = list[key];
      if (typeof method === 'function') return method.call(list, index);
    }
    return getItem(list, index, type);
  };

  const is = bridge.is;
  // The answer for an instance of a Bridge class against a class depends only on the two classes:
  // decided once per pair (true or false), or left to the original (undefined) for any other case.
  // Kept on each class itself (a symbol-keyed property): faster to reach than through a Map. Safe
  // because Bridge.NET 17.10.1's class constructors inherit nothing from their base classes (their
  // prototype is Function.prototype), so a class never reads its base class's answers.
  const decided = Symbol('vnetflow.is');
  const decide = (obj: any, ctor: any, type: any): boolean | undefined => {
    // The original returns true at its instanceof test.
    if (obj instanceof type) return true;
    // For an instance of a Bridge class tested against another class (not an interface, with
    // no custom $is test and not a literal type), the original's remaining checks all fail.
    if (
      ctor !== type &&
      type.$kind === 'class' &&
      !type.$isInterface &&
      type.$is === undefined &&
      !type.$literal
    )
      return false;
    return undefined;
  };
  bridge.is = function (obj: any, type: any, ignoreFn: any, allowNull: any): boolean {
    if (
      obj !== null &&
      obj !== undefined &&
      typeof type === 'function' &&
      type.constructor === Function &&
      type !== system.Object &&
      type !== Object &&
      !obj.$boxed
    ) {
      const ctor = obj.constructor;
      // Only plain instances of Bridge classes: their prototype is their class's, for good.
      if (ctor?.$kind === 'class' && Object.getPrototypeOf(obj) === ctor.prototype) {
        let byType: Map<unknown, boolean | undefined> | undefined = ctor[decided];
        if (!byType) ctor[decided] = byType = new Map();
        let answer = byType.get(type);
        if (answer === undefined && !byType.has(type)) byType.set(type, (answer = decide(obj, ctor, type)));
        if (answer !== undefined) return answer;
      } else if (obj instanceof type) return true;
    }
    return is(obj, type, ignoreFn, allowNull);
  };
  return true;
}
/* eslint-enable @typescript-eslint/no-explicit-any */
