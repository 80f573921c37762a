/**
 * SCIM protocol errors (RFC 7644 §3.12). Every module under protocol/ throws only ScimError for bad
 * input, so the door can answer any of them with errorBody() and never a 5xx.
 */

export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";

/**
 * RFC 7644 §3.12 Table 9, plus the three RFC 9865 cursor types (§2.1 of the cursor RFC:
 * invalidCursor, expiredCursor, invalidCount).
 */
export type ScimType =
  | "invalidFilter"
  | "tooMany"
  | "uniqueness"
  | "mutability"
  | "invalidSyntax"
  | "invalidPath"
  | "noTarget"
  | "invalidValue"
  | "invalidVers"
  | "sensitive"
  | "invalidCursor"
  | "expiredCursor"
  | "invalidCount";

export class ScimError extends Error {
  override readonly name = "ScimError";
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail);
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  /** The HTTP status as a JSON string, as RFC 7644 §3.12 writes it. */
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function errorBody(err: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(err.status), detail: err.detail };
  if (err.scimType !== undefined) body.scimType = err.scimType;
  return body;
}

/** Shorthands for the 400s the protocol modules raise most. */
export const invalidValue = (detail: string) => new ScimError(400, "invalidValue", detail);
export const invalidSyntax = (detail: string) => new ScimError(400, "invalidSyntax", detail);
export const invalidPath = (detail: string) => new ScimError(400, "invalidPath", detail);
export const invalidFilter = (detail: string) => new ScimError(400, "invalidFilter", detail);
export const mutability = (detail: string) => new ScimError(400, "mutability", detail);
export const noTarget = (detail: string) => new ScimError(400, "noTarget", detail);
