/**
 * JSON Schema (2020-12, as OpenAPI 3.1 takes it) written once per route: the door validates
 * requests with it (ajv) and the OpenAPI document is generated from it. Small builders keep the
 * route tables readable.
 */
export type Schema = { [key: string]: unknown };

export const str = (extra: Schema = {}): Schema => ({ type: "string", ...extra });
export const int = (extra: Schema = {}): Schema => ({ type: "integer", ...extra });
export const bool = (extra: Schema = {}): Schema => ({ type: "boolean", ...extra });
export const oneOfValues = (values: readonly string[], extra: Schema = {}): Schema => ({ type: "string", enum: values, ...extra });
/** Times are written as RFC 3339 UTC date-times (the core keeps epoch milliseconds). */
export const time: Schema = { type: "string", format: "date-time" };
export const nullable = (s: Schema): Schema => ({ ...s, type: [s.type, "null"], ...(Array.isArray(s.enum) ? { enum: [...s.enum, null] } : {}) });
export const arr = (items: Schema, extra: Schema = {}): Schema => ({ type: "array", items, ...extra });
export const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });

/** An object with exactly these properties; all are required unless listed in `optional`. */
export function obj(props: Record<string, Schema>, optional: readonly string[] = [], extra: Schema = {}): Schema {
  const required = Object.keys(props).filter((k) => !optional.includes(k));
  return { type: "object", properties: props, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
}

/** An object whose properties are all optional (a query, a patch). */
export const optional = (props: Record<string, Schema>, extra: Schema = {}): Schema => obj(props, Object.keys(props), extra);

/** A page of a list: its items, the total where the core counts it, and the token of the next page. */
export const page = (item: Schema): Schema =>
  obj({ items: arr(item), totalCount: int({ minimum: 0 }), nextToken: str({ description: "Present when more items follow: pass it as `nextToken` for the next page." }) }, ["nextToken"]);

/** The paging parameters every paged list takes. */
export const paging = {
  maxResults: int({ minimum: 1, maximum: 100, description: "Items per page (default 10)." }),
  nextToken: str({ minLength: 1, maxLength: 4096, description: "The `nextToken` of the previous page." }),
};
