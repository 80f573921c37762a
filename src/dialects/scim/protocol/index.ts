/** The SCIM 2.0 protocol layer: pure functions over SCIM JSON, no I/O. See ARCHITECTURE.md "The SCIM door". */
export * from "./errors.js";
export * from "./schemas.js";
export * from "./filter.js";
export * from "./coerce.js";
export * from "./patch.js";
export * from "./projection.js";
export * from "./etag.js";
export * from "./list.js";
export * from "./bulk.js";
