/**
 * `Directories.scope` (the two-column read the by-id reads scope with) refuses exactly as `resolve`
 * (the directory's row) does, in every case, on both engines.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Caller } from "../../src/core/accounts.js";
import { CoreError } from "../../src/core/errors.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";

const outcome = async (f: () => unknown): Promise<string> => {
  try {
    await f();
    return "ok";
  } catch (err) {
    assert.ok(err instanceof CoreError, String(err));
    return `${err.reason} ${err.field ?? ""}`;
  }
};

for (const engine of ENGINES) {
  describe(`directory scoping (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine, { worker: false });
    });
    after(() => server.close());

    test("scope and resolve agree: no organization, a member, not opened, another directory, the own one", async () => {
      const { core } = server;
      const callerOf = (uin: number): Caller => ({ accountUin: uin, principalUin: uin, isSubUser: false });
      const manager = callerOf((await server.newRoot("scope-manager")).uin);
      const loner = callerOf((await server.newRoot("scope-loner")).uin);
      const org = await core.organizations.create(manager);
      const memberUin = await core.organizations.createMember(manager, { name: "scopemember", permissionIds: [1, 2], nodeId: (await core.organizations.describe(manager)).rootNodeId });
      const member = callerOf(memberUin);
      const other = callerOf((await server.newRoot("scope-other")).uin);
      await core.organizations.create(other);
      const otherDir = await core.directories.open(other, "scope-other-dir");
      const cases: [Caller, string][] = [
        [loner, "z-000000000000"],
        [member, "z-000000000000"],
        [manager, "z-000000000000"],
      ];
      const seen = new Set<string>();
      const check = async () => {
        for (const [caller, id] of cases) {
          const resolved = await outcome(() => core.directories.resolve(caller, id));
          assert.equal(await outcome(() => core.directories.scope(caller, id)), resolved, `${caller.accountUin} ${id}`);
          seen.add(resolved.split(" ")[0]!);
        }
      };
      await check(); // nothing opened yet
      const dir = await core.directories.open(manager, "scope-dir");
      cases.push([manager, dir.directoryId], [manager, otherDir.directoryId], [member, dir.directoryId], [other, dir.directoryId], [other, otherDir.directoryId]);
      await check();
      assert.equal(await outcome(() => core.directories.scope(manager, dir.directoryId)), "ok");
      assert.equal(await outcome(() => core.directories.scope(manager, otherDir.directoryId)), "directory.not_found directoryId");
      assert.ok(org);
      assert.deepEqual([...seen].sort(), ["directory.no_organization", "directory.not_found", "directory.not_manager", "directory.not_open", "ok"]);
    });
  });
}
