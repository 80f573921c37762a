/**
 * The one table that turns neutral core reasons into SCIM errors (RFC 7644 §3.12): an HTTP status and,
 * where the RFC has one, a `scimType`. Protocol errors (ScimError, raised by protocol/) pass as they are.
 */
import { CoreError, type ErrorKind, type Reason } from "../../core/errors.js";
import { ScimError, type ScimType } from "./protocol/errors.js";

interface ScimCode {
  status: number;
  scimType?: ScimType;
}

/** By kind, unless the reason has its own row below. */
const BY_KIND: Record<ErrorKind, ScimCode> = {
  invalid: { status: 400, scimType: "invalidValue" },
  not_found: { status: 404 },
  conflict: { status: 409 },
  // Quotas and caps (users per directory, members per group): the request conflicts with the state.
  limit: { status: 409 },
  forbidden: { status: 403 },
  throttled: { status: 429 },
  auth: { status: 401 },
  internal: { status: 500 },
};

/** Reasons whose SCIM rendering differs from their kind's (typed, so a renamed reason cannot silently fall back). */
const BY_REASON: Readonly<Partial<Record<Reason, ScimCode>>> = {
  "request.too_large": { status: 413 },
  "request.invalid_type": { status: 400, scimType: "invalidSyntax" },
  "directory.user_name_taken": { status: 409, scimType: "uniqueness" },
  "directory.email_taken": { status: 409, scimType: "uniqueness" },
  "directory.group_name_taken": { status: 409, scimType: "uniqueness" },
  "directory.member_exists": { status: 409, scimType: "uniqueness" },
  "paging.token_invalid": { status: 400, scimType: "invalidCursor" },
  // What was made by hand is the administrator's, never the synchronization's (spec §4.4).
  "ownership.manual_user_update": { status: 409, scimType: "mutability" },
  "ownership.manual_user_delete": { status: 409, scimType: "mutability" },
  "ownership.manual_group_update": { status: 409, scimType: "mutability" },
  "ownership.manual_group_delete": { status: 409, scimType: "mutability" },
};

/** RFC 7644 §3.12's scimType values (and RFC 9865's): an injected code that is one is sent as the scimType. */
const SCIM_TYPES: ReadonlySet<string> = new Set<ScimType>(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive", "invalidCursor", "expiredCursor", "invalidCount"]);

/** Core reasons whose field says the fault is a value in the request, not a missing resource (a member that does not exist). */
const VALUE_FIELDS = new Set(["members"]);

/** Any error as a SCIM error; anything unexpected is an internal error whose detail says nothing. */
export function toScimError(err: unknown): ScimError {
  if (err instanceof ScimError) return err;
  if (err instanceof CoreError) {
    // An emulator fault's own status; its code is the scimType when it is one, and leads the detail.
    if (err.wire) {
      const { code, status } = err.wire;
      return SCIM_TYPES.has(code) ? new ScimError(status, code as ScimType, err.message) : new ScimError(status, undefined, `${code}: ${err.message}`);
    }
    if (err.kind === "not_found" && err.field !== undefined && VALUE_FIELDS.has(err.field)) return new ScimError(400, "invalidValue", err.message);
    if (err.reason === "value.invalid" && err.field === "filter") return new ScimError(400, "invalidFilter", err.message);
    const code = BY_REASON[err.reason] ?? BY_KIND[err.kind];
    if (err.reason === "internal") return new ScimError(500, undefined, "internal error");
    return new ScimError(code.status, code.scimType, err.message);
  }
  return new ScimError(500, undefined, "internal error");
}
