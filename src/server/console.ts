/**
 * The web console (console/, built into dist/console by `npm run build`): its page at `/` and its
 * assets under `/assets/`, from the built folder, with no network at run time. The console talks
 * only to the native API (/api/v1), as a console session.
 *
 * `/` is also where the vendor doors answer: a request one of them recognizes (its headers or its
 * query string) goes to that door, as before; the page is a plain GET of `/` without a query, which
 * no vendor call is.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";

/**
 * Only the console's own files may run or be fetched; no inline script or style, no framing (the
 * page cannot be overlaid by another site to trick clicks), no form posting elsewhere.
 */
export const CONSOLE_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
});

/** Where the built console is: dist/console beside the compiled server, or the repository's dist/ when run from source. */
export function findConsoleDir(): string | undefined {
  const candidates = [fileURLToPath(new URL("../console", import.meta.url)), fileURLToPath(new URL("../../dist/console", import.meta.url))];
  return candidates.find((d) => existsSync(join(d, "index.html")));
}

/** Serves the assets; answers with a function that sends the page. */
export async function registerConsole(app: FastifyInstance, dir: string): Promise<(reply: FastifyReply) => void> {
  const page = readFileSync(join(dir, "index.html"), "utf8");
  await app.register(fastifyStatic, {
    root: join(dir, "assets"),
    prefix: "/assets/",
    // Built file names carry a hash of their content: a name never changes meaning, so browsers may keep them.
    immutable: true,
    maxAge: "365d",
    index: false,
    setHeaders: (reply: FastifyReply) => {
      for (const [k, v] of Object.entries(CONSOLE_HEADERS)) reply.header(k, v);
    },
  });
  return (reply) => {
    void reply
      .code(200)
      .headers({ ...CONSOLE_HEADERS, "content-type": "text/html; charset=utf-8", "cache-control": "no-cache" })
      .send(page);
  };
}
