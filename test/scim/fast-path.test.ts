/**
 * GET /Users/{id} and GET /Groups/{id} stay on the pipeline's fast path on SQLite: once the
 * credential is in its cache, every step answers at once (no promise), as the vendors' point reads
 * do. SQLite only: PostgreSQL reads always wait for the server.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { isPromise } from "../../src/lib/maybe-promise.js";
import { RequestContext } from "../../src/server/context.js";
import { scimDoor } from "../../src/dialects/scim/door.js";
import { startServer, type TestServer } from "../helpers/harness.js";
import { newGroup, newTenant, newUser, type Tenant } from "../helpers/scim.js";

describe("SCIM fast path (sqlite)", () => {
  let server: TestServer;
  let t: Tenant;
  before(async () => {
    server = await startServer("sqlite", { worker: false });
    t = await newTenant(server);
  });
  after(() => server?.close());

  test("every step of a GET by id answers at once once the credential is cached", async () => {
    const user = (await t.scim("POST", "/Users", newUser("fast@example.com", { displayName: "Fast" }))).body;
    const group = (await t.scim("POST", "/Groups", newGroup("Fast Group", { members: [{ value: user.id }] }))).body;
    const door = scimDoor(server.core);
    for (const path of [`/scim/v2/Users/${user.id}`, `/scim/v2/Groups/${group.id}`]) {
      const ctx = () => new RequestContext<never>("r", { method: "GET", path, headers: { authorization: `Bearer ${t.token}`, host: "h" }, rawQuery: "", body: Buffer.alloc(0) }, 0);
      await door.authenticate(ctx()); // the first sight of a token reads it
      const c = ctx() as RequestContext<any>;
      const auth = door.authenticate(c);
      assert.ok(!isPromise(auth), "authenticate answered at once");
      c.caller = auth.caller;
      c.wire = auth.wire;
      const action = door.route(c);
      const params = door.decode(c, action);
      const payload = action.run({ core: server.core, caller: auth.caller, requestId: "r" }, params as never);
      assert.ok(!isPromise(payload), `${path}: the handler answered at once`);
      const answer = door.encode(c, action, payload);
      assert.equal(answer.status, 200);
      assert.equal(JSON.parse(answer.body!).id, path.split("/").pop());
    }
  });
});
