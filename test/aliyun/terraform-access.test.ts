/**
 * The exact call sequences of aliyun/terraform-provider-alicloud for access (access spec §4.2), sent as
 * the provider sends them (signature V1, common parameters in the query, the rest in a form body),
 * over real HTTP, on every engine:
 *
 * - alicloud_cloud_sso_access_configuration: create (policies added, then the re-provision loop),
 *   read, update with a policy diff and the re-provision-every-account loop that follows NextToken
 *   and polls GetTaskStatus until Success, delete (policies removed first, conflicts retried);
 * - alicloud_cloud_sso_access_assignment: create (OperationConflict.Task retried, task polled), read
 *   with all six filters, delete with the default DeprovisionForLastAccessAssignmentOnAccount;
 * - alicloud_cloud_sso_access_configuration_provisioning: create, read, delete (EntityNotExists.*
 *   treated as gone, DeletionConflict.AccessConfigurationProvisioning.AccessAssignment retried).
 *
 * The provider polls every 5 s and waits 3 s between retries; here the waits are short, since the
 * order of the calls is what is tested.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { type AliyunError, aliyunClient } from "../helpers/aliyun.js";
import { plain, ssoTenant, type SsoTenant, uniq } from "../helpers/cloudsso.js";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";

/** The provider's page size for the re-provision loop (PageSizeMedium). */
const PAGE_SIZE_MEDIUM = 20;
const DOC_1 = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:Describe*", Resource: "*" }] });
const DOC_2 = JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: ["oss:GetObject", "oss:ListObjects"], Resource: "*" }] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Policy {
  type: "System" | "Inline";
  name: string;
  document?: string;
}

/** The provider's calls, recorded by action (and by the code of each refusal it retried or accepted). */
function provider(server: TestServer, t: SsoTenant) {
  const client = aliyunClient(server, t.key, "cloudsso", "v1");
  const log: string[] = [];
  const hooks: { onConflict?: (code: string) => void } = {};
  const waiters: { code: string; resolve: () => void }[] = [];
  /** Resolves when a retried call is next refused with `code` (so a test can order what happens after). */
  const refusedWith = (code: string) => new Promise<void>((resolve) => waiters.push({ code, resolve }));
  const call = async (action: string, params: Record<string, unknown>) => {
    try {
      const r = await client.call(action, { DirectoryId: t.directoryId, ...params }, { inBody: true });
      log.push(action);
      return r;
    } catch (e) {
      log.push(`${action} ${(e as AliyunError).code}`);
      throw e;
    }
  };
  /** The provider's resource.Retry with incrementalWait: the listed codes are tried again, anything else fails. */
  const retry = async (codes: string[], fn: () => Promise<Record<string, any>>) => {
    // The provider's own limit is minutes; this one only ends a test that would never finish.
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      try {
        return await fn();
      } catch (e) {
        const code = (e as AliyunError).code;
        if (!codes.includes(code)) throw e;
        hooks.onConflict?.(code);
        for (const w of waiters.splice(0).filter((w) => (w.code === code ? (w.resolve(), false) : true))) waiters.push(w);
        await sleep(10);
      }
    }
    return assert.fail("retried too long");
  };
  /** StateRefreshFunc on GetTaskStatus until Success (a NotFound right after the write counts as done). */
  const poll = async (taskId: string) => {
    for (let i = 0; i < 600; i++) {
      let status: string;
      try {
        status = (await call("GetTaskStatus", { TaskId: taskId })).TaskStatus.Status;
      } catch (e) {
        if ((e as AliyunError).code === "EntityNotExists.Task") return;
        throw e;
      }
      if (status === "Success") return;
      await sleep(10);
    }
    assert.fail(`task ${taskId} never succeeded`);
  };

  const configuration = {
    async create(name: string, policies: Policy[], extra: Record<string, unknown>): Promise<string> {
      const r = await call("CreateAccessConfiguration", { AccessConfigurationName: name, ...extra });
      const id = r.AccessConfiguration.AccessConfigurationId as string;
      await configuration.changePolicies(id, [], policies);
      return id;
    },
    async read(id: string): Promise<{ configuration: Record<string, any>; policies: Policy[] } | undefined> {
      let c: Record<string, any>;
      try {
        c = (await call("GetAccessConfiguration", { AccessConfigurationId: id })).AccessConfiguration;
      } catch (e) {
        if ((e as AliyunError).code === "EntityNotExists.AccessConfiguration") return undefined;
        throw e;
      }
      const listed = (await call("ListPermissionPoliciesInAccessConfiguration", { AccessConfigurationId: id })).PermissionPolicies as Record<string, any>[];
      return { configuration: c, policies: listed.map((p) => ({ type: p.PermissionPolicyType, name: p.PermissionPolicyName, ...(p.PermissionPolicyDocument ? { document: p.PermissionPolicyDocument } : {}) })) };
    },
    async update(id: string, changed: Record<string, unknown>, from: Policy[], to: Policy[]): Promise<void> {
      if (Object.keys(changed).length) await call("UpdateAccessConfiguration", { AccessConfigurationId: id, ...changed });
      await configuration.changePolicies(id, from, to);
    },
    /** The policy set's diff (removed, then added), then every provisioning provisioned again. */
    async changePolicies(id: string, from: Policy[], to: Policy[]): Promise<void> {
      const key = (p: Policy) => `${p.type}|${p.name}|${p.document ?? ""}`;
      const removed = from.filter((p) => !to.some((q) => key(q) === key(p)));
      const added = to.filter((p) => !from.some((q) => key(q) === key(p)));
      if (!removed.length && !added.length) return;
      for (const p of removed) {
        await retry(["OperationConflict.Task"], () => call("RemovePermissionPolicyFromAccessConfiguration", { AccessConfigurationId: id, PermissionPolicyType: p.type, PermissionPolicyName: p.name }));
      }
      for (const p of added) {
        const doc = p.type === "Inline" ? { InlinePolicyDocument: p.document } : {};
        await retry(["OperationConflict.Task"], () => call("AddPermissionPolicyToAccessConfiguration", { AccessConfigurationId: id, PermissionPolicyType: p.type, PermissionPolicyName: p.name, ...doc }));
      }
      const items: Record<string, any>[] = [];
      let token: string | undefined;
      do {
        const page = await call("ListAccessConfigurationProvisionings", { AccessConfigurationId: id, MaxResults: PAGE_SIZE_MEDIUM, ...(token ? { NextToken: token } : {}) });
        items.push(...page.AccessConfigurationProvisionings);
        token = page.NextToken;
      } while (token);
      for (const item of items) {
        const r = await retry(["OperationConflict.Task"], () => call("ProvisionAccessConfiguration", { AccessConfigurationId: id, TargetType: item.TargetType, TargetId: item.TargetId }));
        await poll(r.Tasks[0].TaskId);
      }
    },
    async delete(id: string, policies: Policy[]): Promise<void> {
      for (const p of policies) await call("RemovePermissionPolicyFromAccessConfiguration", { AccessConfigurationId: id, PermissionPolicyType: p.type, PermissionPolicyName: p.name });
      try {
        await retry(["DeletionConflict.AccessConfiguration.Provisioning", "DeletionConflict.AccessConfiguration.AccessAssignment", "OperationConflict.Task", "DeletionConflict.AccessConfiguration.Task"], () =>
          call("DeleteAccessConfiguration", { AccessConfigurationId: id }),
        );
      } catch (e) {
        if ((e as AliyunError).code !== "EntityNotExists.AccessConfiguration") throw e;
      }
    },
  };

  interface AssignmentId {
    configurationId: string;
    targetId: string;
    principalType: string;
    principalId: string;
  }
  const six = (a: AssignmentId) => ({ AccessConfigurationId: a.configurationId, TargetType: "RD-Account", TargetId: a.targetId, PrincipalType: a.principalType, PrincipalId: a.principalId });
  const assignment = {
    async create(a: AssignmentId): Promise<void> {
      const r = await retry(["OperationConflict.Task"], () => call("CreateAccessAssignment", six(a)));
      await poll(r.Task.TaskId);
    },
    async read(a: AssignmentId): Promise<Record<string, any> | undefined> {
      const list = (await call("ListAccessAssignments", { ...six(a), MaxResults: PAGE_SIZE_MEDIUM })).AccessAssignments as Record<string, any>[];
      return list.length && list[0]!.PrincipalId === a.principalId ? list[0] : undefined;
    },
    async delete(a: AssignmentId, strategy?: string): Promise<void> {
      const r = await retry(["OperationConflict.Task", "DeletionConflict.AccessConfigurationProvisioning.AccessAssignment"], () =>
        call("DeleteAccessAssignment", { ...six(a), DeprovisionStrategy: strategy ?? "DeprovisionForLastAccessAssignmentOnAccount" }),
      );
      await poll(r.Task.TaskId);
    },
  };

  const provisioning = {
    async create(configurationId: string, targetId: string): Promise<void> {
      const r = await retry(["OperationConflict.Task"], () => call("ProvisionAccessConfiguration", { AccessConfigurationId: configurationId, TargetType: "RD-Account", TargetId: targetId }));
      assert.ok(r.Tasks.length > 0, "the provider fails on an empty Tasks");
      await poll(r.Tasks[0].TaskId);
    },
    async read(configurationId: string, targetId: string): Promise<Record<string, any> | undefined> {
      const list = (await call("ListAccessConfigurationProvisionings", { AccessConfigurationId: configurationId, TargetType: "RD-Account", TargetId: targetId })).AccessConfigurationProvisionings as Record<string, any>[];
      return list.length && list[0]!.TargetId === targetId ? list[0] : undefined;
    },
    async delete(configurationId: string, targetId: string): Promise<void> {
      let r: Record<string, any>;
      try {
        r = await retry(["OperationConflict.Task", "DeletionConflict.AccessConfigurationProvisioning.AccessAssignment"], () =>
          call("DeprovisionAccessConfiguration", { AccessConfigurationId: configurationId, TargetType: "RD-Account", TargetId: targetId }),
        );
      } catch (e) {
        if (["EntityNotExists.AccessConfigurationProvisioning", "EntityNotExists.AccessConfiguration"].includes((e as AliyunError).code)) return;
        throw e;
      }
      await poll(r.Tasks[0].TaskId);
    },
  };

  /** The recorded calls since the last look, GetTaskStatus polls collapsed into one entry per run. */
  const take = (): string[] => {
    const out: string[] = [];
    for (const entry of log.splice(0)) if (!(entry === "GetTaskStatus" && out.at(-1) === "GetTaskStatus")) out.push(entry);
    return out;
  };
  return { configuration, assignment, provisioning, take, hooks, refusedWith };
}

for (const engine of ENGINES) {
  describe(`Terraform (alicloud) access resources [${engine}]`, () => {
    let server: TestServer;
    let t: SsoTenant;
    before(async () => {
      server = await startServer(engine);
      // One more account than the provider's page, so its re-provision loop follows a NextToken.
      t = await ssoTenant(server, { members: PAGE_SIZE_MEDIUM + 1 });
    });
    after(async () => {
      await server?.close();
    });

    test("configuration, assignments and provisionings: apply, change the policies, destroy", async () => {
      const tf = provider(server, t);
      const members = t.members.map(String);
      const [first, second] = members as [string, string];
      const sso = (action: string, params: Record<string, unknown> = {}) => t.sso.call(action, { DirectoryId: t.directoryId, ...params });
      const group = (await sso("CreateGroup", { GroupName: uniq("tf") })).Group;
      const name = uniq("tf-admins");

      // alicloud_cloud_sso_access_configuration: create → update (policies) → read.
      const policies: Policy[] = [
        { type: "System", name: "AliyunECSFullAccess" },
        { type: "Inline", name: "tf-inline", document: DOC_1 },
      ];
      const id = await tf.configuration.create(name, policies, { SessionDuration: 3600, Description: "from terraform" });
      const state = await tf.configuration.read(id);
      assert.deepEqual(state?.policies, policies);
      assert.deepEqual(tf.take(), [
        "CreateAccessConfiguration",
        "AddPermissionPolicyToAccessConfiguration",
        "AddPermissionPolicyToAccessConfiguration",
        "ListAccessConfigurationProvisionings",
        "GetAccessConfiguration",
        "ListPermissionPoliciesInAccessConfiguration",
      ]);

      // alicloud_cloud_sso_access_assignment on the first two accounts; provisionings on the rest.
      const assignmentOn = (targetId: string) => ({ configurationId: id, targetId, principalType: "Group", principalId: group.GroupId });
      await tf.assignment.create(assignmentOn(first));
      await tf.assignment.create(assignmentOn(second));
      const read = await tf.assignment.read(assignmentOn(first));
      assert.equal(read?.PrincipalId, group.GroupId);
      assert.equal(read?.TargetId, first);
      assert.deepEqual(tf.take(), ["CreateAccessAssignment", "GetTaskStatus", "CreateAccessAssignment", "GetTaskStatus", "ListAccessAssignments"]);
      for (const target of members.slice(2)) await tf.provisioning.create(id, target);
      assert.equal((await tf.provisioning.read(id, members.at(-1)!))?.Status, "Provisioned");
      tf.take();

      // Update: description, and the policy set (a system policy swapped, the inline one rewritten) → every account re-provisioned.
      const next: Policy[] = [
        { type: "System", name: "ReadOnlyAccess" },
        { type: "Inline", name: "tf-inline", document: DOC_2 },
      ];
      await tf.configuration.update(id, { NewDescription: "changed", NewSessionDuration: 3600 }, policies, next);
      const calls = tf.take();
      assert.deepEqual(calls.slice(0, 7), [
        "UpdateAccessConfiguration",
        "RemovePermissionPolicyFromAccessConfiguration",
        "RemovePermissionPolicyFromAccessConfiguration",
        "AddPermissionPolicyToAccessConfiguration",
        "AddPermissionPolicyToAccessConfiguration",
        "ListAccessConfigurationProvisionings",
        "ListAccessConfigurationProvisionings",
      ], "two pages: the loop followed a NextToken");
      assert.deepEqual(calls.slice(7), members.flatMap(() => ["ProvisionAccessConfiguration", "GetTaskStatus"]));
      assert.deepEqual((await tf.configuration.read(id))?.policies, next);
      assert.deepEqual(plain((await sso("GetAccessConfiguration", { AccessConfigurationId: id })).AccessConfiguration.StatusNotifications), []);
      assert.equal((await sso("ListAccessConfigurationProvisionings", { AccessConfigurationId: id, ProvisioningStatus: "Provisioned", MaxResults: 20 })).TotalCounts, members.length);
      const ram = aliyunClient(server, await server.keyFor(Number(members.at(-1))), "ram");
      const attached = (await ram.call("ListPoliciesForRole", { RoleName: `AliyunReservedSSO-${name}` })).Policies.Policy.map((p: any) => p.PolicyName);
      assert.deepEqual(attached.sort(), ["ReadOnlyAccess", `AliyunReservedSSO-${name}-InlinePolicy`].sort());
      const inline = await ram.call("GetPolicy", { PolicyName: `AliyunReservedSSO-${name}-InlinePolicy`, PolicyType: "Custom" });
      assert.equal(inline.DefaultPolicyVersion.PolicyDocument, DOC_2);
      tf.take();

      // OperationConflict.Task while a task runs on the same deployment; the retry after it succeeds.
      await server.core.worker.stop();
      const pending = (await sso("ProvisionAccessConfiguration", { AccessConfigurationId: id, TargetType: "RD-Account", TargetId: first })).Tasks[0];
      assert.equal(pending.Status, "InProgress");
      tf.hooks.onConflict = () => {
        tf.hooks.onConflict = undefined;
        server.core.worker.start();
      };
      await tf.provisioning.create(id, first);
      // Refused until the running task is over (once or more, as the worker takes its time), then through.
      const conflicted = tf.take();
      assert.deepEqual(conflicted.slice(-2), ["ProvisionAccessConfiguration", "GetTaskStatus"]);
      assert.ok(conflicted.length > 2);
      assert.ok(conflicted.slice(0, -2).every((c) => c === "ProvisionAccessConfiguration OperationConflict.Task"), conflicted.join(", "));
      assert.equal((await sso("GetTaskStatus", { TaskId: pending.TaskId })).TaskStatus.Status, "Success");

      // Destroy, in the order an unordered destroy may take. The configuration first: refused while provisioned, retried meanwhile.
      const configurationRefused = tf.refusedWith("DeletionConflict.AccessConfiguration.Provisioning");
      const destroyConfiguration = tf.configuration.delete(id, next);
      await configurationRefused;
      // The provisioning of an assigned account is refused while assigned; the assignment's delete (default strategy) undeploys it.
      const provisioningRefused = tf.refusedWith("DeletionConflict.AccessConfigurationProvisioning.AccessAssignment");
      const destroyFirst = tf.provisioning.delete(id, first);
      await provisioningRefused;
      await tf.assignment.delete(assignmentOn(first));
      await destroyFirst;
      await tf.assignment.delete(assignmentOn(second), "None");
      for (const target of members.slice(1)) await tf.provisioning.delete(id, target);
      await destroyConfiguration;
      const destroyed = tf.take();
      assert.deepEqual(destroyed.slice(0, 2), ["RemovePermissionPolicyFromAccessConfiguration", "RemovePermissionPolicyFromAccessConfiguration"], "the policies in state go first");
      assert.ok(destroyed.includes("DeleteAccessConfiguration DeletionConflict.AccessConfiguration.Provisioning"));
      assert.ok(destroyed.includes("DeprovisionAccessConfiguration DeletionConflict.AccessConfigurationProvisioning.AccessAssignment"));
      assert.ok(destroyed.includes("DeprovisionAccessConfiguration EntityNotExists.AccessConfigurationProvisioning"), "the provisioning the assignment's delete took away counts as gone");
      assert.equal(destroyed.filter((c) => c === "DeleteAccessConfiguration").length, 1);
      assert.equal(destroyed.filter((c) => c === "DeleteAccessAssignment").length, 2);
      assert.equal(destroyed.filter((c) => c === "DeprovisionAccessConfiguration").length, members.length - 1);
      assert.equal(await tf.configuration.read(id), undefined, "read after delete: gone");
      assert.equal(await tf.assignment.read(assignmentOn(second)), undefined);
      assert.equal(await tf.provisioning.read(id, first), undefined);
      // Deleting what is already gone is a success for the provider.
      await tf.provisioning.delete(id, second);
      assert.deepEqual(tf.take().slice(-1), ["DeprovisionAccessConfiguration EntityNotExists.AccessConfiguration"]);
      assert.equal((await sso("GetDirectoryStatistics")).DirectoryStatistics.AccessAssignmentCount, 0);
    });
  });
}
