/**
 * The OpenAPI document: it validates as OpenAPI 3.1 (@seriousme/openapi-schema-validator) and
 * every schema in it compiles (ajv, strict); everything registered under /api/v1 is the native door
 * (so no route bypasses the pipeline), and every route the door serves is in the document and the
 * reverse, proven by asking the running server for each; the reference page is served from the
 * server alone.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv } from "ajv";
import { nativeRoutes } from "../../src/dialects/native/routes/index.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient } from "../helpers/native.js";

type Operation = { operationId: string; parameters?: { name: string; in: string; schema: object }[]; requestBody?: { content: Record<string, { schema: object }> }; responses: Record<string, { content?: Record<string, { schema: object }> }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } };

/** Every path registered on the app, read from fastify's route tree (a line per node, indented by depth). */
function registeredPaths(server: TestServer): string[] {
  const stack: string[] = [];
  const paths = new Set<string>();
  for (const line of server.app.printRoutes({ commonPrefix: false }).split("\n")) {
    const m = /^([│├└─\s]*)(\S+) \(/.exec(line);
    if (!m) continue;
    const depth = Math.floor(m[1]!.length / 4);
    const parent = depth === 0 ? "" : (stack[depth - 1] ?? "");
    const path = parent === "" ? m[2]! : parent.endsWith("/") ? parent + m[2]! : `${parent}/${m[2]!}`;
    stack[depth] = path;
    stack.length = depth + 1;
    paths.add(path);
  }
  return [...paths].sort();
}

for (const engine of ENGINES) {
  describe(`OpenAPI document (${engine})`, () => {
    let server: TestServer;
    let doc: Doc;

    before(async () => {
      server = await startServer(engine);
      const res = await fetch(`${server.url}api/v1/openapi.json`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get("content-type") ?? "", /^application\/json/);
      doc = (await res.json()) as Doc;
    });
    after(() => server?.close());

    test("validates as OpenAPI 3.1", async () => {
      assert.equal(doc.openapi, "3.1.0");
      const result = await new Validator().validate(doc as never);
      assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    });

    test("every schema in it compiles under ajv's strict mode", () => {
      const ajv = new Ajv({ strict: true, strictTypes: false });
      ajv.addFormat("date-time", true).addFormat("uri", true);
      // OpenAPI's own keywords around the schemas are not JSON Schema: only the schemas are compiled.
      const fix = (s: object) => JSON.parse(JSON.stringify(s).replaceAll("#/components/schemas/", "components#/$defs/")) as object;
      ajv.addSchema({ $id: "components", $defs: fix(doc.components.schemas) });
      let n = 0;
      for (const name of Object.keys(doc.components.schemas)) ajv.compile({ $ref: `components#/$defs/${name}` }), n++;
      for (const ops of Object.values(doc.paths)) {
        for (const op of Object.values(ops)) {
          for (const p of op.parameters ?? []) ajv.compile(fix(p.schema)), n++;
          for (const c of Object.values(op.requestBody?.content ?? {})) ajv.compile(fix(c.schema)), n++;
          for (const r of Object.values(op.responses)) for (const c of Object.values(r.content ?? {})) ajv.compile(fix(c.schema)), n++;
        }
      }
      assert.ok(n > 100, `compiled ${n} schemas`);
    });

    test("everything under /api/v1 is the native door: no route there bypasses the pipeline", () => {
      const paths = registeredPaths(server);
      assert.ok(paths.includes("/healthz") && paths.includes("/scim/v2/*"), `the route tree was read: ${paths.join(" ")}`);
      assert.deepEqual(paths.filter((p) => p.startsWith("/api")), ["/api/v1", "/api/v1/*"]);
    });

    test("every route the door serves is in the document, and every operation in it is a route", async () => {
      const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)).sort();
      const served = nativeRoutes().map((r) => `${r.method} ${r.path}`).sort();
      assert.deepEqual(served, documented);
      const operationIds = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
      assert.equal(new Set(operationIds).size, operationIds.length, "operation ids are unique");
      // Asked for over HTTP, each documented operation reaches a route (whatever it then answers).
      const api = nativeClient(server, server.root);
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const method of Object.keys(ops)) {
          const url = path.replace("{asset}", "init.js").replace("{uin}", "1").replace(/\{[^}]+\}/g, "x-0");
          const r = await api.call(method.toUpperCase(), url, method === "get" || method === "delete" ? {} : { body: {} });
          assert.ok(!["route.not_found", "route.method_not_allowed"].includes(r.body?.reason), `${method.toUpperCase()} ${path} is documented but not routed: ${JSON.stringify(r.body)}`);
        }
      }
    });

    test("the reference page renders from the server alone: no CDN, no other host", async () => {
      const page = await fetch(`${server.url}api/v1/docs`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get("content-type") ?? "", /^text\/html/);
      const html = await page.text();
      assert.ok(!/https?:\/\//.test(html), "the page names no other host");
      const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
      assert.ok(refs.length >= 3);
      for (const ref of refs) {
        assert.ok(ref.startsWith("/api/v1/docs/"), ref);
        const res = await fetch(new URL(ref, server.url));
        assert.equal(res.status, 200, ref);
        assert.ok((await res.text()).length > 0, ref);
      }
      const init = await (await fetch(`${server.url}api/v1/docs/init.js`)).text();
      assert.match(init, /\/api\/v1\/openapi\.json/);
    });
  });
}
