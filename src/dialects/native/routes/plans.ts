/**
 * Plans before apply, and the deletion circuit breaker: what a provisioning's next reconcile would
 * do, or what a proposed change would make it do (core/provisioning/planner.ts); and the deletions
 * the breaker holds, approved or rejected by an administrator (core/provisioning/breaker.ts).
 */
import type { ProposedChange } from "../../../core/provisioning/planner.js";
import { fail } from "../../../core/errors.js";
import { DELETION_BREAKER } from "../components.js";
import { arr, int, obj, oneOfValues, optional, ref, str } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { id, inDirectory } from "./common.js";

type InDirectory = { directoryId: string };
type ProvisioningParams = InDirectory & { provisioningId: string };
type HoldParams = ProvisioningParams & { holdId: string };

/** Appended to a clashing sub-user name under KeepBoth, as the native API's provisionings get it. */
const DUPLICATE_SUFFIX = "_cic";
const provisioningId = id("The provisioning (`up-…`).");
const holdId = id("The held set (`hold-…`).");
const duplicationStrategy = oneOfValues(["KeepBoth", "TakeOver"]);
const deletionStrategy = oneOfValues(["Delete", "Keep"]);
const userIds = arr(str({ minLength: 1, maxLength: 128 }), { maxItems: 10_000 });

interface ChangeBody {
  kind: "create" | "update" | "delete" | "membership";
  provisioningId?: string;
  principalType?: string;
  principalId?: string;
  targetUin?: number;
  duplicationStrategy?: string;
  deletionStrategy?: string;
  groupId?: string;
  addUserIds?: string[];
  removeUserIds?: string[];
}

/** What each kind of change needs; the core checks the rest (the principal, the target, the strategies). */
function proposed(b: ChangeBody): ProposedChange {
  const need = <T>(v: T | undefined, name: string): T => v ?? fail("value.missing", `${name} is required for a "${b.kind}" plan`, name);
  switch (b.kind) {
    case "create":
      return {
        kind: "create",
        duplicateSuffix: DUPLICATE_SUFFIX,
        provisioning: { principalType: need(b.principalType, "principalType"), principalId: need(b.principalId, "principalId"), targetUin: need(b.targetUin, "targetUin"), duplicationStrategy: b.duplicationStrategy, deletionStrategy: b.deletionStrategy },
      };
    case "update":
      return { kind: "update", provisioningId: need(b.provisioningId, "provisioningId"), duplicationStrategy: b.duplicationStrategy, deletionStrategy: b.deletionStrategy };
    case "delete":
      return { kind: "delete", provisioningId: need(b.provisioningId, "provisioningId"), deletionStrategy: b.deletionStrategy };
    case "membership":
      return { kind: "membership", groupId: need(b.groupId, "groupId"), add: b.addUserIds ?? [], remove: b.removeUserIds ?? [] };
  }
}

export const planRoutes: NativeRoute[] = [
  route<ProvisioningParams>({
    method: "GET",
    path: "/directories/{directoryId}/provisionings/{provisioningId}/plan",
    name: "GetProvisioningPlan",
    summary: "What the provisioning's next reconcile would do in its account, sub-user by sub-user; nothing is changed",
    tag: "plans",
    params: inDirectory({ provisioningId }),
    response: { status: 200, schema: ref("Plan") },
    run: ({ core, caller }, { params }) => core.plans.plan(caller, params.directoryId, { kind: "current", provisioningId: params.provisioningId }),
  }),
  route<InDirectory, unknown, ChangeBody>({
    method: "POST",
    path: "/directories/{directoryId}/plans",
    name: "PlanChange",
    summary:
      "What a proposed change would make the reconciler do, per target account: a new provisioning (create), a strategy change (update), a deletion (delete), or users joining or leaving a group (membership: every provisioning of the group). Nothing is changed.",
    tag: "plans",
    params: inDirectory(),
    body: obj(
      {
        kind: oneOfValues(["create", "update", "delete", "membership"]),
        provisioningId: str({ minLength: 1, maxLength: 128, description: "update, delete." }),
        principalType: oneOfValues(["User", "Group"], { description: "create." }),
        principalId: str({ minLength: 1, maxLength: 128, description: "create." }),
        targetUin: int({ minimum: 1, description: "create." }),
        duplicationStrategy,
        deletionStrategy,
        groupId: str({ minLength: 1, maxLength: 128, description: "membership." }),
        addUserIds: userIds,
        removeUserIds: userIds,
      },
      ["provisioningId", "principalType", "principalId", "targetUin", "duplicationStrategy", "deletionStrategy", "groupId", "addUserIds", "removeUserIds"],
    ),
    response: { status: 200, schema: ref("Plan") },
    run: ({ core, caller }, { params, body }) => core.plans.plan(caller, params.directoryId, proposed(body)),
  }),
  route<ProvisioningParams, unknown, { duplicationStrategy?: string; deletionStrategy?: string; description?: string; deletionBreaker?: unknown }>({
    method: "PATCH",
    path: "/directories/{directoryId}/provisionings/{provisioningId}",
    name: "UpdateProvisioning",
    summary: "Changes a provisioning's strategies, description or deletion circuit breaker (null: the server's); the engine applies them at once",
    tag: "provisioning",
    params: inDirectory({ provisioningId }),
    body: optional({ duplicationStrategy, deletionStrategy, description: str({ maxLength: 1024 }), deletionBreaker: { oneOf: [DELETION_BREAKER, { type: "null" }] } }),
    response: { status: 200, schema: ref("Provisioning") },
    run: async ({ core, caller }, { params, body }) => {
      await core.provisionings.update(caller, params.directoryId, params.provisioningId, body as Parameters<typeof core.provisionings.update>[3]);
      const p = await core.provisionings.get(caller, params.directoryId, params.provisioningId);
      return { ...p, progress: await core.provisionings.progress(caller, params.directoryId, params.provisioningId) };
    },
  }),
  route<InDirectory, { provisioningId?: string }>({
    method: "GET",
    path: "/directories/{directoryId}/held-deletions",
    name: "ListHeldDeletions",
    summary: "Deletions the circuit breaker held, per provisioning and held set, with each sub-user; newest first",
    tag: "plans",
    params: inDirectory(),
    query: optional({ provisioningId: str({ minLength: 1, maxLength: 128 }) }),
    response: { status: 200, schema: obj({ items: arr(ref("HeldDeletions")) }) },
    run: async ({ core, caller }, { params, query }) => ({ items: await core.deletionHolds.list(caller, params.directoryId, query.provisioningId) }),
  }),
  ...(["approve", "reject"] as const).map((verb) =>
    route<HoldParams>({
      method: "POST",
      path: `/directories/{directoryId}/provisionings/{provisioningId}/held-deletions/{holdId}/${verb}`,
      name: verb === "approve" ? "ApproveHeldDeletions" : "RejectHeldDeletions",
      summary:
        verb === "approve"
          ? "Approves a held set: the next reconcile deletes exactly those sub-users (a set re-planned since is refused: review the new one)"
          : "Rejects a held set: the next reconcile lets those sub-users go as ordinary ones (kept, no longer managed)",
      tag: "plans",
      params: inDirectory({ provisioningId, holdId }),
      response: { status: 200, schema: ref("HeldDeletions") },
      run: ({ core, caller }, { params }) => core.deletionHolds.decide(caller, params.directoryId, params.provisioningId, params.holdId, verb === "approve" ? "approved" : "rejected"),
    }),
  ),
];
