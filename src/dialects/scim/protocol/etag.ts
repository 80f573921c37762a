/**
 * Versions (RFC 7644 §3.14): a weak ETag computed from the resource's representation, so equal
 * content always gives the same version whichever process or engine serves it, and the
 * If-Match / If-None-Match checks.
 */
import { createHash } from "node:crypto";
import { isPlainObject } from "./coerce.js";

/** JSON with object keys sorted, so key order does not change the version. `meta.version` is left out (it is the result). */
function canonical(value: unknown, top = true): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonical(v, false)).join(",")}]`;
  if (isPlainObject(value)) {
    const keys = Object.keys(value).sort();
    const parts: string[] = [];
    for (const k of keys) {
      let v = value[k];
      if (v === undefined) continue;
      if (top && k === "meta" && isPlainObject(v)) {
        const { version: _version, ...rest } = v;
        v = rest;
      }
      parts.push(`${JSON.stringify(k)}:${canonical(v, false)}`);
    }
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}

/** `W/"<base64url of the first 16 bytes of SHA-256>"`. */
export function etagOf(resource: object): string {
  const digest = createHash("sha256").update(canonical(resource)).digest("base64url").slice(0, 22);
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
