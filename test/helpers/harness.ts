/**
 * Test harness: a real OpenCIC server on a random loopback port, on SQLite or PostgreSQL,
 * driven through the official tencentcloud-sdk-nodejs clients. Suites loop over ENGINES.
 */
import type { CatalogueFile } from "../../src/core/access/policies.js";
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import tencentcloud from "tencentcloud-sdk-nodejs";
import { type Clock, systemClock } from "../../src/core/clock.js";
import type { ConsoleSessionOptions } from "../../src/core/console-sessions.js";
import type { WorkerOptions } from "../../src/core/engine/worker.js";
import type { BreakerSetting } from "../../src/core/provisioning/breaker.js";
import { Core } from "../../src/core/index.js";
import type { Limits } from "../../src/core/limits.js";
import { parseRateLimits, type RateLimitConfig } from "../../src/server/rate-limit.js";
import { SecretBox } from "../../src/core/secrets.js";
import { TENCENT_RATE_LIMITS } from "../../src/dialects/tencent/door.js";
import { type AppOptions, buildApp } from "../../src/server/app.js";
import { type Engine, openStore, type Store } from "../../src/store/database.js";

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL;
export const ENGINES: Engine[] = TEST_DATABASE_URL ? ["sqlite", "postgres"] : ["sqlite"];

export interface Key {
  secretId: string;
  secretKey: string;
}

export interface TestStore {
  store: Store;
  /** Opens a second connection to the same database (as a restarted or second process would). */
  reopen(): Promise<Store>;
  cleanup(): Promise<void>;
}

/** A new, empty schema in the TEST_DATABASE_URL database: a URL whose connections work in it, and its removal. */
export async function throwawaySchema(prefix = "t"): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error("TEST_DATABASE_URL is not set");
  const schema = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create schema ${schema}`);
  await admin.end();
  const url = new URL(TEST_DATABASE_URL);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    url: url.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await c.connect();
      await c.query(`drop schema if exists ${schema} cascade`);
      await c.end();
    },
  };
}

/** A fresh, empty, migrated store: a temp SQLite file, or a throwaway PostgreSQL schema. */
export async function openTestStore(engine: Engine): Promise<TestStore> {
  if (engine === "sqlite") {
    const dir = mkdtempSync(join(tmpdir(), "opencic-test-"));
    const sqliteFile = join(dir, "opencic.db");
    const store = await openStore({ sqliteFile });
    return {
      store,
      reopen: () => openStore({ sqliteFile }),
      cleanup: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, drop } = await throwawaySchema();
  const store = await openStore({ databaseUrl: url }).catch(async (err: unknown) => {
    await drop();
    throw err;
  });
  return {
    store,
    reopen: () => openStore({ databaseUrl: url }),
    cleanup: async () => {
      await store.close();
      await drop();
    },
  };
}

export interface ServerOptions {
  clock?: Clock;
  rateLimits?: RateLimitConfig;
  limits?: Partial<Limits>;
  maxBodyBytes?: number;
  /** false: no reconcile worker (tests that drive the engine by hand). */
  worker?: boolean;
  /** Worker options over the tests' defaults (attempts, backoff, injected faults). */
  workerOptions?: Partial<WorkerOptions>;
  /** The server's logger (off unless given), e.g. to capture its log lines. */
  logger?: AppOptions["logger"];
  /** System policies beyond the built-in catalogue (as OPENCIC_POLICY_CATALOGUE gives them). */
  policyCatalogue?: CatalogueFile;
  /** Console session lifetimes and sign-in rate over the defaults. */
  consoleSessions?: Partial<ConsoleSessionOptions>;
  /** Emulator controls on (as `opencic serve --emulator`). */
  emulator?: boolean;
  /** The deletion circuit breaker (as OPENCIC_DELETION_BREAKER gives it). */
  deletionBreaker?: BreakerSetting;
}

export interface TestServer {
  engine: Engine;
  endpoint: string; // "127.0.0.1:PORT"
  url: string;
  core: Core;
  store: Store;
  /** The fastify instance (its registered routes, for tests that walk them). */
  app: Awaited<ReturnType<typeof buildApp>>;
  root: Key & { uin: number };
  /** A new root account (another tenant) with its own key. */
  newRoot(name?: string): Promise<Key & { uin: number }>;
  keyFor(uin: number): Promise<Key>;
  close(): Promise<void>;
}

export async function startServer(engine: Engine, opts: ServerOptions = {}): Promise<TestServer> {
  const { store, cleanup } = await openTestStore(engine);
  const core = new Core({ store, clock: opts.clock ?? systemClock, box: new SecretBox(randomBytes(32)), limits: opts.limits, worker: { pollMs: 20, ...opts.workerOptions }, policyCatalogue: opts.policyCatalogue, consoleSessions: opts.consoleSessions, emulator: opts.emulator, deletionBreaker: opts.deletionBreaker });
  await core.accounts.checkMasterKey();
  const boot = await core.accounts.bootstrap();
  assert.ok(boot);
  const app = await buildApp({
    core,
    rateLimits: opts.rateLimits ?? parseRateLimits("off", TENCENT_RATE_LIMITS),
    maxBodyBytes: opts.maxBodyBytes,
    logger: opts.logger,
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  if (opts.worker !== false) core.worker.start();
  const address = app.server.address();
  assert.ok(address && typeof address === "object");
  const endpoint = `127.0.0.1:${address.port}`;
  let n = 0;
  return {
    engine,
    endpoint,
    url: `http://${endpoint}/`,
    core,
    store,
    app,
    root: { secretId: boot.secretId, secretKey: boot.secretKey, uin: boot.accountUin },
    async newRoot(name = `tenant-${++n}`) {
      const account = await core.accounts.createRootAccount(name);
      const key = await core.accounts.createKey(account.uin);
      return { secretId: key.secretId, secretKey: key.secretKey, uin: account.uin };
    },
    async keyFor(uin) {
      const key = await core.accounts.createKey(uin);
      return { secretId: key.secretId, secretKey: key.secretKey };
    },
    async close() {
      await app.close();
      await core.worker.stop();
      await cleanup();
    },
  };
}

export interface ClientOptions {
  reqMethod?: "POST" | "GET";
  signMethod?: "TC3-HMAC-SHA256" | "HmacSHA256" | "HmacSHA1";
}

function profile(server: Pick<TestServer, "endpoint">, opts: ClientOptions) {
  return {
    signMethod: opts.signMethod ?? "TC3-HMAC-SHA256",
    httpProfile: { endpoint: server.endpoint, protocol: "http://", reqMethod: opts.reqMethod ?? "POST", reqTimeout: 30 },
  } as const;
}

/** The official organization 2021-03-31 client, pointed at the test server; nothing else changed. */
export function orgClient(server: Pick<TestServer, "endpoint">, key: Key, opts: ClientOptions = {}) {
  return new tencentcloud.organization.v20210331.Client({ credential: key, region: "", profile: profile(server, opts) });
}

/** The official cam 2019-01-16 client, pointed at the test server. */
export function camClient(server: Pick<TestServer, "endpoint">, key: Key, opts: ClientOptions = {}) {
  return new tencentcloud.cam.v20190116.Client({ credential: key, region: "", profile: profile(server, opts) });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Asserts that an SDK call fails with exactly `code` (HTTP 200 envelope, UUID RequestId); returns the message. */
export async function expectCode(call: Promise<unknown>, code: string, messageIncludes?: string): Promise<string> {
  try {
    await call;
  } catch (e) {
    const err = e as { code?: string; message?: string; requestId?: string; httpCode?: number };
    assert.equal(err.httpCode, undefined, `expected an API error envelope, got HTTP ${err.httpCode}: ${err.message}`);
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    assert.match(err.requestId ?? "", UUID);
    if (messageIncludes) assert.ok(err.message?.includes(messageIncludes), `message "${err.message}" lacks "${messageIncludes}"`);
    return err.message ?? "";
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

export const isUuid = (s: unknown) => typeof s === "string" && UUID.test(s);

/** Asserts that `call` fails with exactly `code` and that the store is byte-for-byte unchanged. */
export async function rejects(server: Pick<TestServer, "store">, code: string, call: () => Promise<unknown>, messageIncludes?: string): Promise<string> {
  const before = await snapshot(server.store);
  const message = await expectCode(call(), code, messageIncludes);
  assert.equal(await snapshot(server.store), before, `a request rejected with ${code} changed the store`);
  return message;
}

/** A stable digest of every table, to prove that a rejected request changed nothing. */
export async function snapshot(store: Store): Promise<string> {
  const tables = [
    "accounts",
    "credentials",
    "organizations",
    "org_members",
    "sub_users",
    "sequences",
    "directories",
    "dir_users",
    "dir_groups",
    "dir_memberships",
    "dir_user_tags",
    "scim_credentials",
    "access_configurations",
    "access_configuration_policies",
    "access_assignments",
    "access_deployments",
    "access_tasks",
    "account_roles",
    "account_role_policies",
    "account_saml_providers",
    "provisionings",
    "provisioning_claims",
    "reconcile_queue",
    "provisioning_tasks",
    "provisioning_events",
    "timeline_batches",
    "timeline_decisions",
  ] as const;
  const out: Record<string, unknown[]> = {};
  for (const t of tables) out[t] = await store.db.selectFrom(t).selectAll().execute();
  for (const rows of Object.values(out)) rows.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  return JSON.stringify(out);
}

/** Creates an organization for `key`'s account and `n` members; returns member UINs and the root node. */
export async function orgWithMembers(server: TestServer, key: Key, n: number): Promise<{ rootNodeId: number; members: number[] }> {
  const org = orgClient(server, key);
  await org.CreateOrganization();
  const { RootNodeId } = await org.DescribeOrganization({});
  const members: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await org.CreateOrganizationMember({
      Name: `member-${i}-${randomBytes(2).toString("hex")}`,
      PolicyType: "Financial",
      PermissionIds: [1, 2, 7],
      NodeId: RootNodeId!,
      AccountName: `account-${i}`,
    });
    members.push(r.Uin!);
  }
  return { rootNodeId: RootNodeId!, members };
}
