/** One request on its way through the pipeline: what arrived, and what each step found out. */
import type { Caller } from "../core/index.js";
import type { RawRequest } from "./door.js";

export class RequestContext<W = unknown> {
  /** Set by the authenticate step. */
  caller: Caller | undefined = undefined;
  /** The door's own reading of the request, set by the authenticate step. */
  wire: W | undefined = undefined;

  constructor(
    /** The id the client sees in the answer and every log line about the request carries. */
    readonly requestId: string,
    readonly raw: RawRequest & { body: Buffer },
    /** performance.now() when the pipeline started, for the request's duration. */
    readonly startedAt: number,
  ) {}

  /** One header's value (the first when it was sent twice). */
  header(name: string): string | undefined {
    const v = this.raw.headers[name];
    return Array.isArray(v) ? v[0] : v;
  }
}
