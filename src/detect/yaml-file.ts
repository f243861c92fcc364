import { LineCounter, parseDocument, type Document } from 'yaml';

/** A problem in a YAML file the user wrote: the file, the line and why. */
export interface FileProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** A parsed YAML file that can say on which line any path inside it sits. */
export interface YamlFile {
  readonly doc: Document.Parsed;
  /** The problems of the text itself (syntax, duplicate keys); nothing else is worth reading when there are any. */
  readonly problems: FileProblem[];
  lineOf(path: readonly (string | number)[]): number;
}

/** Parses YAML keeping positions, so every later complaint can name its line. */
export function readYaml(text: string, file: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  const lineOf = (path: readonly (string | number)[]): number => {
    // The deepest node of the path that exists (a missing key points at its parent).
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const node = p.length ? doc.getIn(p, true) : doc.contents;
      const start = (node as { range?: [number, number, number] } | null)?.range?.[0];
      if (start !== undefined) return lines.linePos(start).line;
      if (p.length === 0) return 1;
    }
  };
  const problems = doc.errors.map((e) => ({
    file,
    line: e.linePos?.[0].line ?? 1,
    message: e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, ''),
  }));
  return { doc, problems, lineOf };
}
