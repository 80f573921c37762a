/**
 * Answers are written by a serializer compiled from the SDK's own response type for the action
 * (generated/response-schemas.json), as requests are checked against its request type: a field the
 * SDK does not declare cannot reach the wire, and a declared field keeps its declared type. On the
 * wire any field may be null (`Wire<R>`), and RequestId is the envelope's.
 */
import fastJson from "fast-json-stringify";
import { compiledPerAction, type SchemaTable } from "../../lib/per-action.js";
import schemas from "./generated/response-schemas.json" with { type: "json" };

type Schema = { [key: string]: unknown; properties?: Record<string, Schema>; items?: Schema; definitions?: Record<string, Schema> };

/**
 * The payload's JSON (everything in Response but RequestId) as the action's SDK response type has it,
 * or undefined for an action the SDK does not have.
 */
export const responseSerializer: (product: string, action: string) => ((payload: object) => string) | undefined = compiledPerAction(
  schemas as SchemaTable<Schema>,
  (schema) => fastJson(wireSchema(schema) as unknown as Parameters<typeof fastJson>[0]) as (payload: object) => string,
);

/** The SDK schema as the wire has it: RequestId left to the envelope, and null allowed for every value at any depth. */
function wireSchema(sdk: Schema): Schema {
  const schema = nullable(structuredClone(sdk));
  delete schema.properties?.RequestId;
  return schema;
}

function nullable(schema: Schema): Schema {
  // A $ref takes its target's nullability: the definitions are made nullable below.
  if (!("$ref" in schema)) schema.nullable = true;
  for (const child of Object.values(schema.properties ?? {})) nullable(child);
  if (schema.items) nullable(schema.items);
  for (const definition of Object.values(schema.definitions ?? {})) nullable(definition);
  for (const key of ["anyOf", "oneOf", "allOf"]) for (const branch of (schema[key] as Schema[] | undefined) ?? []) nullable(branch);
  return schema;
}
