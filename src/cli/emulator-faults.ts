/**
 * `opencic emulator faults list | add … | delete ID | clear`: the emulator's fault rules, through a
 * running server's native API (/api/v1/emulator/faults), with a root account's key.
 */
import { parseArgs } from "node:util";
import { NATIVE_API_OPTIONS, nativeApiFrom } from "./native-client.js";

export const EMULATOR_FAULTS_USAGE = `usage: opencic emulator faults <list | add … | delete RULE-ID | clear> [options]

  list                          the rules, in the order they are consulted
  add --kind K [fields]         adds a rule and prints it with its id
  delete RULE-ID                deletes one rule
  clear                         deletes every rule

rule fields (add):
  --kind request|provisioning|deployment|pacing
  request:      --door tencent|aliyun|scim|native|any  --action NAME|any  --throttle
                --error-code CODE [--status N] [--message TEXT]  --latency-ms N  --count N  --probability P
  provisioning: --user-id ID  --user-name NAME  --account-id UIN  --failure-kind name_clash|quota|name_invalid  --reason TEXT
  deployment:   --account-id UIN  --reason TEXT
  pacing:       --work provisioning|deployment|any  --key ID  --account-id UIN  --hold-ms N
  --rule JSON   the whole rule as the API takes it, instead of the flags

options:
  --endpoint URL    the server (default http://127.0.0.1:8080)
  --secret-id ID, --secret-key KEY
                    a root account's key (default OPENCIC_SECRET_ID / OPENCIC_SECRET_KEY)
  --json            print the API's JSON answer instead of lines`;

/** A rule as the API answers it (the fields the lines show). */
interface Rule {
  ruleId: string;
  kind: string;
  hits: number;
  door?: string;
  action?: string;
  throttle?: boolean;
  error?: { code: string; status: number; message?: string } | null;
  latencyMs?: number;
  probability?: number;
  remaining?: number | null;
  userId?: string | null;
  userName?: string | null;
  accountId?: number | null;
  failureKind?: string;
  reason?: string;
  work?: string;
  key?: string | null;
  holdMs?: number;
}

export async function emulatorFaults(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      ...NATIVE_API_OPTIONS,
      rule: { type: "string" },
      kind: { type: "string" },
      door: { type: "string" },
      action: { type: "string" },
      throttle: { type: "boolean" },
      "error-code": { type: "string" },
      status: { type: "string" },
      message: { type: "string" },
      "latency-ms": { type: "string" },
      count: { type: "string" },
      probability: { type: "string" },
      "user-id": { type: "string" },
      "user-name": { type: "string" },
      "account-id": { type: "string" },
      "failure-kind": { type: "string" },
      reason: { type: "string" },
      work: { type: "string" },
      key: { type: "string" },
      "hold-ms": { type: "string" },
    },
  });
  const [command, ruleId, extra] = positionals;
  if (values.help || !command) {
    console.log(EMULATOR_FAULTS_USAGE);
    return values.help ? 0 : 1;
  }
  const api = nativeApiFrom(values);
  const print = (answer: unknown, lines: () => string) => console.log(values.json ? JSON.stringify(answer, null, 2) : lines());
  if (extra !== undefined || (ruleId !== undefined && command !== "delete")) throw new Error(`unexpected argument "${extra ?? ruleId}"\n\n${EMULATOR_FAULTS_USAGE}`);
  switch (command) {
    case "list": {
      const answer = (await api("GET", "/emulator/faults")) as { items: Rule[] };
      print(answer, () => (answer.items.length === 0 ? "no fault rules" : answer.items.map(describe).join("\n")));
      return 0;
    }
    case "add": {
      const rule = (await api("POST", "/emulator/faults", values.rule !== undefined ? parseRule(values.rule) : ruleFromFlags(values))) as Rule;
      print(rule, () => `added ${describe(rule)}`);
      return 0;
    }
    case "delete": {
      if (!ruleId) throw new Error(`delete takes a rule id: opencic emulator faults delete fr-…`);
      await api("DELETE", `/emulator/faults/${encodeURIComponent(ruleId)}`);
      print({ deleted: ruleId }, () => `deleted ${ruleId}`);
      return 0;
    }
    case "clear": {
      const answer = (await api("DELETE", "/emulator/faults")) as { removed: number };
      print(answer, () => `deleted ${answer.removed} fault rule${answer.removed === 1 ? "" : "s"}`);
      return 0;
    }
    default:
      throw new Error(`unknown faults command "${command}"\n\n${EMULATOR_FAULTS_USAGE}`);
  }
}

function parseRule(json: string): unknown {
  try {
    return JSON.parse(json);
  } catch {
    throw new Error("--rule must be a JSON object, e.g. '{\"kind\":\"request\",\"action\":\"ListUsers\",\"throttle\":true}'");
  }
}

type Values = Record<string, string | boolean | undefined>;

/** The flags as the API's body; numbers are sent as numbers, and the server checks every value. */
function ruleFromFlags(v: Values): Record<string, unknown> {
  if (v.kind === undefined) throw new Error(`add needs --kind (request, provisioning, deployment or pacing)\n\n${EMULATOR_FAULTS_USAGE}`);
  const num = (flag: string): number | undefined => {
    const raw = v[flag];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    if (typeof raw !== "string" || raw.trim() === "" || !Number.isFinite(n)) throw new Error(`--${flag} must be a number, not "${String(raw)}"`);
    return n;
  };
  const rule: Record<string, unknown> = {
    kind: v.kind,
    door: v.door,
    action: v.action,
    throttle: v.throttle,
    latencyMs: num("latency-ms"),
    count: num("count"),
    probability: num("probability"),
    userId: v["user-id"],
    userName: v["user-name"],
    accountId: num("account-id"),
    failureKind: v["failure-kind"],
    reason: v.reason,
    work: v.work,
    key: v.key,
    holdMs: num("hold-ms"),
  };
  if (v["error-code"] !== undefined) rule.error = { code: v["error-code"], status: num("status"), message: v.message };
  else if (v.status !== undefined || v.message !== undefined) throw new Error("--status and --message go with --error-code");
  return JSON.parse(JSON.stringify(rule)) as Record<string, unknown>;
}

/** One line per rule: its id, kind, what it matches, what it does, and how often it fired. */
export function describe(r: Rule): string {
  const parts = [r.ruleId, r.kind];
  const account = r.accountId != null ? ` account ${r.accountId}` : "";
  switch (r.kind) {
    case "request": {
      parts.push(`${r.door}/${r.action}`);
      if (r.throttle) parts.push("throttle");
      if (r.error) parts.push(`error ${r.error.code} (${r.error.status})`);
      if (r.latencyMs) parts.push(`latency ${r.latencyMs} ms`);
      if (r.probability !== undefined && r.probability < 1) parts.push(`probability ${r.probability}`);
      if (r.remaining != null) parts.push(`${r.remaining} left`);
      break;
    }
    case "provisioning":
      parts.push(`user ${r.userId ?? r.userName ?? "any"}${r.userId && r.userName ? ` (${r.userName})` : ""}${account || " any account"}`, `fails as ${r.failureKind}: ${r.reason}`);
      break;
    case "deployment":
      parts.push(`${account.trim() || "any account"}`, `fails: ${r.reason}`);
      break;
    case "pacing":
      parts.push(`${r.work}${r.key ? ` ${r.key}` : ""}${account}`, `held ${r.holdMs} ms after each mark`);
      break;
  }
  parts.push(`hits ${r.hits}`);
  return parts.join("  ");
}
