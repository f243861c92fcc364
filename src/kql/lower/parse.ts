/* eslint-disable @typescript-eslint/no-explicit-any -- Kusto.Language's syntax nodes carry no ES types. */
import type { KqlType, Tabular } from '../ir.js';
import { captureGroups, escapeRegex } from '../regex.js';
import type { Lowering } from './lowering.js';
import { kindOf, nodes, parameters, parameterText, typeOf } from './syntax.js';
import { UnsupportedError } from './unsupported.js';

/** What a column of each type captures, where it is not simply text. */
const NUMBER_PATTERNS: Partial<Record<KqlType, string>> = {
  long: '-?\\d+',
  int: '-?\\d+',
  real: '-?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?',
  decimal: '-?(?:\\d+\\.?\\d*|\\.\\d+)',
};

/**
 * parse and parse-where: the pattern as one RE2 regular expression, anchored at the start (a
 * leading `*` skips text). Kinds, as Kusto's documentation gives them: simple and relaxed take the
 * constants literally and capture a text column lazily (up to the first occurrence of the next
 * constant; a column ending the pattern takes the rest); regex takes the constants as regular
 * expressions and captures text greedily (flags apply to the whole pattern: `U` makes it lazy).
 * A number column captures digits. A capture that does not convert to its column's type fails
 * the whole match in simple and regex (every column null); in relaxed only that column is null,
 * and a column followed by a constant captures whatever text comes before it.
 */
export function parse(lw: Lowering, input: Tabular, n: any, filter: boolean): Tabular {
  let mode = 'simple';
  let flags = '';
  for (const p of parameters(n)) {
    const name = String(p.Name?.SimpleName ?? '').toLowerCase();
    if (name === 'kind') mode = parameterText(p).toLowerCase();
    else if (name === 'flags') flags = parameterText(p);
    else throw new UnsupportedError(`parse ${name}=`, p.TextStart);
  }
  if (!['simple', 'regex', 'relaxed'].includes(mode))
    throw new UnsupportedError(`parse kind=${mode}`, n.TextStart);
  if (flags && (mode !== 'regex' || !/^[imsU]+$/.test(flags)))
    throw new UnsupportedError(
      `parse flags=${flags}${mode === 'regex' ? '' : ` with kind=${mode}`}`,
      n.TextStart,
    );
  const before = new Set(lw.inputColumns(n));
  const elements = nodes(n.Patterns);
  let regex = flags ? `(?${flags})^` : '^';
  let groups = 0;
  const columns: { name: string; type: KqlType; group: number }[] = [];
  elements.forEach((e, i) => {
    const kind = kindOf(e);
    const next = elements[i + 1];
    if (kind === 'StarExpression') regex += '.*?';
    else if (kind === 'NameDeclaration' || kind === 'NameAndTypeDeclaration') {
      const decl = kind === 'NameDeclaration' ? e : e.Name;
      const name = String(decl.SimpleName);
      if (before.has(name))
        throw new UnsupportedError(`parse into ${name}, a column the input already has`, e.TextStart);
      const type = typeOf(decl);
      const constantNext = next !== undefined && kindOf(next) !== 'StarExpression';
      const number = mode === 'relaxed' && constantNext ? undefined : NUMBER_PATTERNS[type];
      const text = mode === 'regex' || !next ? '.*' : '.*?';
      columns.push({ name, type, group: ++groups });
      regex += `(${number ?? text})${!next && !number ? '$' : ''}`;
    } else {
      const constant = lw.scalar(e);
      if (constant.kind !== 'literal' || typeof constant.value !== 'string')
        throw new UnsupportedError('a parse pattern part that is not a string constant', e.TextStart);
      if (mode === 'regex') {
        regex += `(?:${constant.value})`;
        groups += captureGroups(constant.value);
      } else regex += escapeRegex(constant.value);
    }
  });
  return {
    kind: 'parse',
    input,
    text: lw.scalar(n.Expression),
    regex,
    groups,
    columns,
    strict: mode !== 'relaxed',
    filter,
  };
}

/* eslint-enable @typescript-eslint/no-explicit-any */
