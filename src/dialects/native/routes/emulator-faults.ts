/**
 * The emulator's fault rules (core/emulator/faults.ts): list, add, delete one, delete all. Only a
 * server started with --emulator has them (`emulator.disabled` otherwise), and only a root account's
 * own key may use them. These routes are never faulted themselves (the door marks /emulator routes).
 */
import { FAULT_DOORS, FAULT_KINDS, type FaultRuleInput, INJECTED_UNIT_KINDS, PACED_WORK } from "../../../core/emulator/faults.js";
import { emulatorFor } from "../../../core/emulator/index.js";
import { arr, bool, int, nullable, obj, oneOfValues, type Schema, str, time } from "../schema.js";
import { type NativeRoute, route } from "../route.js";

const number = (extra: Schema = {}): Schema => ({ type: "number", ...extra });

/** The fields of a rule, shared by what is sent and what is answered (each kind takes its own; see `kind`). */
const ruleFields: Record<string, Schema> = {
  door: oneOfValues(FAULT_DOORS, { description: "request: the door whose calls it matches (default any)." }),
  action: str({ minLength: 1, maxLength: 128, description: "request: the action it matches, the door's own name (`CreateUserSyncProvisioning`, `ListUsers`, a native operation id), or `any` (default)." }),
  throttle: bool({ description: "request: answer the door's own throttling error (Tencent `RequestLimitExceeded`, Alibaba `Throttling.User`, 429 on the native and SCIM doors)." }),
  latencyMs: int({ minimum: 0, maximum: 60000, description: "request: wait this long (wall-clock) before answering, or before the call runs when the rule answers no error." }),
  count: int({ minimum: 1, maximum: 1000000, description: "request: fire for this many matching calls, then leave the list (default: until deleted)." }),
  probability: number({ minimum: 0, maximum: 1, description: "request: the chance each matching call fires it (default 1; 0 never fires)." }),
  userId: str({ minLength: 1, maxLength: 128, description: "provisioning: the directory user whose units fail." }),
  userName: str({ minLength: 1, maxLength: 128, description: "provisioning: the directory user, by user name, whose units fail." }),
  accountId: int({ minimum: 1, description: "provisioning, deployment, pacing: the target account it matches (default: any)." }),
  failureKind: oneOfValues(INJECTED_UNIT_KINDS, { description: "provisioning: the class the unit fails as (default name_clash): it picks the Alibaba event's ErrorInfo code." }),
  reason: str({ minLength: 1, maxLength: 1024, description: "provisioning, deployment: the failure reason tasks and events report (default `No Permission.`)." }),
  work: oneOfValues(PACED_WORK, { description: "pacing: the work it holds back (default any)." }),
  key: str({ minLength: 1, maxLength: 128, description: "pacing: one provisioning (`up-…`) or deployment id it holds back (default: any)." }),
  holdMs: int({ minimum: 1, maximum: 3600000, description: "pacing: a key runs no earlier than this long (emulated time) after it was marked; its tasks stay InProgress meanwhile." }),
};

const errorFields = { code: str({ minLength: 1, maxLength: 128, description: "The wire code every door answers with, in its own envelope (`InternalError`, `ResourceUnavailable.Zone`)." }), status: int({ minimum: 400, maximum: 599, description: "The HTTP status on the Alibaba, native and SCIM doors (Tencent answers 200); default from the code (InternalError 500, …Unavailable 503, …NotFound 404, otherwise 400)." }), message: str({ minLength: 1, maxLength: 1024 }) };

const kindField = oneOfValues(FAULT_KINDS, {
  description:
    "request: fail or delay matching API calls (before they are admitted, so they change nothing); provisioning: fail matching units (user into account) as a name clash or quota would; deployment: fail deployments into an account; pacing: keep matching reconcile work waiting.",
});

const FaultRuleInputSchema = obj(
  { kind: kindField, ...ruleFields, error: obj(errorFields, ["status", "message"], { description: "request: answer this error (not with throttle)." }) },
  Object.keys(ruleFields).concat("error"),
  { description: "A fault rule: its kind and that kind's fields; a field of another kind is refused." },
);

const FaultRuleSchema = obj(
  {
    ruleId: str({ description: "`fr-…`" }),
    kind: kindField,
    createdAt: time,
    hits: int({ minimum: 0, description: "How many times it fired." }),
    ...ruleFields,
    error: nullable(obj({ ...errorFields, status: int({ minimum: 400, maximum: 599 }) }, ["message"])),
    count: nullable(ruleFields.count!),
    remaining: nullable(int({ minimum: 0, description: "request: firings left (null: unlimited). A counted rule leaves the list when it reaches 0." })),
    userId: nullable(ruleFields.userId!),
    userName: nullable(ruleFields.userName!),
    accountId: nullable(ruleFields.accountId!),
    key: nullable(ruleFields.key!),
  },
  ["door", "action", "throttle", "latencyMs", "count", "probability", "userId", "userName", "accountId", "failureKind", "reason", "work", "key", "holdMs", "error", "remaining"],
);

const ruleParams = obj({ ruleId: str({ minLength: 1, maxLength: 64 }) });

export const emulatorFaultRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/emulator/faults",
    name: "ListEmulatorFaults",
    summary: "The emulator's fault rules, in the order they are consulted",
    tag: "emulator",
    response: { status: 200, schema: obj({ items: arr(FaultRuleSchema) }) },
    run: async ({ core, caller }) => ({ items: (await emulatorFor(core, caller)).faults.list() }),
  }),
  route<unknown, unknown, FaultRuleInput>({
    method: "POST",
    path: "/emulator/faults",
    name: "AddEmulatorFault",
    summary: "Adds a fault rule; it applies from the next request or reconcile",
    tag: "emulator",
    body: FaultRuleInputSchema,
    response: { status: 201, schema: FaultRuleSchema },
    run: async ({ core, caller }, { body }) => (await emulatorFor(core, caller)).faults.add(body),
  }),
  route<{ ruleId: string }>({
    method: "DELETE",
    path: "/emulator/faults/{ruleId}",
    name: "DeleteEmulatorFault",
    summary: "Deletes a fault rule",
    tag: "emulator",
    params: ruleParams,
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => {
      (await emulatorFor(core, caller)).faults.remove(params.ruleId);
      return undefined;
    },
  }),
  route({
    method: "DELETE",
    path: "/emulator/faults",
    name: "ClearEmulatorFaults",
    summary: "Deletes every fault rule (those OPENCIC_DEPLOYMENT_FAULTS seeded too)",
    tag: "emulator",
    response: { status: 200, schema: obj({ removed: int({ minimum: 0 }) }) },
    run: async ({ core, caller }) => ({ removed: (await emulatorFor(core, caller)).faults.clear() }),
  }),
];
