/**
 * The directory's SCIM side through /api/v1: credentials (the secret shown once, and it works on the
 * SCIM door), disabling, deletion, the two-credential limit, the synchronization switch; each read
 * the same through tencentcloud-sdk-nodejs. Another tenant's directory names nothing (404).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { ssoTenant, type SsoTenant, zoneIdOf } from "../helpers/cloudsso.js";
import { type NativeClient, nativeClient, refused } from "../helpers/native.js";
import { scimClient } from "../helpers/scim.js";

for (const engine of ENGINES) {
  describe(`native API: SCIM credentials and synchronization (${engine})`, () => {
    let server: TestServer;
    let t: SsoTenant;
    let api: NativeClient;
    let zoneId: string;
    let dir: string;

    before(async () => {
      server = await startServer(engine);
      t = await ssoTenant(server);
      api = nativeClient(server, t.key);
      zoneId = zoneIdOf(t.directoryId);
      dir = `/directories/${zoneId}/scim`;
    });
    after(() => server?.close());

    test("a credential issued with its secret once, usable while synchronization is on, disabled, deleted; the SDK reads the same", async () => {
      assert.deepEqual(await api.ok(200, "GET", `${dir}/credentials`), { items: [], totalCount: 0 });
      const issued = await api.ok(201, "POST", `${dir}/credentials`, { body: { lifetimeSeconds: 7200 } });
      assert.equal(issued.status, "Enabled");
      assert.equal(typeof issued.secret, "string");
      assert.equal(Date.parse(issued.expiresAt) - Date.parse(issued.createdAt), 7200 * 1000);
      const listed = await api.ok(200, "GET", `${dir}/credentials`);
      assert.deepEqual(listed.items.map((c: { credentialId: string }) => c.credentialId), [issued.credentialId]);
      assert.ok(!JSON.stringify(listed).includes(issued.secret), "the secret is not listed");
      const viaSdk = (await t.org.ListSCIMCredentials({ ZoneId: zoneId })).SCIMCredentials!;
      assert.deepEqual(viaSdk.map((c) => [c.CredentialId, c.Status]), [[issued.credentialId, "Enabled"]]);

      const scim = scimClient(server, issued.secret);
      await api.ok(200, "PUT", `${dir}/synchronization`, { body: { status: "Disabled" } });
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: zoneId })).SCIMSynchronizationStatus, "Disabled");
      assert.notEqual((await scim("GET", "/Users")).status, 200, "synchronization off: the SCIM door refuses");
      assert.deepEqual(await api.ok(200, "PUT", `${dir}/synchronization`, { body: { status: "Enabled" } }), { status: "Enabled" });
      assert.deepEqual(await api.ok(200, "GET", `${dir}/synchronization`), { status: "Enabled" });
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: zoneId })).SCIMSynchronizationStatus, "Enabled");
      await t.org.UpdateSCIMSynchronizationStatus({ ZoneId: zoneId, SCIMSynchronizationStatus: "Disabled" });
      assert.deepEqual(await api.ok(200, "GET", `${dir}/synchronization`), { status: "Disabled" }, "a change through the SDK is read here");
      await api.ok(200, "PUT", `${dir}/synchronization`, { body: { status: "Enabled" } });
      // The door may keep a session for up to a second (SCIM_SESSION_TTL_MS) after a switch in another process; here it is this one.
      assert.equal((await scim("GET", "/Users")).status, 200, "the secret works on the SCIM door");

      const disabled = await api.ok(200, "PATCH", `${dir}/credentials/${issued.credentialId}`, { body: { status: "Disabled" } });
      assert.equal(disabled.status, "Disabled");
      assert.equal((await t.org.ListSCIMCredentials({ ZoneId: zoneId })).SCIMCredentials![0]!.Status, "Disabled");
      assert.equal((await scim("GET", "/Users")).status, 401, "a disabled credential authenticates nothing");

      await api.ok(201, "POST", `${dir}/credentials`);
      await refused(server, 409, "scim.credential_quota", () => api.call("POST", `${dir}/credentials`));
      await refused(server, 400, "request.invalid_value", () => api.call("POST", `${dir}/credentials`, { body: { lifetimeSeconds: 60 } }), "lifetimeSeconds");
      await refused(server, 400, "request.invalid_value", () => api.call("PUT", `${dir}/synchronization`, { body: { status: "On" } }), "status");

      await api.ok(204, "DELETE", `${dir}/credentials/${issued.credentialId}`);
      await refused(server, 404, "scim.credential_not_found", () => api.call("DELETE", `${dir}/credentials/${issued.credentialId}`));
      assert.equal((await api.ok(200, "GET", `${dir}/credentials`)).totalCount, 1);
      assert.equal((await t.org.ListSCIMCredentials({ ZoneId: zoneId })).TotalCounts, 1);
    });

    test("another tenant's directory names nothing, and changes nothing", async () => {
      const other = nativeClient(server, (await ssoTenant(server)).key);
      await refused(server, 404, "directory.not_found", () => other.call("GET", `${dir}/credentials`));
      await refused(server, 404, "directory.not_found", () => other.call("POST", `${dir}/credentials`));
      await refused(server, 404, "directory.not_found", () => other.call("PUT", `${dir}/synchronization`, { body: { status: "Disabled" } }));
      const mine = (await api.ok(200, "GET", `${dir}/credentials`)).items[0].credentialId;
      await refused(server, 404, "directory.not_found", () => other.call("DELETE", `${dir}/credentials/${mine}`));
    });
  });
}
