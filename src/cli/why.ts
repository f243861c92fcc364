import { checkWhy, why, type WhyAnswer, type WhyQuestion } from '../analytics/why.js';
import { answerKql, answerObjects } from '../kql/answer.js';
import { readServerFile } from '../serve/server-file.js';
import { dbPath, UsageError, type Command } from './command.js';
import { openForCommand } from './open-db.js';
import { isoOption, parse } from './parse.js';
import { RemoteServer } from './remote.js';
import { render } from './render.js';

export const whyCommand: Command = {
  name: 'why',
  summary: "why can't A reach B? the tuples between them, the rule that decided, and the answer",
  help: `Usage: vnetflow why [--db FILE] [--from ISO] [--to ISO] [--json] SRC DST[:PORT]

Looks at the flow tuples from SRC to DST (and PORT) and answers in one sentence: denied by which
rule at which NIC and in which direction, dropped by virtual network encryption, allowed but never
answered, or never logged at all; with when it last got through. The table below the answer lists
each group of tuples; the KQL behind it runs in vnetflow query or the UI's editor.

Options:
  --db FILE   database file (default: $VNETFLOW_DB or ./vnetflow.duckdb)
  --from ISO  look from this time (default: 7 days before --to)
  --to ISO    look up to this time (default: now)
  --json      print the whole answer as JSON
  -h, --help  show this help

Examples:
  vnetflow why 10.3.0.4 10.1.2.4:1433
  vnetflow why --from 2026-11-23T00:00:00Z 10.1.1.8 '[2001:db8::5]:443'`,
  async run(argv) {
    const { values, positionals } = parse('why', argv, {
      db: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
    });
    if (values.help) {
      console.log(this.help);
      return 0;
    }
    if (positionals.length !== 2)
      throw new UsageError('why: give a source and a destination, e.g. vnetflow why 10.3.0.4 10.1.2.4:1433');
    const to = isoOption('why', 'to', values.to as string | undefined) ?? new Date();
    const from =
      isoOption('why', 'from', values.from as string | undefined) ?? new Date(to.getTime() - 7 * 86_400_000);
    const { ip: dst, port } = target(positionals[1]);
    const q: WhyQuestion = { src: positionals[0], dst, port, from, to };
    const problem = checkWhy(q);
    if (problem) throw new UsageError(`why: ${problem}`);
    const db = dbPath(values.db as string | undefined);
    const server = readServerFile(db);
    let answer: WhyAnswer;
    if (server) {
      const params = new URLSearchParams({
        src: q.src,
        dst: q.dst,
        from: from.toISOString(),
        to: to.toISOString(),
      });
      if (port !== null) params.set('port', String(port));
      answer = await new RemoteServer(server).call<WhyAnswer>('GET', `/api/why?${params}`);
    } else {
      const store = await openForCommand('why', { path: db, readOnly: true });
      try {
        answer = await why(q, async (kql) => {
          const a = await answerKql(store, kql, new Date());
          if (a.error) throw new Error(a.error.message);
          return answerObjects(a);
        });
      } finally {
        store.close();
      }
    }
    if (values.json) {
      console.log(JSON.stringify(answer, null, 2));
      return 0;
    }
    console.log(answer.sentence);
    if (answer.observations.length) {
      const cols = ['status', 'direction', 'nic', 'rule', 'encryption', 'tuples', 'first', 'last'] as const;
      console.log(
        `\n${render(
          {
            columns: cols.map((name) => ({ name })),
            rows: answer.observations.map((o) => cols.map((c) => o[c])),
          },
          'table',
        )}`,
      );
    }
    return 0;
  },
};

/** DST, DST:PORT or [IPv6]:PORT. */
function target(text: string): { ip: string; port: number | null } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { ip: v6[1], port: v6[2] === undefined ? null : Number(v6[2]) };
  const v4 = /^([^:]+):(\d+)$/.exec(text);
  if (v4) return { ip: v4[1], port: Number(v4[2]) };
  return { ip: text, port: null };
}
