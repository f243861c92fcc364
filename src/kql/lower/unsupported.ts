/** A query construct the engine does not handle yet: named, with its position, never approximated. */
export class UnsupportedError extends Error {
  /** `start`: the offset in the query; undefined when the compiler refuses a node (see `located`). */
  constructor(
    readonly construct: string,
    readonly start?: number,
  ) {
    super(`${construct} is not supported yet`);
    this.name = 'UnsupportedError';
  }
}
