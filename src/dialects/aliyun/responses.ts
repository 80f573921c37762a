/**
 * Answers are written by a serializer compiled (fast-json-stringify) from the action's generated
 * response schema: the vendor's response model plus OpenCIC's documented additions
 * (generated/response-schemas.json, wire-spec.ts). A field the schema does not declare cannot reach
 * the wire, and a value of a type other than the declared one is an error (checked first, since the
 * serializer alone would coerce it: an object into `{}`, a number into a string), which the door
 * answers as InternalError. Absent and null fields are omitted (spec §1.7); RequestId is the door's,
 * and a success never carries a top-level Code (pop-core would read it as an error).
 */
import { Ajv } from "ajv";
import fastJson from "fast-json-stringify";
import { compiledPerAction, type SchemaTable } from "../../lib/per-action.js";
import responseSchemas from "./generated/response-schemas.json" with { type: "json" };
import type { Schema } from "./schemas.js";
import type { Product } from "./wire-spec.js";

const ajv = new Ajv({ strict: false, allErrors: false });

const serializers = compiledPerAction(responseSchemas as unknown as SchemaTable<Schema>, (schema, product, action) => {
  const wire = wireSchema(schema);
  const valid = ajv.compile(wire);
  const write = fastJson(wire as Parameters<typeof fastJson>[0]) as (payload: object) => string;
  return (payload: object): string => {
    const present = withoutNulls(payload) as object;
    if (!valid(present)) throw new Error(`${product} ${action}: the answer is not what its response model declares: ${ajv.errorsText(valid.errors)}`);
    return write(present);
  };
});

/**
 * The JSON of an answer's fields (everything but RequestId) as the action's response schema declares
 * them. Throws for an action without one (the door answers InternalError) or a value of the wrong type.
 */
export function encodeAnswer(product: Product, action: string, payload: object): string {
  const write = serializers(product, action);
  if (!write) throw new Error(`${product} ${action} has no response schema`);
  return write(payload);
}

/** The success body: the answer's fields, then RequestId. */
export function withRequestId(fields: string, requestId: string): string {
  const id = `"RequestId":${JSON.stringify(requestId)}`;
  return fields === "{}" ? `{${id}}` : `${fields.slice(0, -1)},${id}}`;
}

/** The schema as the door writes it: RequestId is the envelope's, and no top-level Code. */
function wireSchema(schema: Schema): Schema {
  const out = structuredClone(schema);
  delete out.properties?.RequestId;
  delete out.properties?.Code;
  return out;
}

/** A copy without the null and undefined fields, at any depth (by own keys: no [key, value] pair per field). */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value === null || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  const fields = value as Record<string, unknown>;
  for (const k of Object.keys(fields)) {
    const v = fields[k];
    if (v !== null && v !== undefined) out[k] = typeof v === "object" ? withoutNulls(v) : v;
  }
  return out;
}

