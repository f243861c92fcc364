/**
 * Removes secrets from text that may be printed or stored: SAS signatures and whole SAS query
 * strings in URLs, account keys and SAS tokens in connection strings, bearer tokens. The Azure SDK
 * puts request URLs in some error messages, so every message from a storage call passes here
 * before it reaches a log, the API, IngestErrors or a checkpoint.
 */
export function redact(text: string): string {
  return (
    text
      // A query string that carries a signature is a SAS: drop all of it, its parameters
      // (expiry, permissions) say more about the account than a user needs in a log.
      .replace(/\?[^\s"'<>]*\bsig=[^\s"'<>]*/gi, '?<sas redacted>')
      .replace(/\bsig=[^&;\s"'<>]+/gi, 'sig=<redacted>')
      .replace(/\b(AccountKey|SharedAccessSignature|SharedAccessKey)=[^;\s"']+/gi, '$1=<redacted>')
      .replace(/\bBearer\s+[A-Za-z0-9._~+/=-]+/g, 'Bearer <redacted>')
  );
}
