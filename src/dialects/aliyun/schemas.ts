/**
 * Each action's parameters as the door checks them: the vendor's request model
 * (generated/request-schemas.json, `npm run generate:aliyun`) with the door's required parameters
 * and documented value rules (wire-spec.ts), made into one spec per action on its first use.
 */
import { Ajv, type ValidateFunction } from "ajv";
import { compiledPerAction, type SchemaTable } from "../../lib/per-action.js";
import requestSchemas from "./generated/request-schemas.json" with { type: "json" };
import { type Product, REQUIRED, RULES, type Rule } from "./wire-spec.js";

export type Schema = { [key: string]: unknown; type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };

const TABLE = requestSchemas as unknown as SchemaTable<Schema>;

export interface ParamSpec {
  /** The wire name. */
  name: string;
  /**
   * How the value travels: `value`, one string; `flat`, a list or object repeat-flattened
   * (`Tags.1.Key`), or the same as one JSON text; `json`, one JSON text (an SDK "shrink" field).
   */
  wire: "value" | "flat" | "json";
  /** The vendor model's type, as JSON Schema. */
  schema: Schema;
  required: boolean;
  rule: Rule;
  /** The structure check of a list, object or JSON value (ajv, from `schema`). */
  check?: ValidateFunction;
}

export interface ActionSpec {
  product: Product;
  action: string;
  params: ParamSpec[];
}

// Structure only: the wire's strings were coerced by the door already, and a JSON value keeps its own types.
const ajv = new Ajv({ strict: false, allErrors: false });

/** The door's spec of an action's parameters, or undefined for an action the vendor's SDK does not have. */
export const requestSpec: (product: Product, action: string) => ActionSpec | undefined = compiledPerAction(TABLE, (schema, product, action) => {
  const required: readonly string[] = (REQUIRED as Record<string, Record<string, readonly string[]>>)[product]?.[action] ?? [];
  const rules = RULES[product as Product]?.[action] ?? {};
  const params = Object.entries(schema.properties ?? {}).map(([name, s]): ParamSpec => {
    const scalar = s.type === "string" || s.type === "number" || s.type === "boolean";
    const wire = s["x-wire"] === "json" ? "json" : scalar ? "value" : "flat";
    return { name, wire, schema: s, required: required.includes(name), rule: rules[name] ?? {}, check: scalar ? undefined : ajv.compile(s) };
  });
  return { product: product as Product, action, params };
});

/** Whether the vendor's SDK has the action (served or not). */
export function isVendorAction(product: Product, action: string): boolean {
  return Object.hasOwn(TABLE.products[product]?.actions ?? {}, action);
}
