/**
 * RE2 regular-expression text, as the KQL compiler builds it: for `has` terms and `parse`
 * patterns. RE2 is the engine of both dialects' regexp functions (DuckDB's and ClickHouse's).
 */

/** Text matched literally: RE2's special characters escaped. */
export function escapeRegex(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}

/** How many capture groups a regular expression holds: `(` not escaped, outside a class, not `(?:`. */
export function captureGroups(re: string): number {
  let count = 0;
  for (let i = 0; i < re.length; i++) {
    const c = re[i];
    if (c === '\\') i++;
    else if (c === '[') {
      // A class: `]` right after `[` or `[^` is a member, not its end.
      i += re[i + 1] === '^' ? 2 : 1;
      if (re[i] === ']') i++;
      while (i < re.length && re[i] !== ']') i += re[i] === '\\' ? 2 : 1;
    } else if (c === '(') {
      const named = re.startsWith('(?P<', i) || (re.startsWith('(?<', i) && !/^\(\?<[=!]/.test(re.slice(i)));
      if (re[i + 1] !== '?' || named) count++;
    }
  }
  return count;
}
