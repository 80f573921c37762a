/** Reading a raw request the same way in every front door: one header value, the raw query string. */
import type { FastifyRequest } from "fastify";

/** A header's value; the first one when the header was sent twice. */
export function headerOf(req: FastifyRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The query string exactly as sent (signatures are computed over it, so it is never re-encoded). */
export function rawQueryOf(req: FastifyRequest): string {
  const url = req.raw.url ?? "";
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}
