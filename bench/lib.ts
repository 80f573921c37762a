/** Shared bench plumbing: child-process servers, autocannon runs, and TC3-signed requests. */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import autocannon from "autocannon";
import Database from "better-sqlite3";
import type { Core } from "../src/core/index.js";
import type { Store } from "../src/store/database.js";
import { Sign } from "../test/helpers/sdk-sign.js";


export interface Child<T> {
  info: T;
  proc: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `bench/servers/<name>.mjs` under plain node and reads the JSON line it prints when ready. */
/** BENCH_PROFILE_DIR: OpenCIC bench servers write a V8 CPU profile there when they stop (`node --cpu-prof`); with BENCH_PROFILE_ALL=1 the baselines too; BENCH_PROFILE_INTERVAL sets its sampling interval in µs (1,000 by default). */
export async function startChild<T>(name: string, env: NodeJS.ProcessEnv = {}): Promise<Child<T>> {
  const dir = process.env.BENCH_PROFILE_DIR;
  const nodeArgs = dir && (name === "opencic" || process.env.BENCH_PROFILE_ALL) ? ["--cpu-prof", `--cpu-prof-dir=${dir}`, ...(process.env.BENCH_PROFILE_INTERVAL ? [`--cpu-prof-interval=${process.env.BENCH_PROFILE_INTERVAL}`] : [])] : [];
  const proc = spawn(process.execPath, [...nodeArgs, `bench/servers/${name}.mjs`], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout! });
  const [line] = (await once(lines, "line")) as [string];
  return {
    info: JSON.parse(line) as T,
    proc,
    stop: async () => {
      proc.kill("SIGTERM");
      await once(proc, "exit");
    },
  };
}

export interface Load {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  /** Requests answered, and the load's length in seconds. */
  requests: number;
  seconds: number;
}

/** `next`, when given, supplies each request's headers (requests that may not be repeated, e.g. a nonce each). */
export async function load(opts: { url: string; method?: "GET" | "POST"; headers: Record<string, string>; body: string; seconds: number; connections?: number; next?: () => Record<string, string> }): Promise<Load> {
  const next = opts.next;
  const result = await autocannon({
    url: opts.url,
    method: opts.method ?? "POST",
    headers: opts.headers,
    ...(opts.method === "GET" ? {} : { body: opts.body }),
    connections: opts.connections ?? 32,
    duration: opts.seconds,
    ...(next ? { requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, headers: { ...opts.headers, ...next() } }) }] } : {}),
  });
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
    seconds: result.duration,
  };
}

/** Sends exactly `amount` POSTs, each with the body and headers `next()` hands out, and times them. */
export async function loadAmount(opts: { url: string; amount: number; connections: number; next: () => { body: string; headers: Record<string, string> } }): Promise<Load> {
  const t = performance.now();
  const result = await autocannon({
    url: opts.url,
    method: "POST",
    connections: opts.connections,
    amount: opts.amount,
    // autocannon notices that `amount` is done only at its next sample tick (every 1,000 ms by
    // default), so a run would last a whole number of seconds however fast the server was.
    sampleInt: 5,
    requests: [{ setupRequest: (req: autocannon.Request) => ({ ...req, ...opts.next() }) }],
  });
  const seconds = (performance.now() - t) / 1000;
  return {
    requestsPerSecond: result.requests.total / seconds,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    requests: result.requests.total,
    seconds,
  };
}

/** CPU time (user + system, all threads) a process has used so far, in µs; undefined where /proc is missing. */
export function cpuMicros(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / 100; // utime, stime in clock ticks (100 Hz)
  } catch {
    return undefined;
  }
}

/** Headers for one TC3-signed POST, exactly as the official SDK builds them (valid for 300 s). */
export function signedHeaders(opts: { port: number; secretId: string; secretKey: string; action: string; version: string; body: string }): Record<string, string> {
  const timestamp = Math.floor(Date.now() / 1000);
  const authorization = Sign.sign3({
    method: "POST",
    url: `http://127.0.0.1:${opts.port}/`,
    payload: Buffer.from(opts.body),
    timestamp,
    service: "127",
    secretId: opts.secretId,
    secretKey: opts.secretKey,
    multipart: false,
    boundary: "",
    headers: { "Content-Type": "application/json" },
  });
  return {
    "Content-Type": "application/json",
    Authorization: authorization,
    "X-TC-Action": opts.action,
    "X-TC-Version": opts.version,
    "X-TC-Timestamp": String(timestamp),
  };
}

/** A throwaway better-sqlite3 file in WAL mode, as OpenCIC keeps SQLite, for a same-run baseline; gone after `work`. */
export function withScratchSqlite<T>(work: (db: Database.Database) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "opencic-raw-"));
  const db = new Database(join(dir, "raw.db"));
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    return work(db);
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the in-process benches start from: the root account as a caller, its organization's member accounts, and a directory. */
export interface SeededOrganization {
  caller: { accountUin: number; principalUin: number; isSubUser: false };
  root: { accountUin: number; secretId: string; secretKey: string };
  targets: number[];
  directoryId: string;
}

/** Bootstraps the root account, its organization with `members` member accounts, and a directory named `directoryName`. */
export async function seedOrganization(core: Core, members: number, directoryName: string): Promise<SeededOrganization> {
  const root = (await core.accounts.bootstrap())!;
  const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false as const };
  await core.organizations.create(caller);
  const { org } = (await core.organizations.findMembership(root.accountUin))!;
  const targets: number[] = [];
  for (let i = 0; i < members; i++) {
    targets.push(await core.organizations.createMember(caller, { name: `m${i}`, accountName: `m${i}`, policyType: "Financial", permissionIds: [1, 2, 7], nodeId: org.root_node_id }));
  }
  const zone = await core.directories.open(caller, directoryName);
  return { caller, root, targets, directoryId: zone.directoryId };
}

/**
 * A group of `users` users, written as bulk rows through the same schema (seeding is not what is
 * measured): ids `u-000000000000`…, names `user0`…, each joined in id order.
 */
export async function seedGroup(core: Core, store: Store, caller: SeededOrganization["caller"], directoryId: string, users: number): Promise<string> {
  const group = await core.groups.create(caller, directoryId, { groupName: "everyone" });
  const now = Date.now();
  for (let i = 0; i < users; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, users - i) }, (_, j) => `u-${String(i + j).padStart(12, "0")}`);
    await store.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("dir_users")
        .values(batch.map((id, j) => ({ user_id: id, directory_id: directoryId, user_name: `user${i + j}`, first_name: "", last_name: "", display_name: `User ${i + j}`, description: "", email: `user${i + j}@example.com`, user_status: "Enabled" as const, user_type: "Manual" as const, need_reset_password: 0, password_hash: null, created_at: now + i + j, updated_at: now })))
        .execute();
      await trx.insertInto("dir_memberships").values(batch.map((id, j) => ({ group_id: group.groupId, user_id: id, directory_id: directoryId, joined_at: now + i + j }))).execute();
    });
  }
  await store.db.updateTable("dir_groups").set({ member_count: users }).where("group_id", "=", group.groupId).execute();
  await store.db.updateTable("directories").set({ user_count: users }).where("directory_id", "=", directoryId).execute();
  return group.groupId;
}
