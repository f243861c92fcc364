/**
 * What a compiled query reads in place of the stored tables and of the clock. Scheduled detection
 * (src/detect/) runs one compiled rule over many windows, as Sentinel runs a rule every
 * queryFrequency over the last queryPeriod: the tables a rule names must read only the window
 * (and leave allow-listed traffic out) and now() must be the window's end, without recompiling
 * the query for each window (Kusto's analyzer costs tens of milliseconds a query).
 */
export interface ReadScope {
  /** SQL to read in place of the named table (a parenthesised SELECT), or undefined to read it whole. */
  table(name: string): string | undefined;
  /** SQL for now(), which ago() counts back from too. */
  readonly now: string;
}
