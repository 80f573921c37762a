/**
 * Provisionings (a directory user or group kept as sub-users in an account), with their progress in
 * counts; their tasks; their failures with reasons, retried (with another duplication strategy) or
 * discarded.
 */
import type { ActionContext } from "../../../server/door.js";
import type { ProvisioningEventView, ProvisioningView } from "../../../core/provisioning/views.js";
import { int, obj, oneOfValues, optional, page, paging, ref, str } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { id, inDirectory, pageOf } from "./common.js";

type InDirectory = { directoryId: string };
type ProvisioningParams = InDirectory & { provisioningId: string };
type FailureParams = InDirectory & { failureId: string };

/** Appended to a clashing sub-user name under KeepBoth, as the vendor doors append theirs. */
const DUPLICATE_SUFFIX = "_cic";
const provisioningId = id("The provisioning (`up-…`).");
const failureId = id("The failure.");
const duplicationStrategy = oneOfValues(["KeepBoth", "TakeOver"], {
  description: "When the account already has a sub-user of the user's name: KeepBoth creates another with a suffix, TakeOver adopts the existing one.",
});
const deletionStrategy = oneOfValues(["Delete", "Keep"], { description: "When the provisioning goes: Delete its sub-users, or Keep them (unmanaged)." });

/** The core calls a unit's failure an event; the API names it by what it is. */
const failure = ({ eventId, ...rest }: ProvisioningEventView) => ({ failureId: eventId, ...rest });

/** A provisioning with its progress in its target account. */
async function withProgress(ctx: ActionContext, v: ProvisioningView) {
  return { ...v, progress: await ctx.core.provisionings.progress(ctx.caller, v.directoryId, v.provisioningId) };
}

export const provisioningRoutes: NativeRoute[] = [
  route<InDirectory, { maxResults?: number; nextToken?: string; principalId?: string; principalType?: string; targetUin?: number; search?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/provisionings",
    name: "ListProvisionings",
    summary: "Provisionings with their progress, a page at a time",
    tag: "provisioning",
    params: inDirectory(),
    query: optional({
      ...paging,
      principalType: oneOfValues(["User", "Group"]),
      principalId: str({ minLength: 1, maxLength: 128 }),
      targetUin: int({ minimum: 1 }),
      search: str({ minLength: 1, maxLength: 64, description: "A case-insensitive part of the principal's name or the provisioning id." }),
    }),
    response: { status: 200, schema: page(ref("Provisioning")) },
    run: async (ctx, { params, query }) => {
      const { search, ...rest } = query;
      const p = await ctx.core.provisionings.list(ctx.caller, params.directoryId, { ...rest, filter: search });
      return { ...pageOf(p), items: await Promise.all(p.items.map((v) => withProgress(ctx, v))) };
    },
  }),
  route<InDirectory, unknown, { principalType: string; principalId: string; targetUin: number; duplicationStrategy?: string; deletionStrategy?: string; description?: string }>({
    method: "POST",
    path: "/directories/{directoryId}/provisionings",
    name: "CreateProvisioning",
    summary: "Provisions a user or group into an account; the engine does the work, the task and progress report on it",
    tag: "provisioning",
    params: inDirectory(),
    body: obj(
      {
        principalType: oneOfValues(["User", "Group"]),
        principalId: str({ minLength: 1, maxLength: 128 }),
        targetUin: int({ minimum: 1, description: "The organization's management account or a member account." }),
        duplicationStrategy,
        deletionStrategy,
        description: str({ maxLength: 1024 }),
      },
      ["duplicationStrategy", "deletionStrategy", "description"],
    ),
    response: { status: 202, schema: obj({ provisioning: ref("Provisioning"), task: ref("ProvisioningTask") }) },
    run: async (ctx, { params, body }) => {
      const [task] = await ctx.core.provisionings.create(ctx.caller, params.directoryId, [body], { duplicateSuffix: DUPLICATE_SUFFIX });
      const provisioning = await ctx.core.provisionings.get(ctx.caller, params.directoryId, task!.provisioningId);
      return { provisioning: await withProgress(ctx, provisioning), task };
    },
  }),
  route<ProvisioningParams>({
    method: "GET",
    path: "/directories/{directoryId}/provisionings/{provisioningId}",
    name: "GetProvisioning",
    summary: "A provisioning with its progress: directory users covered, done, failed",
    tag: "provisioning",
    params: inDirectory({ provisioningId }),
    response: { status: 200, schema: ref("Provisioning") },
    run: async (ctx, { params }) => withProgress(ctx, await ctx.core.provisionings.get(ctx.caller, params.directoryId, params.provisioningId)),
  }),
  route<ProvisioningParams, { deletionStrategy?: string }>({
    method: "DELETE",
    path: "/directories/{directoryId}/provisionings/{provisioningId}",
    name: "DeleteProvisioning",
    summary: "Deletes a provisioning; its sub-users are deleted or kept (unmanaged) by the deletion strategy",
    tag: "provisioning",
    params: inDirectory({ provisioningId }),
    query: optional({ deletionStrategy }),
    response: { status: 202, schema: obj({ task: ref("ProvisioningTask") }) },
    run: async ({ core, caller }, { params, query }) => ({ task: await core.provisionings.delete(caller, params.directoryId, params.provisioningId, { deletionStrategy: query.deletionStrategy }) }),
  }),
  route<ProvisioningParams, { maxResults?: number; nextToken?: string; status?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/provisionings/{provisioningId}/tasks",
    name: "ListProvisioningTasks",
    summary: "A provisioning's task history, newest first",
    tag: "provisioning",
    params: inDirectory({ provisioningId }),
    query: optional({ ...paging, status: oneOfValues(["InProgress", "Success", "Failed"]) }),
    response: { status: 200, schema: page(ref("ProvisioningTask")) },
    run: async ({ core, caller }, { params, query }) => {
      const p = await core.provisionings.get(caller, params.directoryId, params.provisioningId);
      // A task names its principal and target; one provisioning is one (principal, target) pair.
      const tasks = await core.provisionings.tasks(caller, params.directoryId, {
        ...query,
        principalId: p.principal.id,
        principalType: p.principal.type,
        targetUin: p.target.accountUin,
        descending: true,
      });
      return pageOf(tasks);
    },
  }),
  route<InDirectory & { taskId: string }>({
    method: "GET",
    path: "/directories/{directoryId}/provisioning-tasks/{taskId}",
    name: "GetProvisioningTask",
    summary: "A provisioning task and where it stands",
    tag: "provisioning",
    params: inDirectory({ taskId: id("The task.") }),
    response: { status: 200, schema: ref("ProvisioningTask") },
    run: ({ core, caller }, { params }) => core.provisionings.task(caller, params.directoryId, params.taskId),
  }),
  route<InDirectory, { maxResults?: number; nextToken?: string; provisioningId?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/failures",
    name: "ListFailures",
    summary: "What could not be provisioned, and why",
    tag: "provisioning",
    params: inDirectory(),
    query: optional({ ...paging, provisioningId }),
    response: { status: 200, schema: page(ref("Failure")) },
    run: async ({ core, caller }, { params, query }) => pageOf(await core.provisionings.events(caller, params.directoryId, query), failure),
  }),
  route<FailureParams>({
    method: "GET",
    path: "/directories/{directoryId}/failures/{failureId}",
    name: "GetFailure",
    summary: "One failure",
    tag: "provisioning",
    params: inDirectory({ failureId }),
    response: { status: 200, schema: ref("Failure") },
    run: async ({ core, caller }, { params }) => failure(await core.provisionings.event(caller, params.directoryId, params.failureId)),
  }),
  route<FailureParams, unknown, { duplicationStrategy?: string }>({
    method: "POST",
    path: "/directories/{directoryId}/failures/{failureId}/retry",
    name: "RetryFailure",
    summary: "Tries the failed unit again, optionally with another duplication strategy for it alone",
    tag: "provisioning",
    params: inDirectory({ failureId }),
    body: optional({ duplicationStrategy }),
    response: { status: 202 },
    run: async ({ core, caller }, { params, body }) => void (await core.provisionings.retryEvent(caller, params.directoryId, params.failureId, body.duplicationStrategy)),
  }),
  route<FailureParams>({
    method: "DELETE",
    path: "/directories/{directoryId}/failures/{failureId}",
    name: "DeleteFailure",
    summary: "Discards a failure without retrying (the unit runs again with the next change that covers it)",
    tag: "provisioning",
    params: inDirectory({ failureId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => void (await core.provisionings.deleteEvent(caller, params.directoryId, params.failureId)),
  }),
];
