/**
 * Versions (RFC 7644 §3.14): a weak ETag computed from what the resource's representation is built
 * from, so equal content always gives the same version whichever process or engine serves it, and
 * the If-Match / If-None-Match checks.
 */
import { hash } from "node:crypto";

/** What a version is made of: a flat record's fields (a directory view's), never nested objects. */
export type VersionValue = string | number | boolean | null | undefined;

/**
 * One value of a version's text, with its type and (for strings) its length in front, so the text
 * can be read back one way only: `["a", "bc"]` and `["ab", "c"]`, `1` and `"1"`, `null` and `"null"`
 * all write different texts.
 */
function part(value: VersionValue): string {
  switch (typeof value) {
    case "string":
      return `s${value.length}:${value}`;
    case "number":
      return `n${value};`;
    case "boolean":
      return value ? "t" : "f";
    default:
      return value === null ? "z" : "u";
  }
}

/**
 * `W/"<base64url of the first 16 bytes of SHA-256>"` over the record's listed fields, in the list's
 * order: equal content gives equal versions in every process and engine, and the key order of the
 * object never matters. The record is what the representation is built from (a directory view), so
 * the version costs a concatenation and one hash, not a walk of the built resource.
 */
export function versionOf<T extends object>(record: T, fields: readonly (keyof T & string)[]): string {
  let text = "";
  for (const field of fields) text += part(record[field] as VersionValue);
  // The one-shot hash: no Hash object per version.
  return `W/"${hash("sha256", text, "base64url").slice(0, 22)}"`;
}

/** The opaque part of an entity tag, so `W/"x"` and `"x"` compare equal (SCIM versions are weak, RFC 7644 §3.14). */
function opaque(tag: string): string {
  const t = tag.trim();
  return t.startsWith("W/") || t.startsWith("w/") ? t.slice(2) : t;
}

function listMatches(header: string, current: string): boolean {
  if (header.trim() === "*") return true;
  const want = opaque(current);
  return header.split(",").some((t) => t.trim() !== "" && opaque(t) === want);
}

export interface PreconditionHeaders {
  ifMatch?: string | undefined;
  ifNoneMatch?: string | undefined;
}

/**
 * RFC 7232 §3.1/§3.2 as SCIM uses them: If-Match that lists no current version → 412;
 * If-None-Match that lists the current version → 304 for GET/HEAD (the default) and 412 for
 * writes (PUT, PATCH, DELETE). `current` is the resource's versionOf().
 */
export function checkPreconditions(headers: PreconditionHeaders, current: string, method: string = "GET"): "ok" | 304 | 412 {
  if (headers.ifMatch !== undefined && headers.ifMatch.trim() !== "" && !listMatches(headers.ifMatch, current)) return 412;
  if (headers.ifNoneMatch !== undefined && headers.ifNoneMatch.trim() !== "" && listMatches(headers.ifNoneMatch, current)) {
    const m = method.toUpperCase();
    return m === "GET" || m === "HEAD" ? 304 : 412;
  }
  return "ok";
}
