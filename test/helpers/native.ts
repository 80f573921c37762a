/**
 * A client of the native admin API over real HTTP (fetch), for the tests. Every answer is checked
 * against the OpenAPI document the server serves: a success against its route's response schema, a
 * refusal against the problem-details schema. So the document cannot say what the API does not do.
 */
import assert from "node:assert/strict";
import { Ajv, type ValidateFunction } from "ajv";
import { type Key, snapshot, type TestServer } from "./harness.js";

export interface ApiAnswer<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Sent as it is (no JSON encoding) with this content type. */
  rawBody?: { text: string; contentType: string };
  headers?: Record<string, string>;
}

type Doc = { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>> };

const docs = new WeakMap<object, Promise<{ doc: Doc; validator: (method: string, path: string, status: number, type: string) => ValidateFunction | undefined }>>();

async function documentOf(server: Pick<TestServer, "url">) {
  let d = docs.get(server);
  if (!d) {
    d = (async () => {
      const res = await fetch(`${server.url}api/v1/openapi.json`);
      assert.equal(res.status, 200);
      const doc = (await res.json()) as Doc;
      const ajv = new Ajv({ strict: false, allErrors: true });
      ajv.addFormat("date-time", { validate: (s: string) => !Number.isNaN(Date.parse(s)) && /Z$/.test(s) });
      ajv.addFormat("uri", true);
      ajv.addSchema(doc as object, "doc");
      const cache = new Map<string, ValidateFunction | undefined>();
      let problem: ValidateFunction | undefined;
      const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp("^" + t.replace(/\{[^}]+\}/g, "[^/]+") + "$") }));
      return {
        doc,
        validator(method: string, path: string, status: number, type: string) {
          // The door serves a path with a trailing slash as the path without it.
          if (path.length > 1 && path.endsWith("/")) path = path.slice(0, -1);
          const template = templates.find((x) => x.re.test(path) && doc.paths[x.t]![method.toLowerCase()])?.t;
          // A path or method the API does not have is refused with problem details too.
          if (!template && status >= 400) return (problem ??= ajv.compile({ $ref: "doc#/components/schemas/Problem" }));
          assert.ok(template, `${method} ${path} is not in the OpenAPI document`);
          const key = `${method} ${template} ${status} ${type}`;
          if (!cache.has(key)) {
            const responses = doc.paths[template]![method.toLowerCase()]!.responses;
            const answer = responses[String(status)] ? String(status) : "default";
            assert.ok(answer === String(status) || status >= 400, `${method} ${template} answered ${status}, which the document does not list`);
            const content = responses[answer]?.content?.[type];
            const pointer = `doc#/paths/${template.replace(/~/g, "~0").replace(/\//g, "~1")}/${method.toLowerCase()}/responses/${answer}/content/${type.replace(/\//g, "~1")}/schema`;
            cache.set(key, content ? ajv.compile({ $ref: pointer }) : undefined);
          }
          return cache.get(key);
        },
      };
    })();
    docs.set(server, d);
  }
  return d;
}

export function nativeClient(server: Pick<TestServer, "url">, key?: Key | string) {
  const authorization = key === undefined ? undefined : typeof key === "string" ? key : `Bearer ${key.secretId}:${key.secretKey}`;
  return {
    async call<T = any>(method: string, path: string, opts: CallOptions = {}): Promise<ApiAnswer<T>> {
      const url = new URL(`${server.url}api/v1${path}`);
      for (const [k, v] of Object.entries(opts.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
      const headers: Record<string, string> = { ...opts.headers };
      if (authorization !== undefined) headers.authorization = authorization;
      let body: string | undefined;
      if (opts.rawBody) {
        body = opts.rawBody.text;
        headers["content-type"] = opts.rawBody.contentType;
      } else if (opts.body !== undefined) {
        body = JSON.stringify(opts.body);
        headers["content-type"] = "application/json";
      }
      const res = await fetch(url, { method, headers, body });
      const text = await res.text();
      const type = (res.headers.get("content-type") ?? "").split(";")[0]!.trim();
      const parsed = type.endsWith("json") && text !== "" ? JSON.parse(text) : text;
      const { validator } = await documentOf(server);
      if (res.status >= 400) {
        assert.equal(type, "application/problem+json", `${method} ${path}: ${res.status} ${text}`);
        assert.equal(parsed.status, res.status);
      }
      if (res.status === 204) assert.equal(text, "");
      const validate = validator(method, url.pathname.slice("/api/v1".length), res.status, type);
      if (validate && type.endsWith("json")) assert.ok(validate(parsed), `${method} ${path} answered outside its schema: ${JSON.stringify(validate.errors)}\n${text.slice(0, 2000)}`);
      return { status: res.status, headers: res.headers, body: parsed as T };
    },
    /** A call that must succeed with `status`; returns its body. */
    async ok<T = any>(status: number, method: string, path: string, opts: CallOptions = {}): Promise<T> {
      const r = await this.call<T>(method, path, opts);
      assert.equal(r.status, status, `${method} ${path}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
      return r.body;
    },
  };
}

export type NativeClient = ReturnType<typeof nativeClient>;

/** Asserts a refusal with `status` and `reason` (problem details), and that the store is unchanged. */
export async function refused(server: Pick<TestServer, "store">, status: number, reason: string, call: () => Promise<ApiAnswer>, field?: string): Promise<ApiAnswer> {
  const before = await snapshot(server.store);
  const r = await call();
  assert.equal(r.status, status, `expected ${status} ${reason}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.equal(r.body.reason, reason, `expected ${reason}, got ${JSON.stringify(r.body)}`);
  assert.equal(r.body.type, `urn:opencic:problem:${reason}`);
  assert.equal(typeof r.body.title, "string");
  assert.equal(typeof r.body.detail, "string");
  if (field !== undefined) assert.equal(r.body.field, field);
  assert.equal(await snapshot(server.store), before, `a request refused with ${reason} changed the store`);
  return r;
}
