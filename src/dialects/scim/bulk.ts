/**
 * /Bulk (RFC 7644 §3.7): protocol/bulk.ts reads the request and resolves `bulkId` references; each
 * operation is routed and run as the same request on its own would be (the door's `runOne`), so a
 * bulk operation is refused or applied exactly as a single request.
 */
import { CoreError } from "../../core/errors.js";
import type { MaybePromise } from "../../lib/maybe-promise.js";
import type { HttpMethod } from "../../server/door.js";
import { toScimError } from "./errors.js";
import { type BulkLimits, parseBulk, runBulk } from "./protocol/bulk.js";
import { ScimError } from "./protocol/errors.js";
import type { ScimReply, ScimRequest } from "./resources.js";

/** Advertised in the ServiceProviderConfig; the door's body limit is the payload size (larger bodies: 413). */
export const BULK_LIMITS: BulkLimits = { maxOperations: 1000, maxPayloadSize: 1024 * 1024 };

export type RunOne = (r: ScimRequest, method: HttpMethod, path: string, data: unknown, version: string | undefined) => MaybePromise<ScimReply>;

export async function bulk(r: ScimRequest, runOne: RunOne): Promise<ScimReply> {
  const request = parseBulk(r.body, BULK_LIMITS);
  const response = await runBulk(
    request.operations,
    async (op) => {
      try {
        const reply = await runOne(r, op.method, op.path, op.data, op.version);
        const body = reply.body as { id?: string } | undefined;
        return { status: reply.status, id: body?.id, location: reply.location ?? (body as { meta?: { location?: string } } | undefined)?.meta?.location, version: reply.etag };
      } catch (err) {
        // An operation's refusal is its entry in the response; anything else is a fault of the server.
        if (err instanceof ScimError || (err instanceof CoreError && err.reason !== "internal")) throw toScimError(err);
        throw err;
      }
    },
    request.failOnErrors,
  );
  return { status: 200, body: response };
}
