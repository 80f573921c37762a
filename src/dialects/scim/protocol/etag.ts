/**
 * Versions (RFC 7644 §3.14): a weak ETag computed from the resource's representation, so equal
 * content always gives the same version whichever process or engine serves it, and the
 * If-Match / If-None-Match checks.
 */
import { hash } from "node:crypto";

const NEEDS_ESCAPE = /["\\\u0000-\u001f]/;

/**
 * JSON with object keys sorted, so key order (which PostgreSQL's jsonb does not keep) does not
 * change the version; `meta.version` is left out (it is the result). Written into one string without
 * intermediate objects: this runs on every read that returns a version.
 */
function canonical(value: unknown, top: boolean): string {
  if (value === null || typeof value !== "object") return value === undefined ? "null" : JSON.stringify(value);
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i > 0 ? "," : "") + canonical(value[i], false);
    return out + "]";
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  if (keys.length > 1) keys.sort();
  // A flat object (what a read's version is made of: a directory row) in one native call: JSON.stringify
  // with the sorted keys as its allow-list writes exactly what the walk below would.
  if (isFlat(record, keys)) return JSON.stringify(record, keys);
  let out = "{";
  for (const k of keys) {
    let v = record[k];
    if (v === undefined) continue;
    if (top && k === "meta" && v !== null && typeof v === "object" && !Array.isArray(v) && "version" in v) {
      const { version: _version, ...rest } = v as Record<string, unknown>;
      v = rest;
    }
    if (out.length > 1) out += ",";
    out += (NEEDS_ESCAPE.test(k) ? JSON.stringify(k) : `"${k}"`) + ":" + canonical(v, false);
  }
  return out + "}";
}

function isFlat(record: Record<string, unknown>, keys: readonly string[]): boolean {
  for (const k of keys) {
    const v = record[k];
    if (v !== null && typeof v === "object") return false;
  }
  return true;
}

/** `W/"<base64url of the first 16 bytes of SHA-256>"`. */
export function etagOf(resource: object): string {
  // The one-shot hash: no Hash object per version.
  const digest = hash("sha256", canonical(resource, true), "base64url").slice(0, 22);
  return `W/"${digest}"`;
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
 * writes (PUT, PATCH, DELETE). `current` is the resource's etagOf().
 */
export function checkPreconditions(headers: PreconditionHeaders, current: string, method: string = "GET"): "ok" | 304 | 412 {
  if (headers.ifMatch !== undefined && headers.ifMatch.trim() !== "" && !listMatches(headers.ifMatch, current)) return 412;
  if (headers.ifNoneMatch !== undefined && headers.ifNoneMatch.trim() !== "" && listMatches(headers.ifNoneMatch, current)) {
    const m = method.toUpperCase();
    return m === "GET" || m === "HEAD" ? 304 : 412;
  }
  return "ok";
}
