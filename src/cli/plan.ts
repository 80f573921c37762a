/**
 * `opencic plan …` and `opencic held-deletions …`: what the reconciler would do before it does it,
 * and the deletions the circuit breaker held, through a running server's native API.
 */
import { parseArgs } from "node:util";
import type { Plan, PlannedOperation, ProvisioningPlan } from "../core/provisioning/planner.js";
import { NATIVE_API_OPTIONS, NATIVE_API_USAGE, nativeApiFrom } from "./native-client.js";

export const PLAN_USAGE = `usage: opencic plan <current | create | update | delete | membership> --directory Z [options]

  current --provisioning UP       what the provisioning's next reconcile would do
  create --group G | --user U --target UIN [--duplication KeepBoth|TakeOver] [--deletion Delete|Keep]
                                  what provisioning G or U into account UIN would do
  update --provisioning UP [--duplication S] [--deletion S]
                                  what changing its strategies would do
  delete --provisioning UP [--deletion Delete|Keep]
                                  what deleting it would do
  membership --group G [--add U1,U2] [--remove U3]
                                  what those users joining or leaving G would do, for each of G's provisionings

  Nothing is changed. Each planned sub-user is one line: create (with its final name), adopt, reuse,
  update (what changes), delete, keep, hold (the deletion circuit breaker would hold it), fail (why).

options:
  --directory Z     the directory (z-… or d-…)
${NATIVE_API_USAGE}`;

export const HELD_USAGE = `usage: opencic held-deletions <list | approve | reject> --directory Z [options]

  list [--provisioning UP]        the held sets, newest first, with their sub-users
  approve --provisioning UP --hold-id H
                                  the next reconcile deletes exactly that set
  reject --provisioning UP --hold-id H
                                  the next reconcile lets those sub-users go (kept, unmanaged)

options:
  --directory Z     the directory (z-… or d-…)
${NATIVE_API_USAGE}`;

const OPTIONS = {
  ...NATIVE_API_OPTIONS,
  directory: { type: "string" },
  provisioning: { type: "string" },
  group: { type: "string" },
  user: { type: "string" },
  target: { type: "string" },
  duplication: { type: "string" },
  deletion: { type: "string" },
  add: { type: "string" },
  remove: { type: "string" },
  "hold-id": { type: "string" },
} as const;

function parsed(argv: string[], usage: string) {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS });
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== "string" || v === "") throw new Error(`--${name} is required\n\n${usage}`);
    return v;
  };
  return { values, command: positionals[0], extra: positionals[1], need };
}

const ids = (list: string | undefined) => (list ?? "").split(",").map((s) => s.trim()).filter(Boolean);
const directoryPath = (z: string) => `/directories/${encodeURIComponent(z.replace(/^d-/, "z-"))}`;

export async function planCommand(argv: string[]): Promise<number> {
  const { values, command, extra, need } = parsed(argv, PLAN_USAGE);
  if (values.help || !command) {
    console.log(PLAN_USAGE);
    return values.help ? 0 : 1;
  }
  if (extra !== undefined) throw new Error(`unexpected argument "${extra}"\n\n${PLAN_USAGE}`);
  const api = nativeApiFrom(values);
  const dir = directoryPath(need("directory"));
  let plan: Plan;
  switch (command) {
    case "current":
      plan = (await api("GET", `${dir}/provisionings/${encodeURIComponent(need("provisioning"))}/plan`)) as Plan;
      break;
    case "create": {
      if (Boolean(values.group) === Boolean(values.user)) throw new Error(`give one of --group and --user\n\n${PLAN_USAGE}`);
      const target = Number(need("target"));
      if (!Number.isInteger(target) || target < 1) throw new Error("--target must be an account UIN");
      plan = (await api("POST", `${dir}/plans`, {
        kind: "create",
        principalType: values.group ? "Group" : "User",
        principalId: values.group ?? values.user,
        targetUin: target,
        ...(values.duplication ? { duplicationStrategy: values.duplication } : {}),
        ...(values.deletion ? { deletionStrategy: values.deletion } : {}),
      })) as Plan;
      break;
    }
    case "update":
    case "delete":
      plan = (await api("POST", `${dir}/plans`, {
        kind: command,
        provisioningId: need("provisioning"),
        ...(values.duplication && command === "update" ? { duplicationStrategy: values.duplication } : {}),
        ...(values.deletion ? { deletionStrategy: values.deletion } : {}),
      })) as Plan;
      break;
    case "membership":
      plan = (await api("POST", `${dir}/plans`, { kind: "membership", groupId: need("group"), addUserIds: ids(values.add), removeUserIds: ids(values.remove) })) as Plan;
      break;
    default:
      throw new Error(`unknown plan command "${command}"\n\n${PLAN_USAGE}`);
  }
  console.log(values.json ? JSON.stringify(plan, null, 2) : planText(plan));
  return 0;
}

/** A plan as a person reads it: per provisioning and account, a summary line, then one aligned row per sub-user. */
export function planText(plan: Plan): string {
  if (plan.plans.length === 0) return "nothing to plan: no provisioning is concerned";
  return plan.plans.map(provisioningText).join("\n\n");
}

function provisioningText(p: ProvisioningPlan): string {
  const counts = Object.entries(p.counts)
    .filter(([, n]) => n > 0)
    .map(([op, n]) => `${n} ${op}`)
    .join(", ");
  const head = `${p.provisioningId ?? "new provisioning"} (${p.principalType} ${p.principalId}) into account ${p.targetUin}${p.deleting ? ", deleting" : ""} [${p.duplicationStrategy}/${p.deletionStrategy}]: ${counts || "nothing to do"}`;
  const rows = p.operations.map((o) => [o.op, o.userName || o.userId || "-", o.subUserName || (o.subUserUin === null ? "-" : String(o.subUserUin)), detail(o)]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 0));
  return [head, ...rows.map((r) => "  " + r.map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c)).join("  ").trimEnd())].join("\n");
}

function detail(o: PlannedOperation): string {
  switch (o.op) {
    case "create":
      return o.clashWith ? `"${o.clashWith}" is taken` : "";
    case "update":
      return Object.entries(o.changes ?? {})
        .map(([k, c]) => `${k}: "${c.from}" → "${c.to}"`)
        .join(", ");
    case "fail":
      return o.failure?.reason ?? "";
    case "hold":
      return "held by the deletion circuit breaker";
    default:
      return "";
  }
}

interface HeldSet {
  provisioningId: string;
  holdId: string;
  targetUin: number;
  heldAt: string;
  decision: string | null;
  count: number;
  subUsers: { userName: string; subUserName: string }[];
}

export async function heldDeletionsCommand(argv: string[]): Promise<number> {
  const { values, command, extra, need } = parsed(argv, HELD_USAGE);
  if (values.help || !command) {
    console.log(HELD_USAGE);
    return values.help ? 0 : 1;
  }
  if (extra !== undefined) throw new Error(`unexpected argument "${extra}"\n\n${HELD_USAGE}`);
  const api = nativeApiFrom(values);
  const dir = directoryPath(need("directory"));
  const print = (answer: unknown, lines: () => string) => console.log(values.json ? JSON.stringify(answer, null, 2) : lines());
  switch (command) {
    case "list": {
      const q = values.provisioning ? `?provisioningId=${encodeURIComponent(values.provisioning)}` : "";
      const answer = (await api("GET", `${dir}/held-deletions${q}`)) as { items: HeldSet[] };
      print(answer, () => (answer.items.length === 0 ? "no held deletions" : answer.items.map(heldText).join("\n\n")));
      return 0;
    }
    case "approve":
    case "reject": {
      const set = (await api("POST", `${dir}/provisionings/${encodeURIComponent(need("provisioning"))}/held-deletions/${encodeURIComponent(need("hold-id"))}/${command}`)) as HeldSet;
      print(set, () => `${set.holdId}: ${set.decision}; the next reconcile ${command === "approve" ? "deletes" : "lets go"} ${set.count} sub-user${set.count === 1 ? "" : "s"} in account ${set.targetUin}`);
      return 0;
    }
    default:
      throw new Error(`unknown held-deletions command "${command}"\n\n${HELD_USAGE}`);
  }
}

function heldText(s: HeldSet): string {
  const head = `${s.holdId} ${s.provisioningId} account ${s.targetUin}: ${s.count} deletion${s.count === 1 ? "" : "s"} ${s.decision ?? "waiting"} since ${s.heldAt}`;
  return [head, ...s.subUsers.map((u) => `  ${u.subUserName}${u.userName ? ` (${u.userName})` : ""}`)].join("\n");
}
