/**
 * `opencic plan` and `opencic held-deletions` against a real server process, as an administrator
 * runs them: the readable table and --json of a proposed provisioning (a KeepBoth clash named), of a
 * membership change and of a deletion that trip the deletion circuit breaker, and the held set approved.
 */
import assert from "node:assert/strict";
import { after, test } from "node:test";
import { camClient, orgClient } from "./helpers/harness.js";
import { cli, removeTempDirs, serve, tempDir } from "./helpers/process.js";

after(removeTempDirs);

test("opencic plan shows what a change would do; opencic held-deletions approves a held set", async () => {
  const dir = tempDir();
  // A breaker that trips above two deletions, so a small group shows it.
  const server = await serve(["--data-dir", dir], { OPENCIC_DELETION_BREAKER: "2,10%" });
  try {
    const secretId = /SecretId:\s+(\S+)/.exec(server.output())![1]!;
    const secretKey = /SecretKey:\s+(\S+)/.exec(server.output())![1]!;
    const key = { secretId, secretKey };
    const env = { OPENCIC_SECRET_ID: secretId, OPENCIC_SECRET_KEY: secretKey };
    const endpoint = ["--endpoint", `http://${server.endpoint}`];
    const org = orgClient({ endpoint: server.endpoint }, key);
    await org.CreateOrganization();
    const { RootNodeId } = await org.DescribeOrganization({});
    const { Uin } = await org.CreateOrganizationMember({ Name: "team", PolicyType: "Financial", PermissionIds: [1, 2], NodeId: RootNodeId!, AccountName: "team" });
    const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "plan-zone" });
    const { GroupInfo } = await org.CreateGroup({ ZoneId: ZoneId!, GroupName: "devs" });
    const users: string[] = [];
    for (const name of ["alice", "bob", "carol", "dave"]) {
      const { UserInfo } = await org.CreateUser({ ZoneId: ZoneId!, UserName: name });
      users.push(UserInfo!.UserId!);
      await org.AddUserToGroup({ ZoneId: ZoneId!, GroupId: GroupInfo!.GroupId!, UserId: UserInfo!.UserId! });
    }
    // A hand-made "alice" in the account: KeepBoth makes alice_cic.
    await camClient({ endpoint: server.endpoint }, await memberKey(dir, Uin!)).AddUser({ Name: "alice" });

    const table = await cli(["plan", "create", "--directory", ZoneId!, "--group", GroupInfo!.GroupId!, "--target", String(Uin), "--deletion", "Delete", ...endpoint], env);
    assert.match(table, new RegExp(`^new provisioning \\(Group ${GroupInfo!.GroupId}\\) into account ${Uin} \\[KeepBoth/Delete\\]: 4 create$`, "m"));
    assert.match(table, /^ {2}create +alice +alice_cic +"alice" is taken$/m);
    assert.match(table, /^ {2}create +bob +bob$/m);
    const json = JSON.parse(await cli(["plan", "create", "--directory", ZoneId!, "--group", GroupInfo!.GroupId!, "--target", String(Uin), "--json", ...endpoint], env));
    assert.equal(json.counts.create, 4);
    assert.equal(json.plans[0].operations.find((o: { userName: string }) => o.userName === "alice").subUserName, "alice_cic");

    const { Tasks } = await org.CreateUserSyncProvisioning({
      ZoneId: ZoneId!,
      UserSyncProvisionings: [{ PrincipalId: GroupInfo!.GroupId!, PrincipalType: "Group", TargetUin: Uin!, TargetType: "MemberUin", DeletionStrategy: "Delete" }],
    });
    await until(async () => (await org.GetProvisioningTaskStatus({ ZoneId: ZoneId!, TaskId: Tasks![0]!.TaskId! })).TaskStatus?.Status === "Success");
    const provisioningId = Tasks![0]!.UserProvisioningId!;

    // Three of four leaving would trip it: the plan says so before anything changes.
    const leaving = users.slice(0, 3);
    const membership = await cli(["plan", "membership", "--directory", ZoneId!, "--group", GroupInfo!.GroupId!, "--remove", leaving.join(","), ...endpoint], env);
    assert.match(membership, new RegExp(`^${provisioningId} \\(Group ${GroupInfo!.GroupId}\\) into account ${Uin} \\[KeepBoth/Delete\\]: 3 hold$`, "m"));
    assert.match(membership, /^ {2}hold +alice +alice_cic +held by the deletion circuit breaker$/m);

    // Deleting the provisioning deletes its four sub-users at once: held, and approved from the CLI.
    const deletion = await cli(["plan", "delete", "--directory", ZoneId!, "--provisioning", provisioningId, ...endpoint], env);
    assert.match(deletion, new RegExp(`^${provisioningId} \\(Group ${GroupInfo!.GroupId}\\) into account ${Uin}, deleting \\[KeepBoth/Delete\\]: 4 hold$`, "m"));
    const { Tasks: deleting } = await org.DeleteUserSyncProvisioning({ ZoneId: ZoneId!, UserProvisioningId: provisioningId });
    let held = "";
    await until(async () => (held = await cli(["held-deletions", "list", "--directory", ZoneId!, ...endpoint], env)).includes("4 deletions waiting"));
    assert.match(held, /^ {2}alice_cic \(alice\)$/m);
    assert.equal((await org.GetProvisioningTaskStatus({ ZoneId: ZoneId!, TaskId: deleting!.TaskId! })).TaskStatus?.Status, "InProgress");
    const holdId = /^(hold-\S+)/m.exec(held)![1]!;
    const approved = await cli(["held-deletions", "approve", "--directory", ZoneId!, "--provisioning", provisioningId, "--hold-id", holdId, ...endpoint], env);
    assert.match(approved, new RegExp(`^${holdId}: approved; the next reconcile deletes 4 sub-users in account ${Uin}$`, "m"));
    await until(async () => (await org.GetProvisioningTaskStatus({ ZoneId: ZoneId!, TaskId: deleting!.TaskId! })).TaskStatus?.Status === "Success");
    const cam = camClient({ endpoint: server.endpoint }, await memberKey(dir, Uin!));
    assert.deepEqual(((await cam.ListUsers()).Data ?? []).map((u) => u.Name), ["alice"]);

    // A refusal says what the server said (the provisioning is gone now).
    await assert.rejects(() => cli(["held-deletions", "approve", "--directory", ZoneId!, "--provisioning", provisioningId, "--hold-id", holdId, ...endpoint], env), /404 provisioning\.not_found/);
  } finally {
    await server.stop();
  }
});

/** A member account's key, issued by the CLI against the same data directory. */
async function memberKey(dir: string, uin: number) {
  const out = await cli(["keys", "create", "--uin", String(uin), "--data-dir", dir]);
  return { secretId: /SecretId:\s+(\S+)/.exec(out)![1]!, secretKey: /SecretKey:\s+(\S+)/.exec(out)![1]! };
}

async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 60; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail("timed out");
}
