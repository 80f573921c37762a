/**
 * SCIM benchmarks, against the built server under plain node (bench/servers/opencic.mjs, BENCH_SCIM):
 * - read: `GET /scim/v2/Users/{id}` with a bearer token, against a fastify GET route on the same
 *   machine, in alternating slices (the read mix's machinery, bench/read-mix.ts); goal ≥ 0.5;
 * - an identity provider's initial cycle: 8 concurrent SCIM clients push 100 groups, 10,000 users and
 *   20,000 memberships the way Entra ID does (a lookup by the matching attribute, then POST; group
 *   members added by PATCH in batches) into a directory whose groups are all provisioned into 10
 *   member accounts (Tencent user-sync provisionings through the SDK, made as the groups appear);
 *   timed from the first request until every user's sub-user exists in every account. Goal ≤ 30 s.
 *   The count is read from the server's SQLite file by this process (WAL: a reader does not hold up
 *   the server's writes), not through an API call, which would run on the server's event loop and be
 *   measured with the cycle (a count over 100,000 sub-users, 20 times a second); GetZoneStatistics
 *   and every member account's CAM ListUsers confirm it afterwards.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { join } from "node:path";
import Database from "better-sqlite3";
import tencentcloud from "tencentcloud-sdk-nodejs";
import { cpuMicros, startChild } from "./lib.js";
import { benchRow, type ReadResult, type Row } from "./read-mix.js";

interface ScimSeeded {
  port: number;
  dataDir: string;
  secretId: string;
  secretKey: string;
  zoneId: string;
  scimToken: string;
  memberUins: number[];
  memberKeys: { secretId: string; secretKey: string }[];
}

const USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/**
 * A SCIM client as an identity provider runs one: keep-alive, bearer token, 429 honoured by
 * Retry-After. It speaks HTTP through node:http with a keep-alive agent rather than fetch: the
 * provider runs on its own machine, but here it shares the two cores with the server, and fetch
 * (undici) spent ~630 µs of CPU a request, as much as the server itself; node:http does the same
 * requests over the same connections for a fraction of that.
 */
export class ScimClient {
  throttled = 0;
  requests = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  private readonly url: URL;
  constructor(
    base: string,
    private readonly token: string,
  ) {
    this.url = new URL(base);
  }

  async call<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    for (let attempt = 0; ; attempt++) {
      this.requests++;
      const res = await this.send(method, path, payload);
      if (res.status === 429 && attempt < 50) {
        this.throttled++;
        await new Promise((r) => setTimeout(r, Number(res.retryAfter ?? 1) * 1000));
        continue;
      }
      if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: HTTP ${res.status} ${res.text.slice(0, 300)}`);
      return (res.text ? JSON.parse(res.text) : undefined) as T;
    }
  }

  private send(method: string, path: string, payload: string | undefined): Promise<{ status: number; text: string; retryAfter?: string }> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}`, accept: "application/scim+json" };
      if (payload !== undefined) {
        headers["content-type"] = "application/scim+json";
        headers["content-length"] = Buffer.byteLength(payload);
      }
      const req = http.request({ host: this.url.hostname, port: this.url.port, path: this.url.pathname + path, method, headers, agent: this.agent }, (res) => {
        res.setEncoding("utf8");
        let text = "";
        res.on("data", (chunk: string) => (text += chunk));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text, retryAfter: res.headers["retry-after"] as string | undefined }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with `n` requests in flight, as n clients sharing a queue. */
async function pool<T>(n: number, items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

const q = (filter: string) => encodeURIComponent(filter);

export function scimUser(i: number) {
  const userName = `user${String(i).padStart(5, "0")}@example.com`;
  return {
    schemas: [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    externalId: `ext-${i}`,
    userName,
    active: true,
    displayName: `User ${i}`,
    name: { givenName: "User", familyName: `N${i}` },
    emails: [{ primary: true, type: "work", value: userName }],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: `dept-${i % 17}` },
  };
}

// ---------------------------------------------------------------------------------------------

export async function benchScimRead(seconds: number): Promise<ReadResult> {
  const hello = await startChild<{ port: number }>("hello");
  const server = await startChild<ScimSeeded>("opencic", { BENCH_SCIM: "0" });
  try {
    const client = new ScimClient(`http://127.0.0.1:${server.info.port}/scim/v2`, server.info.scimToken);
    const created = await client.call<{ id: string }>("POST", "/Users", scimUser(1));
    client.close();
    const row: Row<ScimSeeded> = {
      name: "GET /scim/v2/Users/{id}",
      door: "SCIM bearer",
      requests: (info) => ({ method: "GET", path: `/scim/v2/Users/${created.id}`, body: "", headers: { authorization: `Bearer ${info.scimToken}` } }),
      check: (answer) => {
        assert.equal(answer.id, created.id, JSON.stringify(answer));
        assert.equal(answer.userName, "user00001@example.com");
      },
    };
    return await benchRow(row, hello, server, seconds);
  } finally {
    await server.stop();
    await hello.stop();
  }
}

export interface CycleResult {
  users: number;
  groups: number;
  memberships: number;
  accounts: number;
  clients: number;
  subUsers: number;
  /** From the first SCIM request until the last membership PATCH was answered. */
  pushSeconds: number;
  /** From the first SCIM request until every sub-user existed. */
  seconds: number;
  scimRequests: number;
  throttled: number;
  /** CPU seconds over the timed span: the server process, and this process (the 8 clients and the poll) on the same 2 cores. */
  serverCpuSeconds?: number;
  clientCpuSeconds: number;
}

export async function benchScimCycle(opts: { users: number; groups: number; membershipsPerUser: number; accounts: number; clients: number; batch: number }): Promise<CycleResult> {
  const { users, groups, membershipsPerUser, accounts, clients, batch } = opts;
  const server = await startChild<ScimSeeded>("opencic", {
    BENCH_SCIM: String(accounts),
    // What the cycle needs beyond the defaults (1000 users and 1000 provisionings per zone, 1000 sub-users per account).
    OPENCIC_LIMITS: `usersPerDirectory=${users},subUsersPerAccount=${users},provisioningsPerDirectory=${groups * accounts},groupsPerDirectory=${Math.max(groups, 500)}`,
  });
  try {
    const info = server.info;
    const client = new ScimClient(`http://127.0.0.1:${info.port}/scim/v2`, info.scimToken);
    const org = new tencentcloud.organization.v20210331.Client({
      credential: { secretId: info.secretId, secretKey: info.secretKey },
      region: "",
      profile: { httpProfile: { endpoint: `127.0.0.1:${info.port}`, protocol: "http://", reqTimeout: 120 } },
    });
    const groupIds: string[] = new Array(groups);
    const userIds: string[] = new Array(users);
    const names = Array.from({ length: groups }, (_, g) => `team-${String(g).padStart(3, "0")}`);
    // Each user joins `membershipsPerUser` distinct groups, spread evenly.
    const groupsOf = (i: number) => Array.from({ length: membershipsPerUser }, (_, k) => (i + k * (1 + ((i / groups) | 0) % (groups - 1))) % groups);

    const serverCpu0 = cpuMicros(server.proc.pid!);
    const clientCpu0 = process.cpuUsage();
    const t0 = performance.now();
    // Groups first (Entra: look up by displayName, create with no members), each provisioned into every account as it appears.
    const provisioned: Promise<unknown>[] = [];
    let pending: { PrincipalType: string; PrincipalId: string; TargetType: string; TargetUin: number }[] = [];
    const flush = () => {
      if (pending.length === 0) return;
      provisioned.push(org.CreateUserSyncProvisioning({ ZoneId: info.zoneId, UserSyncProvisionings: pending.splice(0) }));
    };
    await pool(clients, [...names.keys()], async (g) => {
      const found = await client.call<{ totalResults: number }>("GET", `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${names[g]}"`)}`);
      assert.equal(found.totalResults, 0);
      groupIds[g] = (await client.call<{ id: string }>("POST", "/Groups", { schemas: [GROUP], displayName: names[g], externalId: `grp-${g}`, members: [] })).id;
      for (const uin of info.memberUins) {
        pending.push({ PrincipalType: "Group", PrincipalId: groupIds[g]!, TargetType: "MemberUin", TargetUin: uin });
        if (pending.length === 50) flush(); // CreateUserSyncProvisioning takes 50 items at most
      }
    });
    flush();
    // Users (Entra: look up by userName, then POST), while the provisionings are being made.
    const pushedUsers = pool(clients, [...Array(users).keys()], async (i) => {
      const body = scimUser(i);
      const found = await client.call<{ totalResults: number }>("GET", `/Users?filter=${q(`userName eq "${body.userName}"`)}`);
      assert.equal(found.totalResults, 0);
      userIds[i] = (await client.call<{ id: string }>("POST", "/Users", body)).id;
    });
    await Promise.all([pushedUsers, Promise.all(provisioned)]);
    // Memberships: PATCH add in batches per group, in Entra's default (capitalised) form.
    const members: string[][] = Array.from({ length: groups }, () => []);
    for (let i = 0; i < users; i++) for (const g of groupsOf(i)) members[g]!.push(userIds[i]!);
    const patches: { g: number; ids: string[] }[] = [];
    for (const [g, ids] of members.entries()) for (let k = 0; k < ids.length; k += batch) patches.push({ g, ids: ids.slice(k, k + batch) });
    await pool(clients, patches, async ({ g, ids }) => {
      await client.call("PATCH", `/Groups/${groupIds[g]}`, { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value: ids.map((value) => ({ value })) }] });
    });
    const pushSeconds = (performance.now() - t0) / 1000;
    console.log(`  SCIM push answered at ${pushSeconds.toFixed(1)} s (${client.requests} requests)`);
    client.close();
    // Until every sub-user exists: sub-users standing for a directory user, read beside the server.
    const expected = users * accounts;
    const store = new Database(join(info.dataDir, "opencic.db"), { readonly: true, fileMustExist: true });
    const subUsers = store.prepare("select count(*) as n from sub_users where directory_user_id is not null").pluck();
    let count = 0;
    let reported = performance.now();
    for (const deadline = performance.now() + 600_000; ; ) {
      count = subUsers.get() as number;
      if (count >= expected) break;
      if (performance.now() > deadline) throw new Error(`600 s after the push, only ${count} of ${expected} sub-users exist`);
      if (performance.now() - reported > 5000) {
        reported = performance.now();
        console.log(`  ${((reported - t0) / 1000).toFixed(0)} s: ${count} of ${expected} sub-users`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    const seconds = (performance.now() - t0) / 1000;
    const serverCpu1 = cpuMicros(server.proc.pid!);
    const clientCpu = process.cpuUsage(clientCpu0);
    store.close();
    // Not timed: the zone's statistics count them too, and every member account's CAM ListUsers shows one sub-user per directory user.
    assert.equal(count, expected);
    assert.equal((await org.GetZoneStatistics({ ZoneId: info.zoneId })).ZoneStatistics?.UserProvisioningCount, expected);
    assert.equal(members.reduce((n, m) => n + m.length, 0), users * membershipsPerUser);
    for (const key of info.memberKeys) {
      const cam = new tencentcloud.cam.v20190116.Client({ credential: key, region: "", profile: { httpProfile: { endpoint: `127.0.0.1:${info.port}`, protocol: "http://", reqTimeout: 120 } } });
      const listed = (await cam.ListUsers()).Data ?? [];
      assert.equal(listed.length, users, `a member account has ${listed.length} sub-users, not ${users}`);
    }
    return { users, groups, memberships: users * membershipsPerUser, accounts, clients, subUsers: count, pushSeconds, seconds, scimRequests: client.requests,
      throttled: client.throttled,
      serverCpuSeconds: serverCpu0 === undefined || serverCpu1 === undefined ? undefined : (serverCpu1 - serverCpu0) / 1e6,
      clientCpuSeconds: (clientCpu.user + clientCpu.system) / 1e6,
    };
  } finally {
    await server.stop();
  }
}
