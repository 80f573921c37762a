#!/usr/bin/env node
/** The `opencic` command: `serve`, and admin commands for accounts and API keys. */
import { parseArgs } from "node:util";
import { emulatorFaults } from "./cli/emulator-faults.js";
import { heldDeletionsCommand, planCommand } from "./cli/plan.js";
import { type Config, type Flags, loadConfig } from "./config.js";
import { systemClock } from "./core/clock.js";
import type { Core } from "./core/index.js";
import { EMULATOR_USAGE, emulatorCommand } from "./cli/emulator.js";
import { checkEmulatorHost } from "./core/emulator/index.js";
import { deferredLog } from "./core/log.js";
import { directoryIdIn } from "./dialects/aliyun/ids.js";
import { tencentTime } from "./dialects/tencent/format.js";
import { openRuntime } from "./runtime.js";
import { buildApp } from "./server/app.js";
import { ClusterShare } from "./server/cluster.js";

const USAGE = `usage: opencic <command> [options]

  serve                         start the API server (default 127.0.0.1:8080, SQLite in ./data)
  accounts list                 list accounts
  accounts create --name N      create a root account (it may create its own organization)
  keys create --uin N           issue an API key for an account; the SecretKey is printed once
  keys list                     list API keys (never their secrets)
  console-link [--uin N]        print a one-time console sign-in link for an account (default: the
                                first root account); it works once, within minutes
  keys disable|enable --secret-id ID
  directories list              list identity-center directories (Tencent zones) with counts and quotas
  directories set-quota --directory-id ID [--users N] [--groups N] [--members-per-group N] [--groups-per-user N]
                                override a directory's quotas ("default" restores the server's)
  scim-credential create --directory ID [--expire-days N]
                                issue a SCIM bearer token for a directory (z-… or d-…, default lifetime
                                365 days); the secret is printed once
  scim-credential list --directory ID
                                list a directory's SCIM credentials (never their secrets)
  plan current|create|update|delete|membership --directory Z …
                                what the reconciler would do, per account and sub-user, before it does
                                it (a running server's API; see opencic plan --help)
  held-deletions list|approve|reject --directory Z …
                                deletions the circuit breaker held (see opencic held-deletions --help)
${EMULATOR_USAGE}

options:
  --host H          listen address (HOST, default 127.0.0.1)
  --port P          listen port (PORT, default 8080)
  --data-dir D      data directory (OPENCIC_DATA_DIR, default ./data)
  --database URL    postgres://… to use PostgreSQL instead of SQLite (DATABASE_URL)
  --rate-limits S   "off", or overrides like "default=20,GetUser=50" (OPENCIC_RATE_LIMITS)
  --limits S        server-wide quotas, e.g. "usersPerDirectory=5000,membersPerGroup=5000" (OPENCIC_LIMITS)
  --policy-catalogue F  JSON file of system policies beyond the built-in ones:
                    {"cam":[{"name","id","description"}],"ram":[{"name","description"}]} (OPENCIC_POLICY_CATALOGUE)
  --emulator        turn on emulator controls: clock, reset and snapshots, fault rules (OPENCIC_EMULATOR=1);
                    refused on a non-loopback --host unless --emulator-allow-remote is given too

environment: OPENCIC_SECRET_ID / OPENCIC_SECRET_KEY (root key on first start),
OPENCIC_WORKER_BATCH_PAUSE_MS (pause between the provisioning worker's write batches),
OPENCIC_TIMELINE_RETENTION_DAYS (days the provisioning timeline keeps its decisions, default 30),
OPENCIC_MASTER_KEY (encrypts stored SecretKeys), OPENCIC_LOG_LEVEL (default info),
OPENCIC_DELETION_BREAKER (the deletion circuit breaker: "off", "N" or "N,P%"; default "20,10%")`;

async function main(argv: string[]): Promise<number> {
  // Commands that talk to a running server over HTTP take their own flags.
  if (argv[0] === "emulator" && argv[1] === "faults") return emulatorFaults(argv.slice(2));
  if (argv[0] === "emulator") return emulatorCommand(argv.slice(1));
  if (argv[0] === "plan") return planCommand(argv.slice(1));
  if (argv[0] === "held-deletions") return heldDeletionsCommand(argv.slice(1));
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      host: { type: "string" },
      port: { type: "string" },
      "data-dir": { type: "string" },
      database: { type: "string" },
      "rate-limits": { type: "string" },
      limits: { type: "string" },
      "policy-catalogue": { type: "string" },
      emulator: { type: "boolean" },
      "emulator-allow-remote": { type: "boolean" },
      "directory-id": { type: "string" },
      directory: { type: "string" },
      "expire-days": { type: "string" },
      users: { type: "string" },
      groups: { type: "string" },
      "members-per-group": { type: "string" },
      "groups-per-user": { type: "string" },
      name: { type: "string" },
      uin: { type: "string" },
      "secret-id": { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig(values as Flags);
  switch (command) {
    case "serve":
      return serve(config);
    case "accounts":
      return accounts(config, sub, values.name);
    case "keys":
      return keys(config, sub, values.uin, values["secret-id"]);
    case "directories":
      return directories(config, sub, values);
    case "console-link":
      return consoleLink(config, values.uin);
    case "scim-credential":
      return scimCredential(config, sub, values.directory, values["expire-days"]);
    default:
      console.error(`unknown command "${command}"\n\n${USAGE}`);
      return 1;
  }
}

async function serve(config: Config): Promise<number> {
  if (config.emulator) checkEmulatorHost(config.host, config.emulatorAllowRemote);
  // The worker logs through the server's logger, which exists only once the app is built.
  const log = deferredLog();
  const runtime = await openRuntime(config, { log });
  const created = await runtime.core.accounts.bootstrap(config.rootSecret);
  if (created) {
    console.log(`OpenCIC created the root account ${created.accountUin}.`);
    if (created.generated) {
      console.log(`  SecretId:  ${created.secretId}\n  SecretKey: ${created.secretKey}\nThe SecretKey is shown only this once; it is stored encrypted.`);
    } else {
      console.log(`  SecretId:  ${created.secretId} (from OPENCIC_SECRET_ID)`);
    }
  }
  // Liveness is about processes in real time: an emulator's clock, moved, must not judge it.
  const cluster = new ClusterShare(runtime.store, systemClock);
  const app = await buildApp({
    core: runtime.core,
    rateLimits: { ...config.rateLimits, share: cluster.share },
    logger: {
      level: config.logLevel,
      // Belt and braces: nothing logs these, and if something ever did, they are masked.
      redact: ["req.headers.authorization", "*.SecretKey", "*.secretKey", "*.Password", "*.password", "*.CredentialSecret", "*.secret"],
      // A person at a terminal reads lines; anything else (a file, a collector) gets JSON.
      ...(process.stdout.isTTY ? { transport: { target: "pino-pretty", options: { translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname" } } } : {}),
    },
  });
  log.attach(app.log);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, "shutting down: finishing in-flight requests");
    await app.close(); // stops accepting, waits for in-flight requests
    await cluster.stop(); // the other processes take this one's share of the rate limits
    await runtime.core.worker.stop(); // finishes the reconcile in hand; queued work stays in the database
    await runtime.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  await cluster.start(app.log); // PostgreSQL: this process's share of the rate limits, before the first request
  await app.listen({ host: config.host, port: config.port });
  runtime.core.worker.start();
  const address = app.server.address();
  const port = address && typeof address === "object" ? address.port : config.port;
  const engine = runtime.store.engine === "sqlite" ? `SQLite in ${config.dataDir}` : "PostgreSQL";
  // Next to the root key, once it exists: the way into the console without typing the key.
  if (created) console.log(await consoleLinkText(runtime.core, `http://${config.host}:${port}`, created.accountUin));
  app.log.info(`OpenCIC serving on http://${config.host}:${port} (${engine})`);
  return -1; // keep running
}

async function accounts(config: Config, sub: string | undefined, name: string | undefined): Promise<number> {
  const runtime = await openRuntime(config);
  try {
    if (sub === "list") {
      for (const a of await runtime.core.accounts.list()) {
        console.log(`${a.uin}\t${a.kind}\t${a.name}\t${tencentTime(a.created_at)}`);
      }
      return 0;
    }
    if (sub === "create") {
      if (!name) throw new Error("accounts create needs --name");
      const a = await runtime.core.accounts.createRootAccount(name);
      console.log(`${a.uin}\t${a.name}`);
      return 0;
    }
    throw new Error(`unknown accounts command "${sub ?? ""}"`);
  } finally {
    await runtime.close();
  }
}

async function keys(config: Config, sub: string | undefined, uin: string | undefined, secretId: string | undefined): Promise<number> {
  const runtime = await openRuntime(config);
  try {
    if (sub === "create") {
      if (!uin || !/^\d+$/.test(uin)) throw new Error("keys create needs --uin <account UIN>");
      const key = await runtime.core.accounts.createKey(Number(uin));
      console.log(`SecretId:  ${key.secretId}\nSecretKey: ${key.secretKey}\nThe SecretKey is shown only this once.`);
      return 0;
    }
    if (sub === "list") {
      for (const k of await runtime.core.accounts.listKeys()) {
        const who = k.subjectUin === k.accountUin ? "account" : `sub-user ${k.subjectUin}`;
        console.log(`${k.secretId}\t${k.accountUin}\t${who}\t${k.status}\t${tencentTime(k.createdAt)}`);
      }
      return 0;
    }
    if (sub === "disable" || sub === "enable") {
      if (!secretId) throw new Error(`keys ${sub} needs --secret-id`);
      const found = await runtime.core.accounts.setKeyStatus(secretId, sub === "disable" ? "Disabled" : "Enabled");
      if (!found) throw new Error(`no key ${secretId}`);
      console.log(`${secretId}\t${sub === "disable" ? "Disabled" : "Enabled"}`);
      return 0;
    }
    throw new Error(`unknown keys command "${sub ?? ""}"`);
  } finally {
    await runtime.close();
  }
}

/** A one-time sign-in link's text: the console reads the token from the fragment, which no server or proxy logs. */
async function consoleLinkText(core: Core, origin: string, accountUin: number): Promise<string> {
  const { token, expiresAt } = await core.consoleSessions.createLink(accountUin);
  const minutes = Math.round((expiresAt - core.clock.now()) / 60_000);
  return `Console sign-in link (works once, for ${minutes} minutes): ${origin}/#link=${token}`;
}

async function consoleLink(config: Config, uin: string | undefined): Promise<number> {
  if (uin !== undefined && !/^\d+$/.test(uin)) throw new Error("--uin must be an account UIN");
  const runtime = await openRuntime(config);
  try {
    let accountUin = uin === undefined ? undefined : Number(uin);
    const all = await runtime.core.accounts.list();
    if (accountUin === undefined) accountUin = all.find((a) => a.kind === "root")?.uin;
    if (accountUin === undefined || !all.some((a) => a.uin === accountUin)) throw new Error(uin === undefined ? "there is no account yet: start the server once (opencic serve)" : `no account ${uin}`);
    console.log(await consoleLinkText(runtime.core, `http://${config.host}:${config.port}`, accountUin));
    return 0;
  } finally {
    await runtime.close();
  }
}

async function directories(config: Config, sub: string | undefined, values: Record<string, string | boolean | undefined>): Promise<number> {
  const runtime = await openRuntime(config);
  try {
    if (sub === "list") {
      for (const d of await runtime.core.directories.list()) {
        const q = runtime.core.directories.quotas(d);
        console.log(
          `${d.directory_id}\t${d.name}\torg ${d.org_id}\tusers ${d.user_count}/${q.users}\tgroups ${d.group_count}/${q.groups}\tmembers/group ${q.membersPerGroup}\tgroups/user ${q.groupsPerUser}`,
        );
      }
      return 0;
    }
    if (sub === "set-quota") {
      const id = values["directory-id"];
      if (typeof id !== "string") throw new Error("directories set-quota needs --directory-id");
      const read = (flag: string): number | null | undefined => {
        const v = values[flag];
        if (v === undefined) return undefined;
        if (v === "default") return null;
        if (typeof v !== "string" || !/^\d+$/.test(v)) throw new Error(`--${flag} must be a number or "default"`);
        return Number(v);
      };
      const found = await runtime.core.directories.setQuotas(id, {
        users: read("users"),
        groups: read("groups"),
        membersPerGroup: read("members-per-group"),
        groupsPerUser: read("groups-per-user"),
      });
      if (!found) throw new Error(`no directory ${id}`);
      console.log(`${id}\tquotas updated`);
      return 0;
    }
    throw new Error(`unknown directories command "${sub ?? ""}"`);
  } finally {
    await runtime.close();
  }
}

async function scimCredential(config: Config, sub: string | undefined, directory: string | undefined, expireDays: string | undefined): Promise<number> {
  if (sub !== "create" && sub !== "list") throw new Error(`unknown scim-credential command "${sub ?? ""}"`);
  if (!directory) throw new Error(`scim-credential ${sub} needs --directory <z-… or d-…>`);
  if (expireDays !== undefined && !/^\d+$/.test(expireDays)) throw new Error("--expire-days must be a whole number of days");
  const runtime = await openRuntime(config);
  try {
    // One directory, two wire names (Tencent z-…, Alibaba d-…): either is accepted.
    const directoryId = directoryIdIn(directory);
    const caller = await runtime.core.directories.managerOf(directoryId);
    if (!caller) throw new Error(`no directory ${directory}`);
    if (sub === "list") {
      for (const c of await runtime.core.scimCredentials.list(caller, directoryId)) {
        console.log(`${c.credentialId}\t${c.status}\tcreated ${tencentTime(c.createdAt)}\texpires ${tencentTime(c.expiresAt)}`);
      }
      return 0;
    }
    const lifetime = expireDays === undefined ? undefined : Number(expireDays) * 24 * 3600;
    const { credential, secret } = await runtime.core.scimCredentials.create(caller, directoryId, lifetime);
    console.log(`CredentialId: ${credential.credentialId}\nSecret:       ${secret}\nExpires:      ${tencentTime(credential.expiresAt)} (UTC+8)`);
    console.log(`The secret is shown only this once. Give it to the identity provider as the bearer token for http://${config.host}:${config.port}/scim/v2`);
    if ((await runtime.core.scimCredentials.syncStatus(caller, directoryId)) !== "Enabled") {
      console.log(`SCIM synchronization of ${directory} is off: turn it on with UpdateSCIMSynchronizationStatus (Tencent) or SetSCIMSynchronizationStatus (Alibaba).`);
    }
    return 0;
  } finally {
    await runtime.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`opencic: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
