type Obj = Record<string, unknown>;

/**
 * Splits a record's outer list (of objects holding a list of groups, each holding a list of tuples)
 * into lists of at most `maxTuples` tuples each, in tuple order, with each list's tuple count. A
 * group or an outer element that straddles a cut appears in both lists with its own fields, so
 * every piece reads as a whole record; empty groups stay where they were.
 */
export function splitOuter(
  outer: readonly Obj[],
  innerKey: string,
  tuplesKey: string,
  maxTuples: number,
): { outer: Obj[]; tuples: number }[] {
  const limit = Math.max(1, maxTuples);
  const pieces: { outer: Obj[]; tuples: number }[] = [];
  let current: Obj[] = [];
  let n = 0;
  for (const o of outer) {
    let groups: Obj[] = [];
    const closeOuter = (): void => {
      if (groups.length > 0) current.push({ ...o, [innerKey]: groups });
      groups = [];
    };
    for (const g of (o[innerKey] as Obj[] | undefined) ?? []) {
      const tuples = (g[tuplesKey] as unknown[] | undefined) ?? [];
      let at = 0;
      do {
        const take = Math.min(tuples.length - at, limit - n);
        groups.push({ ...g, [tuplesKey]: tuples.slice(at, at + take) });
        at += take;
        n += take;
        if (n >= limit) {
          closeOuter();
          pieces.push({ outer: current, tuples: n });
          current = [];
          n = 0;
        }
      } while (at < tuples.length);
    }
    closeOuter();
  }
  if (current.length > 0 || pieces.length === 0) pieces.push({ outer: current, tuples: n });
  return pieces;
}
