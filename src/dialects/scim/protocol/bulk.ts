/**
 * /Bulk (RFC 7644 §3.7): the BulkRequest reader with the advertised limits, and the runner that
 * executes operations through the door's own handlers, resolves `bulkId:<id>` references (in paths
 * and anywhere in data) from earlier results, honours failOnErrors, and builds the BulkResponse.
 */
import { ScimError, errorBody, invalidSyntax, type ScimErrorBody } from "./errors.js";
import { findKey, isPlainObject, sanitizeJson } from "./coerce.js";

export const BULK_REQUEST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

export interface BulkLimits {
  maxOperations: number;
  /** Bytes of the request body. */
  maxPayloadSize: number;
}

export type BulkMethod = "POST" | "PUT" | "PATCH" | "DELETE";

export interface BulkOperation {
  /** Position in the request, from 0. */
  index: number;
  method: BulkMethod;
  bulkId?: string;
  /** The If-Match version the client sent for this operation. */
  version?: string;
  path: string;
  data?: unknown;
}

export interface BulkRequest {
  /** Errors tolerated before the rest is skipped; undefined = run everything (RFC 7644 §3.7.3). */
  failOnErrors?: number;
  operations: BulkOperation[];
}

/** What the door's handler answers for one operation (after references were resolved). */
export interface BulkExecResult {
  status: number;
  /** The SCIM id of the created/affected resource; a POST's is what `bulkId:<id>` then stands for. */
  id?: string;
  location?: string;
  version?: string;
  /** A body to report (RFC: only errors are required; successful responses may be omitted). */
  response?: object;
}

export interface BulkResponseOperation {
  method: BulkMethod;
  bulkId?: string;
  version?: string;
  location?: string;
  /** The HTTP status as a string, as in RFC 7644 §3.7.3's examples. */
  status: string;
  response?: object | ScimErrorBody;
}

export interface BulkResponse {
  schemas: [typeof BULK_RESPONSE_SCHEMA];
  Operations: BulkResponseOperation[];
}

const BULK_REF = /^bulkId:(.+)$/;
const BULK_REF_IN_PATH = /(?:^|\/)bulkId:([^/?#]+)/g;

/** 413 with an error body and no scimType, as RFC 7644 §3.7.4 shows for both limits. */
function tooLarge(detail: string): ScimError {
  return new ScimError(413, undefined, detail);
}

/**
 * Validates a BulkRequest. `bodyBytes` is the size of the raw body when the door knows it (else the
 * size of its JSON). Throws 413 when maxPayloadSize or maxOperations is exceeded, 400 invalidSyntax
 * for a malformed message (missing method/path, POST without bulkId, repeated bulkId).
 */
export function parseBulk(body: unknown, limits: BulkLimits, bodyBytes?: number): BulkRequest {
  const size = bodyBytes ?? Buffer.byteLength(JSON.stringify(body ?? null));
  if (size > limits.maxPayloadSize) {
    throw tooLarge(`The size of the bulk operation exceeds the maxPayloadSize (${limits.maxPayloadSize}).`);
  }
  if (!isPlainObject(body)) throw invalidSyntax("The bulk body must be a JSON object");
  const schemas = body[findKey(body, "schemas") ?? "schemas"];
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === "string" && s.toLowerCase() === BULK_REQUEST_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`"schemas" must be ["${BULK_REQUEST_SCHEMA}"]`);
  }
  const ops = body[findKey(body, "Operations") ?? "Operations"];
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax(`"Operations" must be a non-empty array`);
  if (ops.length > limits.maxOperations) {
    throw tooLarge(`The number of operations (${ops.length}) exceeds the maxOperations (${limits.maxOperations}).`);
  }
  const request: BulkRequest = { operations: [] };
  const failKey = findKey(body, "failOnErrors");
  if (failKey !== undefined && body[failKey] !== undefined && body[failKey] !== null) {
    const f = body[failKey];
    if (typeof f !== "number" || !Number.isInteger(f) || f < 1) throw invalidSyntax("failOnErrors must be a positive integer");
    request.failOnErrors = f;
  }
  const seen = new Set<string>();
  ops.forEach((raw, index) => {
    if (!isPlainObject(raw)) throw invalidSyntax(`Operations[${index}] must be an object`);
    const method = raw[findKey(raw, "method") ?? "method"];
    const upper = typeof method === "string" ? method.toUpperCase() : "";
    if (upper !== "POST" && upper !== "PUT" && upper !== "PATCH" && upper !== "DELETE") {
      throw invalidSyntax(`Operations[${index}].method must be POST, PUT, PATCH or DELETE`);
    }
    const path = raw[findKey(raw, "path") ?? "path"];
    if (typeof path !== "string" || !path.startsWith("/") || path.length > 2000) {
      throw invalidSyntax(`Operations[${index}].path must be a resource path such as /Users`);
    }
    const op: BulkOperation = { index, method: upper, path };
    const bulkId = raw[findKey(raw, "bulkId") ?? "bulkId"];
    if (bulkId !== undefined && bulkId !== null) {
      if (typeof bulkId !== "string" || bulkId === "" || bulkId.length > 256 || /[/?#\s]/.test(bulkId)) {
        throw invalidSyntax(`Operations[${index}].bulkId must be a short string`);
      }
      if (seen.has(bulkId)) throw invalidSyntax(`bulkId ${bulkId} is used twice`);
      seen.add(bulkId);
      op.bulkId = bulkId;
    } else if (upper === "POST") {
      throw invalidSyntax(`Operations[${index}]: a POST needs a bulkId`);
    }
    const version = raw[findKey(raw, "version") ?? "version"];
    if (typeof version === "string") op.version = version;
    const dataKey = findKey(raw, "data");
    if (dataKey !== undefined && raw[dataKey] !== undefined) op.data = sanitizeJson(raw[dataKey], `Operations[${index}].data`, 1);
    if (upper !== "DELETE" && op.data === undefined) throw invalidSyntax(`Operations[${index}]: ${upper} needs data`);
    request.operations.push(op);
  });
  return request;
}

/** Every bulkId an operation refers to, in its path and anywhere in its data. */
export function bulkReferences(op: BulkOperation): Set<string> {
  const refs = new Set<string>();
  for (const m of op.path.matchAll(BULK_REF_IN_PATH)) refs.add(decodeURIComponent(m[1]!));
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      const m = BULK_REF.exec(v);
      if (m) refs.add(m[1]!);
    } else if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) Object.values(v).forEach(visit);
  };
  visit(op.data);
  return refs;
}

function substitute(op: BulkOperation, ids: Map<string, string>): BulkOperation {
  const swap = (v: unknown): unknown => {
    if (typeof v === "string") {
      const m = BULK_REF.exec(v);
      return m && ids.has(m[1]!) ? ids.get(m[1]!) : v;
    }
    if (Array.isArray(v)) return v.map(swap);
    if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, swap(x)]));
    return v;
  };
  const path = op.path.replace(BULK_REF_IN_PATH, (whole, id: string) => {
    const real = ids.get(decodeURIComponent(id));
    return real === undefined ? whole : whole.replace(`bulkId:${id}`, encodeURIComponent(real));
  });
  const out: BulkOperation = { ...op, path };
  if (op.data !== undefined) out.data = swap(op.data);
  return out;
}

function failure(op: BulkOperation, err: ScimError): BulkResponseOperation {
  const entry: BulkResponseOperation = { method: op.method, status: String(err.status), response: errorBody(err) };
  if (op.bulkId !== undefined) entry.bulkId = op.bulkId;
  return entry;
}

/**
 * Runs the operations one at a time, in request order except that an operation waits until the
 * operations whose bulkId it references have run (RFC 7644 §3.7.2 lets a client reference a later
 * POST). A reference to a bulkId that no operation defines, or whose operation failed, fails the
 * referring operation with 409 invalidValue; references that can never be resolved because they
 * form a cycle fail with 409 (RFC 7644 §3.7.1 allows 409 instead of resolving cycles). After
 * `failOnErrors` errors the remaining operations are not run and not reported (§3.7.3).
 * `exec` answers ScimError for an operation's own failure; any other exception propagates.
 */
export async function runBulk(
  ops: BulkOperation[],
  exec: (op: BulkOperation) => Promise<BulkExecResult>,
  failOnErrors?: number,
): Promise<BulkResponse> {
  const defined = new Set(ops.flatMap((o) => (o.bulkId !== undefined ? [o.bulkId] : [])));
  const ids = new Map<string, string>();
  const failed = new Set<string>();
  const results = new Map<number, BulkResponseOperation>();
  const pending = [...ops];
  let errors = 0;
  const limitReached = () => failOnErrors !== undefined && errors >= failOnErrors;
  const record = (op: BulkOperation, entry: BulkResponseOperation, ok: boolean) => {
    results.set(op.index, entry);
    if (!ok) {
      errors++;
      if (op.bulkId !== undefined) failed.add(op.bulkId);
    }
  };

  while (pending.length > 0 && !limitReached()) {
    let progressed = false;
    for (let i = 0; i < pending.length && !limitReached(); ) {
      const op = pending[i]!;
      const refs = [...bulkReferences(op)];
      const unknown = refs.find((r) => !defined.has(r) || r === op.bulkId);
      const broken = refs.find((r) => failed.has(r));
      if (unknown !== undefined || broken !== undefined) {
        const detail =
          unknown !== undefined
            ? `bulkId:${unknown} does not name another operation of this request`
            : `bulkId:${broken} could not be resolved: its operation failed`;
        record(op, failure(op, new ScimError(409, "invalidValue", detail)), false);
        pending.splice(i, 1);
        progressed = true;
        continue;
      }
      if (!refs.every((r) => ids.has(r))) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      progressed = true;
      try {
        const result = await exec(substitute(op, ids));
        const entry: BulkResponseOperation = { method: op.method, status: String(result.status) };
        if (op.bulkId !== undefined) entry.bulkId = op.bulkId;
        if (result.version !== undefined) entry.version = result.version;
        if (result.location !== undefined) entry.location = result.location;
        if (result.response !== undefined) entry.response = result.response;
        const ok = result.status < 400;
        if (ok && op.bulkId !== undefined) {
          const id = result.id ?? result.location?.split("/").filter(Boolean).pop();
          if (id !== undefined) ids.set(op.bulkId, decodeURIComponent(id));
          else failed.add(op.bulkId);
        }
        record(op, entry, ok);
      } catch (err) {
        if (!(err instanceof ScimError)) throw err;
        record(op, failure(op, err), false);
      }
    }
    if (!progressed) {
      // Only operations waiting on each other remain: a cycle.
      for (const op of pending.splice(0)) {
        if (limitReached()) break;
        record(op, failure(op, new ScimError(409, undefined, "Circular bulkId references could not be resolved")), false);
      }
    }
  }
  return {
    schemas: [BULK_RESPONSE_SCHEMA],
    Operations: [...results.entries()].sort((a, b) => a[0] - b[0]).map(([, e]) => e),
  };
}
