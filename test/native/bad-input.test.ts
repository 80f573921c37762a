/**
 * Bad input of every kind, on every route of the native API, as its own OpenAPI document lists them:
 * fast-check makes the path parameters (real ids, odd and huge strings, raw percent escapes), the
 * query (declared parameters with wrong values, unknown ones) and the body (any JSON, the route's own
 * field names with values of any type, prototype keys, malformed and deeply nested text, another
 * media type). Every answer must be one the document describes (the client checks each against it)
 * and never a 5xx; a refusal of a change leaves the store as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import fc from "fast-check";
import { settled, ssoTenant, type SsoTenant, zoneIdOf } from "../helpers/cloudsso.js";
import { ENGINES, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { nativeClient, type NativeClient } from "../helpers/native.js";

/** Requests per route (several routes per path): enough to reach each refusal a route has. */
const RUNS = Number(process.env.NATIVE_FUZZ_RUNS ?? 15);

type Operation = { parameters?: { name: string; in: "path" | "query" }[]; requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> } };
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Strings no handler expects: control characters, escapes, unicode, numbers in disguise, prototype names, size. */
const oddString = fc.oneof(
  fc.string({ unit: "binary-ascii", maxLength: 40 }),
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.constantFrom("", " ", "..", "__proto__", "constructor", "toString", "-1", "0", "1e309", "0x10", "NaN", "null", "true", "[]", "{}", "a".repeat(5000), "é中😀", "z-", "d-", "u-", "' or 1=1 --"),
);
/** Path segments sent as they are, not encoded: escapes a decoder may choke on. */
const RAW_SEGMENTS = ["%ZZ", "%00", "%2e%2e", "a%2Fb", "%C0%AF", "%FF"];

const badJsonText = fc.constantFrom("{", "[1,", "nul", '{"a":}', "\u0000", '{"a":1}{"b":2}', "[".repeat(5000) + "]".repeat(5000), '{"__proto__":{"polluted":1}}');

for (const engine of ENGINES) {
  describe(`native API, bad input on every route (${engine})`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let api: NativeClient;
    let doc: Doc;
    /** Real ids, by path parameter name, so that bad input also reaches the code behind the lookups. */
    const real: Record<string, string[]> = {};

    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 1 });
      api = nativeClient(server, t.key);
      const zoneId = zoneIdOf(t.directoryId);
      const { user } = await api.ok(201, "POST", `/directories/${zoneId}/users`, { body: { userName: "fuzzed" } });
      const group = await api.ok(201, "POST", `/directories/${zoneId}/groups`, { body: { groupName: "fuzzed" } });
      await api.ok(204, "PUT", `/directories/${zoneId}/groups/${group.groupId}/members/${user.userId}`);
      const { Tasks } = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: group.groupId, PrincipalType: "Group", TargetUin: t.members[0]!, TargetType: "MemberUin", DuplicationStrategy: "KeepBoth", DeletionStrategy: "Keep" }],
      });
      assert.equal(await settled(t.org, zoneId, Tasks![0]!.TaskId!), "Success");
      Object.assign(real, {
        directoryId: [zoneId, t.directoryId],
        userId: [user.userId],
        groupId: [group.groupId],
        provisioningId: [Tasks![0]!.UserProvisioningId!],
        taskId: [Tasks![0]!.TaskId!],
        uin: [String(t.members[0]!), String(t.key.uin)],
        // The caller's own key is left out: deleting or disabling it would end the run, not test it.
        secretId: [],
      });
      doc = (await api.ok(200, "GET", "/openapi.json")) as Doc;
      // From here on the store changes only by the requests: a refused one must leave it as it was.
      await server.core.worker.stop();
    });
    after(() => server?.close());

    test("every answer is documented, none is a 5xx, and a refused change changes nothing", async () => {
      let requests = 0;
      const statuses = new Map<number, number>();
      for (const [template, methods] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(methods)) {
          const pathNames = (op.parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
          const queryNames = (op.parameters ?? []).filter((p) => p.in === "query").map((p) => p.name);
          const fields = Object.keys(op.requestBody?.content["application/json"]?.schema.properties ?? {});
          const segment = (name: string) =>
            fc.oneof(
              { weight: 2, arbitrary: fc.constantFrom(...(real[name]?.length ? real[name]! : ["x"])) },
              { weight: 2, arbitrary: oddString.filter((s) => s !== "").map(encodeURIComponent) },
              { weight: 1, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
            );
          const request = fc.record({
            path: fc.tuple(...pathNames.map(segment)).map((values) => pathNames.reduce((p, name, i) => p.replace(`{${name}}`, values[i]!), template)),
            query: fc.dictionary(fc.oneof(fc.constantFrom(...(queryNames.length ? queryNames : ["x"])), fc.constantFrom("unknown", "__proto__", "maxResults")), fc.oneof(oddString, fc.integer().map(String)), { maxKeys: 4 }),
            body: fc.oneof(
              fc.constant(undefined),
              fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: "json" as const, value })),
              fc.dictionary(fc.constantFrom(...fields, "__proto__", "constructor", "unknownField"), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 }).map((value) => ({ kind: "json" as const, value })),
              badJsonText.map((text) => ({ kind: "raw" as const, text, contentType: "application/json" })),
              oddString.map((text) => ({ kind: "raw" as const, text, contentType: "text/plain" })),
            ),
          });
          await fc.assert(
            fc.asyncProperty(request, async (r) => {
              const change = method !== "get";
              const before = change ? await snapshot(server.store) : "";
              const answer = await api.call(method.toUpperCase(), r.path, {
                query: r.query,
                // fetch sends no body with a GET.
                ...(!change ? {} : r.body?.kind === "json" ? { body: r.body.value } : r.body?.kind === "raw" ? { rawBody: { text: r.body.text, contentType: r.body.contentType } } : {}),
              });
              requests++;
              statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
              assert.ok(answer.status < 500, `${method.toUpperCase()} ${r.path} answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 500)}`);
              if (change && answer.status >= 400) assert.equal(await snapshot(server.store), before, `${method.toUpperCase()} ${r.path} was refused (${answer.status}) but changed the store`);
            }),
            { numRuns: RUNS, endOnFailure: true, includeErrorInReport: true },
          );
        }
      }
      // The run reached the routes' refusals, not only the door's: more than one kind of answer came back.
      assert.ok(requests >= RUNS * 70, `${requests} requests`);
      assert.ok([400, 404].every((s) => (statuses.get(s) ?? 0) > 0), `answers by status: ${JSON.stringify([...statuses])}`);
    });
  });
}
