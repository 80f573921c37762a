/**
 * `npm run bench`: every benchmark, each printed as a ratio against a baseline measured in the
 * same run, and the results written into BENCHMARKS.md.
 * BENCH_SECONDS sets each HTTP load's length; BENCH_ONLY=read,paging,create,fanout,scim,access,console,plan picks a subset
 * (the SCIM, access and console rows have their own blocks in BENCHMARKS.md, so BENCH_ONLY=scim, =access or =console
 * leaves the others as they are);
 * BENCH_READS=ListUsers keeps only the read rows whose name contains it; BENCH_PROFILE_DIR=/tmp/p
 * makes the OpenCIC servers write V8 CPU profiles there;
 * BENCH_FANOUT_USERS=1000,10000,100000 sets the fan-out group sizes; BENCH_TIMELINE_USERS (10000) and
 * BENCH_TIMELINE_ROUNDS (3) the timeline's cost on the fan-out (BENCH_ONLY=timeline rewrites only its block).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { benchAccess } from "./access.js";
import { benchConsole, CHROMIUM_PATH, summary } from "./console.js";
import { benchCreateUser, benchPaging } from "./directory.js";
import { benchFanout } from "./fanout.js";
import { benchPlan } from "./plan.js";
import { benchRawList, benchReadMix } from "./read-mix.js";
import { benchScimCycle, benchScimRead } from "./scim.js";
import { benchTimeline } from "./timeline.js";

const seconds = Number(process.env.BENCH_SECONDS ?? 6);
const only = new Set((process.env.BENCH_ONLY ?? "read,paging,create,fanout,scim,access,console,plan,timeline").split(","));
// The results are written at the end of the run: a benchmark that cannot start must say so before the others run.
if (only.has("console") && !existsSync(CHROMIUM_PATH)) {
  console.error(`The console benchmark drives Chromium, and there is none at ${CHROMIUM_PATH}: install it (apt-get install -y chromium), set CHROMIUM_PATH, or leave "console" out of BENCH_ONLY.`);
  process.exit(1);
}
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

const rows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];

if (only.has("read")) {
  const cpu = (us: number | undefined) => (us === undefined ? "" : `; server CPU ${fmt(us)} µs/req`);
  for (const r of await benchReadMix(seconds, process.env.BENCH_READS)) {
    rows.push(
      `| read: ${r.name} (${r.door}), SQLite, full stack | ${fmt(r.opencic.requestsPerSecond)} req/s (p50 ${r.opencic.p50Ms} ms, p99 ${r.opencic.p99Ms} ms${cpu(r.opencicCpuMicrosPerRequest)}) | fastify hello-world POST: ${fmt(r.baseline.requestsPerSecond)} req/s${cpu(r.baselineCpuMicrosPerRequest)} | **${fmt(r.ratio, 2)}** (rounds ${r.roundRatios.map((x) => fmt(x, 2)).join(", ")}) | ≥ 0.5 |`,
    );
    console.log(rows.at(-1));
  }
  if (!process.env.BENCH_READS || "ListUsers".includes(process.env.BENCH_READS)) {
    const r = await benchRawList(seconds);
    rows.push(
      `| (contrast) ${r.name} | ${fmt(r.opencic.requestsPerSecond)} req/s (p50 ${r.opencic.p50Ms} ms, p99 ${r.opencic.p99Ms} ms${cpu(r.opencicCpuMicrosPerRequest)}) | fastify hello-world POST: ${fmt(r.baseline.requestsPerSecond)} req/s${cpu(r.baselineCpuMicrosPerRequest)} | ${fmt(r.ratio, 2)} (rounds ${r.roundRatios.map((x) => fmt(x, 2)).join(", ")}) | — |`,
    );
    console.log(rows.at(-1));
  }
}
if (only.has("paging")) {
  const p = await benchPaging(100_000, 200);
  rows.push(
    `| ListUsers page deep in ${fmt(p.users)} users (NextToken, 100/page), SDK over HTTP | ${fmt(p.deepMs, 2)} ms | first page: ${fmt(p.firstMs, 2)} ms | **${fmt(p.ratio, 2)}** | ≤ 2 |`,
    `| (contrast) the same page by Offset, which must skip rows | ${fmt(p.offsetMs, 2)} ms | first page: ${fmt(p.firstMs, 2)} ms | ${fmt(p.offsetMs / p.firstMs, 2)} | — |`,
  );
  console.log(rows.slice(-2).join("\n"));
}
if (only.has("create")) {
  const c = await benchCreateUser(10_000, 16);
  const cpu = c.serverCpuMicros === undefined ? "" : `; server CPU ${fmt(c.serverCpuMicros)} µs/user`;
  rows.push(
    `| CreateUser through the signed SDK path (TC3-signed as the SDK signs, 16 connections, ${fmt(c.created)} users) | ${fmt(c.perSecond)} users/s (p50 ${c.p50Ms} ms, p99 ${c.p99Ms} ms${cpu}) | raw SQLite one-row insert transactions: ${fmt(c.rawInsertsPerSecond)}/s | **${fmt(c.ratio, 3)}** | ≥ 0.15 |`,
  );
  console.log(rows.at(-1));
}

if (only.has("fanout")) {
  const sizes = (process.env.BENCH_FANOUT_USERS ?? "1000,10000,100000").split(",").map(Number);
  const results = [];
  for (const n of sizes) {
    const r = await benchFanout(n, n === 10_000 ? 200 : 0, n === 10_000);
    results.push(r);
    rows.push(
      `| fan-out: group of ${fmt(n)} users → 10 member accounts (${fmt(r.subUsers)} sub-users), SQLite, until every task is Success | ${fmt(r.seconds, 2)} s, ${fmt(r.perSecond)} sub-users/s | raw better-sqlite3 batched row inserts: ${fmt(r.rawPerSecond)}/s | **${fmt(r.perSecond / r.rawPerSecond, 2)}** | ${n === 10_000 ? "≤ 10 s" : "—"} |`,
    );
    if (r.apiDuringFanout && r.apiIdle) {
      rows.push(
        `| API during the fan-out: GetProvisioningTaskStatus via the SDK, same server (${r.apiDuringFanout.samples} calls) | p50 ${fmt(r.apiDuringFanout.p50Ms, 1)} ms, p99 ${fmt(r.apiDuringFanout.p99Ms, 1)} ms | idle server: p50 ${fmt(r.apiIdle.p50Ms, 1)} ms, p99 ${fmt(r.apiIdle.p99Ms, 1)} ms | p99 ×${fmt(r.apiDuringFanout.p99Ms / r.apiIdle.p99Ms, 1)} | — |`,
      );
    }
    if (r.propagationP99Ms !== undefined) {
      rows.push(`| propagation: AddUserToGroup → sub-user in all 10 accounts (group of ${fmt(n)}, 200 adds) | p50 ${fmt(r.propagationP50Ms!, 0)} ms, p99 ${fmt(r.propagationP99Ms, 0)} ms | — | — | p99 ≤ 1 s |`);
    }
    console.log(rows.at(-1));
  }
  const t10k = results.find((r) => r.users === 10_000);
  const t100k = results.find((r) => r.users === 100_000);
  if (t10k && t100k) rows.push(`| scaling: time(100k users) / time(10k users) | ${fmt(t100k.seconds / t10k.seconds, 1)} | linear would be 10 | — | ≤ 12 |`);
}

const scimRows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];
if (only.has("scim")) {
  const r = await benchScimRead(seconds);
  const cpu = (us: number | undefined) => (us === undefined ? "" : `; server CPU ${fmt(us)} µs/req`);
  scimRows.push(
    `| SCIM read: ${r.name} with a bearer token, SQLite, full stack | ${fmt(r.opencic.requestsPerSecond)} req/s (p50 ${r.opencic.p50Ms} ms, p99 ${r.opencic.p99Ms} ms${cpu(r.opencicCpuMicrosPerRequest)}) | fastify GET route: ${fmt(r.baseline.requestsPerSecond)} req/s${cpu(r.baselineCpuMicrosPerRequest)} | **${fmt(r.ratio, 2)}** (rounds ${r.roundRatios.map((x) => fmt(x, 2)).join(", ")}) | ≥ 0.5 |`,
  );
  console.log(scimRows.at(-1));
  const c = await benchScimCycle({ users: 10_000, groups: 100, membershipsPerUser: 2, accounts: 10, clients: 8, batch: 50 });
  scimRows.push(
    `| SCIM initial cycle: ${fmt(c.users)} users, ${fmt(c.groups)} groups, ${fmt(c.memberships)} memberships from ${c.clients} concurrent SCIM clients (lookup + POST, PATCH members by 50), groups provisioned into ${c.accounts} member accounts, SQLite, until all ${fmt(c.subUsers)} sub-users exist | ${fmt(c.seconds, 1)} s (push answered at ${fmt(c.pushSeconds, 1)} s; ${fmt(c.scimRequests)} SCIM requests, ${fmt(c.throttled)} throttled; CPU: server ${c.serverCpuSeconds === undefined ? "?" : fmt(c.serverCpuSeconds, 1)} s, clients ${fmt(c.clientCpuSeconds, 1)} s) | Entra's published model for this many objects: 100–800 min | — | ≤ 30 s |`,
  );
  console.log(scimRows.at(-1));
}

const accessRows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];
if (only.has("access")) {
  const r = await benchAccess(1000);
  accessRows.push(
    `| role access: one configuration with ${r.policies} policies assigned to a group on ${fmt(r.accounts)} member accounts (${r.accounts / 50} calls of 50), SQLite, until every role, attachment and identity provider exists and every task is Success | ${fmt(r.seconds, 2)} s (assignments answered at ${fmt(r.assignSeconds, 2)} s; CPU ${fmt(r.cpuSeconds, 2)} s), ${fmt(r.deploymentsPerSecond)} deployments/s, ${fmt(r.rowsPerSecond)} rows/s | raw better-sqlite3 inserts of the same ${fmt(r.rows)} rows, 500 accounts per transaction: ${fmt(r.rawRowsPerSecond)} rows/s | **${fmt(r.rowsPerSecond / r.rawRowsPerSecond, 3)}** | ≤ 5 s |`,
  );
  console.log(accessRows.at(-1));
}

const planRows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];
if (only.has("plan")) {
  const r = await benchPlan(10_000);
  const kinds = Object.entries(r.counts)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${fmt(n)} ${k}`)
    .join(", ");
  planRows.push(
    `| plan before apply: a group of ${fmt(r.users)} users proposed into ${10} member accounts (1 % of names taken by hand-made sub-users in each), planned through the core after one untimed plan, nothing written | ${fmt(r.seconds, 2)} s for ${fmt(r.operations)} planned operations (${kinds}; CPU ${fmt(r.cpuSeconds, 2)} s), ${fmt(r.operations / r.seconds)} operations/s | — | — | ≤ 1 s |`,
  );
  console.log(planRows.at(-1));
}
const timelineRows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];
if (only.has("timeline")) {
  const r = await benchTimeline(Number(process.env.BENCH_TIMELINE_USERS ?? 10_000), Number(process.env.BENCH_TIMELINE_ROUNDS ?? 3));
  const rounds = (xs: number[]) => xs.map((x) => fmt(x, 2)).join(", ");
  timelineRows.push(
    `| fan-out with the provisioning timeline recording: group of ${fmt(r.users)} users → 10 member accounts (${fmt(r.subUsers)} sub-users, as many decisions), SQLite, until every task is Success; median of ${r.on.length} rounds alternating with the baseline (off-on, on-off, …) | ${fmt(r.onSeconds, 2)} s (rounds ${rounds(r.on)}) | the same fan-out with recording off: ${fmt(r.offSeconds, 2)} s (rounds ${rounds(r.off)}) | **${fmt(r.ratio, 3)}** (CPU ${fmt(r.cpuRatio, 3)}) | ≤ 1.15 |`,
  );
  console.log(timelineRows.at(-1));
}

const consoleRows = ["| benchmark | OpenCIC | baseline (same run) | ratio | goal |", "|---|---|---|---|---|"];
if (only.has("console")) {
  const r = await benchConsole(9, 20);
  const ms = (xs: number[]) => {
    const s = summary(xs);
    return `median ${fmt(s.median)} ms (${fmt(s.min)}–${fmt(s.max)} ms)`;
  };
  consoleRows.push(
    `| console first load: empty browser cache, signed in, loopback, navigation until the overview shows the member count (${r.loads.length} runs) | ${ms(r.loads)} | — | — | ≤ 1 s |`,
    `| console JavaScript shipped: the ${r.scripts} script file(s) that load fetched, gzipped (level 6) | ${fmt(r.jsGzipBytes / 1024, 1)} KB (${fmt(r.jsBytes / 1024, 1)} KB raw) | — | — | ≤ 300 KB |`,
    `| console progress: provisionings view open, AddUserToGroup into a provisioned group through the Tencent SDK (${r.seen.length} changes) until the page shows the provisioning's new total | ${ms(r.seen)} | — | — | ≤ 1 s |`,
    `| (the same) until the page shows that provisioning complete again, the sub-user made | ${ms(r.complete)} | — | — | — |`,
  );
  console.log(consoleRows.slice(2).join("\n"));
}

const file = "BENCHMARKS.md";
let current = readFileSync(file, "utf8");
if (only.has("scim")) {
  const scimBlock = /<!-- bench:scim -->[\s\S]*?<!-- \/bench:scim -->/;
  const scimHeader = `<!-- bench:scim -->\nLatest SCIM run (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores; the read in alternating 2 s slices after a 1 s warm-up, ${seconds} s per server, 32 connections):\n\n`;
  current = current.replace(scimBlock, `${scimHeader}${scimRows.join("\n")}\n<!-- /bench:scim -->`);
}
if (only.has("access")) {
  const accessBlock = /<!-- bench:access -->[\s\S]*?<!-- \/bench:access -->/;
  const accessHeader = `<!-- bench:access -->\nLatest role-access run (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, in process):\n\n`;
  current = current.replace(accessBlock, `${accessHeader}${accessRows.join("\n")}\n<!-- /bench:access -->`);
}
if (only.has("plan")) {
  const planBlock = /<!-- bench:plan -->[\s\S]*?<!-- \/bench:plan -->/;
  const planHeader = `<!-- bench:plan -->\nLatest plan run (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, in process):\n\n`;
  current = current.replace(planBlock, `${planHeader}${planRows.join("\n")}\n<!-- /bench:plan -->`);
}
if (only.has("timeline")) {
  const timelineBlock = /<!-- bench:timeline -->[\s\S]*?<!-- \/bench:timeline -->/;
  const timelineHeader = `<!-- bench:timeline -->\nLatest timeline run (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, in process):\n\n`;
  current = current.replace(timelineBlock, `${timelineHeader}${timelineRows.join("\n")}\n<!-- /bench:timeline -->`);
}
if (only.has("console")) {
  const consoleBlock = /<!-- bench:console -->[\s\S]*?<!-- \/bench:console -->/;
  const consoleHeader = `<!-- bench:console -->\nLatest console run (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores, Chromium at ${CHROMIUM_PATH} through playwright-core, server in process on SQLite):\n\n`;
  current = current.replace(consoleBlock, `${consoleHeader}${consoleRows.join("\n")}\n<!-- /bench:console -->`);
}
const mainRun = ["read", "paging", "create", "fanout"].some((b) => only.has(b));
const block = /<!-- bench:results -->[\s\S]*?<!-- \/bench:results -->/;
const all = ["read", "paging", "create", "fanout"].every((b) => only.has(b));
// A subset run (BENCH_ONLY) replaces the rows of the benchmarks it ran and keeps the others, saying so.
const GROUPS: Record<string, string[]> = {
  read: ["read:", "signed read"],
  paging: ["ListUsers page", "(contrast)"],
  create: ["CreateUser"],
  fanout: ["fan-out", "API during", "propagation", "scaling"],
};
const groupOf = (row: string) => {
  const name = row.split("|")[1]?.trim() ?? "";
  return Object.keys(GROUPS).find((g) => GROUPS[g]!.some((prefix) => name.startsWith(prefix)));
};
const fresh = rows.slice(2);
const previous = (block.exec(current)?.[0] ?? "").split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| benchmark"));
const merged = rows.slice(0, 2);
const placed = new Set<string>();
for (const row of all ? [] : previous) {
  const group = groupOf(row);
  if (!group || !only.has(group)) merged.push(row);
  else if (!placed.has(group)) {
    placed.add(group);
    merged.push(...fresh.filter((r) => groupOf(r) === group));
  }
}
merged.push(...fresh.filter((r) => !placed.has(groupOf(r) ?? "")));
const scope = all ? "" : `; BENCH_ONLY=${[...only].filter((b) => b !== "scim" && b !== "access" && b !== "console" && b !== "plan" && b !== "timeline").join(",")}: only those rows are from this run, the others from an earlier one`;
const header = `<!-- bench:results -->\nLatest \`npm run bench\` (${new Date().toISOString().slice(0, 10)}, Node ${process.version}, ${cpus().length} cores; read loads ${seconds} s per server and row with 32 connections from autocannon on the same machine, in alternating 2 s slices after a 1 s warm-up${scope}):\n\n`;
writeFileSync(file, mainRun ? current.replace(block, `${header}${merged.join("\n")}\n<!-- /bench:results -->`) : current);
console.log(`\nwrote ${file}`);
