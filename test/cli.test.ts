/**
 * The `opencic` command as a user runs it: first start, keys and accounts, the README's
 * SDK walkthrough against a real server process, clean shutdown, and PostgreSQL selection.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test } from "node:test";
import pg from "pg";
import { CREDENTIAL_TTL_MS } from "../src/core/accounts.js";
import { openRuntime } from "../src/runtime.js";
import { camClient, expectCode, orgClient, TEST_DATABASE_URL } from "./helpers/harness.js";
import { cli, removeTempDirs, serve, tempDir } from "./helpers/process.js";

after(removeTempDirs);

function parseKey(out: string): { secretId: string; secretKey: string } {
  const secretId = /SecretId:\s+(\S+)/.exec(out)?.[1];
  const secretKey = /SecretKey:\s+(\S+)/.exec(out)?.[1];
  assert.ok(secretId && secretKey, `no key in:\n${out}`);
  return { secretId, secretKey };
}

describe("opencic CLI", () => {
  test("first start creates a root key and prints it exactly once; keys list never shows secrets", async () => {
    const dir = tempDir();
    const first = await serve(["--data-dir", dir]);
    const rootKey = parseKey(first.output());
    const health = await fetch(`http://${first.endpoint}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "ok" });
    await camClient({ endpoint: first.endpoint }, rootKey).ListUsers();
    assert.equal(await first.stop(), 0);

    const second = await serve(["--data-dir", dir]);
    assert.ok(!second.output().includes(rootKey.secretKey));
    assert.ok(!/SecretKey/.test(second.output()));
    await camClient({ endpoint: second.endpoint }, rootKey).ListUsers();
    assert.equal(await second.stop(), 0);

    const listed = await cli(["keys", "list", "--data-dir", dir]);
    assert.ok(listed.includes(rootKey.secretId));
    assert.ok(!listed.includes(rootKey.secretKey));
  });

  test("first start prints a one-time console link next to the root key; console-link prints another; each signs in once", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir]);
    try {
      const linkOf = (out: string) => {
        const m = new RegExp(`Console sign-in link \\(works once, for 10 minutes\\): http://[\\d.]+:(\\d+)/#link=([A-Za-z0-9_-]+)`).exec(out);
        assert.ok(m, `no console link in:\n${out}`);
        return { port: m[1]!, token: m[2]! };
      };
      const first = linkOf(server.output());
      assert.equal(`127.0.0.1:${first.port}`, server.endpoint, "the link names the port the server listens on");
      const printed = linkOf(await cli(["console-link", "--data-dir", dir]));
      const signIn = (link: string) => fetch(`http://${server.endpoint}/api/v1/session`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ link }) });
      for (const link of [first.token, printed.token]) {
        const ok = await signIn(link);
        assert.equal(ok.status, 201);
        assert.match(ok.headers.get("set-cookie") ?? "", /^opencic_session=/);
        const again = await signIn(link);
        assert.equal(again.status, 401, "a link works once");
        assert.equal(((await again.json()) as { reason: string }).reason, "auth.unknown_key");
      }
      await assert.rejects(cli(["console-link", "--uin", "1", "--data-dir", dir]), /no account 1/);
    } finally {
      await server.stop();
    }
  });

  test("the README walkthrough: organization, two members, a member key from the CLI, CAM users with it", async () => {
    const dir = tempDir();
    const secretKey = randomBytes(16).toString("hex");
    const env = { OPENCIC_SECRET_ID: "AKIDreadmeRootKey000000000000000001", OPENCIC_SECRET_KEY: secretKey };
    const server = await serve(["--data-dir", dir], env);
    try {
      assert.ok(!server.output().includes(secretKey), "a given SecretKey is never printed");
      const root = { secretId: env.OPENCIC_SECRET_ID, secretKey };
      const org = orgClient(server, root);
      await org.CreateOrganization();
      const { RootNodeId } = await org.DescribeOrganization({});
      const a = await org.CreateOrganizationMember({ Name: "dev", PolicyType: "Financial", PermissionIds: [1, 2, 7], NodeId: RootNodeId!, AccountName: "dev" });
      await org.CreateOrganizationMember({ Name: "prod", PolicyType: "Financial", PermissionIds: [1, 2, 7], NodeId: RootNodeId!, AccountName: "prod" });
      assert.equal((await org.DescribeOrganizationMembers({ Offset: 0, Limit: 10 })).Total, 3);

      const memberKey = parseKey(await cli(["keys", "create", "--uin", String(a.Uin), "--data-dir", dir]));
      const cam = camClient(server, memberKey);
      await cam.AddUser({ Name: "alice", Remark: "first", Email: "alice@example.com" });
      assert.equal((await cam.GetUser({ Name: "alice" })).Email, "alice@example.com");
      assert.deepEqual((await cam.ListUsers()).Data?.map((u) => u.Name), ["alice"]);
      await cam.UpdateUser({ Name: "alice", Remark: "second" });
      assert.equal((await cam.GetUser({ Name: "alice" })).Remark, "second");
      await cam.DeleteUser({ Name: "alice" });
      await expectCode(cam.GetUser({ Name: "alice" }), "ResourceNotFound.UserNotExist");
      // The member's sub-users are its own: the root account does not see them.
      assert.deepEqual((await camClient(server, root).ListUsers()).Data, []);
    } finally {
      assert.equal(await server.stop(), 0);
    }
    const output = server.output();
    assert.ok(!output.includes(secretKey), "no SecretKey in the server's output");
    assert.match(output, /shutting down/);
  });

  test("accounts create/list: another root account runs its own organization", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir]);
    try {
      const created = await cli(["accounts", "create", "--name", "tenant-b", "--data-dir", dir]);
      const uin = /^(\d+)\ttenant-b/.exec(created)?.[1];
      assert.ok(uin, created);
      const listed = await cli(["accounts", "list", "--data-dir", dir]);
      assert.match(listed, new RegExp(`${uin}\\troot\\ttenant-b`));
      const key = parseKey(await cli(["keys", "create", "--uin", uin, "--data-dir", dir]));
      const org = orgClient(server, key);
      await org.CreateOrganization();
      assert.equal((await org.DescribeOrganization({})).HostUin, Number(uin));
      await cli(["keys", "disable", "--secret-id", key.secretId, "--data-dir", dir]);
      // Another process's key changes reach a running server within CREDENTIAL_TTL_MS.
      await new Promise((r) => setTimeout(r, CREDENTIAL_TTL_MS + 100));
      await expectCode(org.DescribeOrganization({}), "AuthFailure.SecretIdNotFound");
    } finally {
      await server.stop();
    }
  });

  test("directory quotas: server-wide from OPENCIC_LIMITS, per directory from `directories set-quota`", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir], { OPENCIC_LIMITS: "usersPerDirectory=3,groupsPerDirectory=7" });
    try {
      const org = orgClient(server, parseKey(server.output()));
      await org.CreateOrganization();
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "cli-quota" });
      const stats = async () => (await org.GetZoneStatistics({ ZoneId: ZoneId! })).ZoneStatistics!;
      assert.equal((await stats()).UserQuota, 3);
      assert.equal((await stats()).GroupQuota, 7);
      // The admin command reads the same configuration as the server it sits beside.
      assert.match(await cli(["directories", "list", "--data-dir", dir], { OPENCIC_LIMITS: "usersPerDirectory=3,groupsPerDirectory=7" }), new RegExp(`${ZoneId}\tcli-quota\t.*users 0/3\tgroups 0/7`));

      await cli(["directories", "set-quota", "--directory-id", ZoneId!, "--users", "2", "--data-dir", dir]);
      assert.equal((await stats()).UserQuota, 2);
      await org.CreateUser({ ZoneId: ZoneId!, UserName: "one" });
      await org.CreateUser({ ZoneId: ZoneId!, UserName: "two" });
      await expectCode(org.CreateUser({ ZoneId: ZoneId!, UserName: "three" }), "FailedOperation.UserOverUpperLimit");

      await cli(["directories", "set-quota", "--directory-id", ZoneId!, "--users", "default", "--data-dir", dir]);
      assert.equal((await stats()).UserQuota, 3);
      await org.CreateUser({ ZoneId: ZoneId!, UserName: "three" });
      await assert.rejects(cli(["directories", "set-quota", "--directory-id", "z-nope", "--users", "1", "--data-dir", dir]), /no directory z-nope/);
      await assert.rejects(cli(["directories", "set-quota", "--directory-id", ZoneId!, "--users", "lots", "--data-dir", dir]), /must be a number/);
    } finally {
      await server.stop();
    }
  });

  test("scim-credential create prints a working SCIM secret once (z- or d- id); list never shows it", async () => {
    const dir = tempDir();
    const server = await serve(["--data-dir", dir]);
    let secrets: string[] = [];
    try {
      const org = orgClient(server, parseKey(server.output()));
      await org.CreateOrganization();
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "cli-scim" });
      const zoneId = ZoneId!;
      const parseCredential = (out: string) => {
        const id = /CredentialId:\s+(scimcred-\S+)/.exec(out)?.[1];
        const secret = /Secret:\s+(\S+)/.exec(out)?.[1];
        assert.ok(id && secret, `no credential in:\n${out}`);
        return { id, secret };
      };
      const first = await cli(["scim-credential", "create", "--directory", zoneId, "--data-dir", dir]);
      const a = parseCredential(first);
      assert.match(first, /shown only this once/);
      assert.match(first, /scim\/v2/);
      assert.match(first, /synchronization of z-\S+ is off/, "a new directory's SCIM switch is off, and the command says so");
      // The Alibaba door's name for the same directory; a lifetime in days.
      const b = parseCredential(await cli(["scim-credential", "create", "--directory", zoneId.replace(/^z-/, "d-"), "--expire-days", "2", "--data-dir", dir]));
      secrets = [a.secret, b.secret];
      assert.notEqual(a.secret, b.secret);

      const listed = await cli(["scim-credential", "list", "--directory", zoneId, "--data-dir", dir]);
      assert.match(listed, new RegExp(`^${a.id}\tEnabled\t`, "m"));
      assert.match(listed, new RegExp(`^${b.id}\tEnabled\t`, "m"));
      for (const s of secrets) assert.ok(!listed.includes(s), "list shows no secret");
      // The same credentials through the vendor API's store: the directory has exactly these two, with the lifetime asked for.
      const runtime = await openRuntime({ dataDir: dir });
      try {
        const manager = (await runtime.core.directories.managerOf(zoneId))!;
        const views = await runtime.core.scimCredentials.list(manager, zoneId);
        assert.deepEqual(views.map((v) => v.credentialId).sort(), [a.id, b.id].sort());
        const viewB = views.find((v) => v.credentialId === b.id)!;
        assert.equal(viewB.expiresAt - viewB.createdAt, 2 * 24 * 3600 * 1000);
        // The printed secrets are the credentials' own: each opens a session on this directory, once sync is on.
        await runtime.core.scimCredentials.setSyncStatus(manager, zoneId, "Enabled");
        for (const [i, s] of secrets.entries()) {
          const session = await runtime.core.scimCredentials.authenticate(s);
          assert.equal(session.directoryId, zoneId);
          assert.equal(session.credentialId, [a.id, b.id][i]);
        }
        await assert.rejects(async () => runtime.core.scimCredentials.authenticate(`${a.secret}x`), /not a valid SCIM credential/);
      } finally {
        await runtime.close();
      }

      await assert.rejects(cli(["scim-credential", "create", "--directory", zoneId, "--data-dir", dir]), /at most 2 SCIM credentials/);
      await assert.rejects(cli(["scim-credential", "create", "--directory", "z-nope", "--data-dir", dir]), /no directory z-nope/);
      await assert.rejects(cli(["scim-credential", "create", "--data-dir", dir]), /needs --directory/);
      await assert.rejects(cli(["scim-credential", "create", "--directory", zoneId, "--expire-days", "soon", "--data-dir", dir]), /--expire-days must be/);
      await assert.rejects(cli(["scim-credential", "rotate", "--directory", zoneId, "--data-dir", dir]), /unknown scim-credential command/);
    } finally {
      await server.stop();
    }
    for (const s of secrets) assert.ok(!server.output().includes(s), "no SCIM secret in the server's output");
  });

  test("admin commands reject bad input with a message and exit code 1", async () => {
    const dir = tempDir();
    await assert.rejects(cli(["keys", "create", "--uin", "abc", "--data-dir", dir]), /needs --uin/);
    await assert.rejects(cli(["keys", "create", "--uin", "999", "--data-dir", dir]), /no account with UIN 999/);
    await assert.rejects(cli(["frobnicate", "--data-dir", dir]), /unknown command/);
  });

  test("SIGINT shuts down cleanly and the data survives a restart", async () => {
    const dir = tempDir();
    const first = await serve(["--data-dir", dir]);
    const key = parseKey(first.output());
    const cam = camClient(first, key);
    const inflight = Array.from({ length: 30 }, (_, i) => cam.AddUser({ Name: `u${i}` }).then(() => true, () => false));
    await new Promise((r) => setTimeout(r, 20));
    const code = await first.stop("SIGINT");
    assert.equal(code, 0);
    const done = await Promise.all(inflight);
    const second = await serve(["--data-dir", dir]);
    try {
      const names = ((await camClient(second, key).ListUsers()).Data ?? []).map((u) => u.Name);
      // Every request the server answered was fully written; none half-way.
      assert.ok(names.length >= done.filter(Boolean).length);
      for (const n of names) assert.match(n!, /^u\d+$/);
    } finally {
      await second.stop();
    }
  });

  test("--database postgres://… selects PostgreSQL", { skip: TEST_DATABASE_URL ? false : "TEST_DATABASE_URL is not set" }, async () => {
    const schema = `cli_${randomBytes(5).toString("hex")}`;
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const url = new URL(TEST_DATABASE_URL!);
      url.searchParams.set("options", `-c search_path=${schema}`);
      const server = await serve(["--data-dir", tempDir(), "--database", url.toString()]);
      try {
        assert.match(server.output(), /PostgreSQL/);
        const key = parseKey(server.output());
        await camClient(server, key).AddUser({ Name: "in-postgres" });
        const rows = await admin.query(`select name from ${schema}.sub_users`);
        assert.deepEqual(rows.rows.map((r) => r.name), ["in-postgres"]);
      } finally {
        await server.stop();
      }
    } finally {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    }
  });
});
