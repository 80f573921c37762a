/**
 * GET /metrics (Prometheus text format) after a fan-out through the SDK: the requests it took, the
 * reconciles they caused and their outcomes, the sub-users created, and the queue back to empty.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, orgClient, startServer, type TestServer } from "../helpers/harness.js";
import { seedFanout } from "../helpers/fanout.js";

/** `name{labels} value` lines of the exposition, as a lookup by the whole series text. */
async function scrape(server: TestServer): Promise<{ text: string; value(series: string): number }> {
  const res = await fetch(`${server.url}metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line.trim() === "") continue;
    const space = line.lastIndexOf(" ");
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return { text, value: (series) => values.get(series) ?? 0 };
}

const USERS = 30;
const TARGETS = 3;

for (const engine of ENGINES) describe(`metrics (${engine})`, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer(engine);
  });
  after(async () => {
    await server?.close();
  });

  test(`metrics after a fan-out: requests, reconcile outcomes, sub-users created, the queue (${engine})`, async () => {
    const caller = { accountUin: server.root.uin, principalUin: server.root.uin, isSubUser: false };
    const before = await scrape(server);
    assert.equal(before.value('opencic_subuser_changes_total{change="created"}'), 0);
    assert.equal(before.value('opencic_account_role_changes_total{change="created"}'), 0);

    const seeded = await seedFanout(server.core, caller, { users: USERS, targets: TARGETS, zoneName: `metrics-${engine}` });
    const org = orgClient(server, server.root);
    const { Tasks } = await org.CreateUserSyncProvisioning({
      ZoneId: seeded.zoneId,
      UserSyncProvisionings: seeded.targets.map((t) => ({ PrincipalType: "Group", PrincipalId: seeded.groupId, TargetType: "MemberUin", TargetUin: t })),
    });
    let polls = 0;
    for (const t of Tasks!) {
      for (;;) {
        polls++;
        const { TaskStatus } = await org.GetProvisioningTaskStatus({ ZoneId: seeded.zoneId, TaskId: t.TaskId! });
        if (TaskStatus!.Status !== "InProgress") {
          assert.equal(TaskStatus!.Status, "Success");
          break;
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    await org.GetUser({ ZoneId: seeded.zoneId, UserId: "u-doesnotexist" }).catch(() => {});

    const m = await scrape(server);
    // The requests the fan-out took, by door, action and result code.
    assert.equal(m.value('opencic_requests_total{door="tencent",action="CreateUserSyncProvisioning",code="OK"}'), 1);
    assert.equal(m.value('opencic_requests_total{door="tencent",action="GetProvisioningTaskStatus",code="OK"}'), polls);
    assert.equal(m.value('opencic_requests_total{door="tencent",action="GetUser",code="ResourceNotFound.UserNotExist"}'), 1);
    assert.ok(m.value('opencic_request_duration_seconds_count{door="tencent",action="GetProvisioningTaskStatus"}') >= polls);
    // One converged reconcile per target at least, and exactly the sub-users the fan-out made.
    assert.ok(m.value('opencic_reconciles_total{kind="provisioning",outcome="converged"}') >= TARGETS, m.text.match(/opencic_reconciles_total.*/g)?.join("\n"));
    assert.ok(m.value('opencic_reconcile_duration_seconds_count{kind="provisioning",outcome="converged"}') >= TARGETS);
    assert.equal(m.value('opencic_subuser_changes_total{change="created"}'), USERS * TARGETS);
    assert.equal(m.value('opencic_reconcile_give_ups_total{kind="provisioning",terminal="false"}'), 0);
    // The queue drained: nothing due, nothing leased, nothing waiting.
    assert.equal(m.value('opencic_reconcile_queue_keys{state="due"}'), 0);
    assert.equal(m.value('opencic_reconcile_queue_keys{state="all"}'), 0);
    assert.equal(m.value("opencic_reconcile_queue_oldest_due_seconds"), 0);
    assert.match(m.text, /^opencic_process_cpu_seconds_total /m);
  });
});
