/**
 * The console's Timeline view in a real browser (Debian's Chromium through playwright-core), on both
 * engines. The world is made through the Tencent SDK: a hand-made CAM sub-user "alice" in a member
 * account, users alice and bob in group G, G provisioned into that account with KeepBoth and Delete,
 * then bob removed from G. The console then answers "why does alice_cic exist" from the account's
 * sub-user list, and "why was bob deleted" from the timeline's own filters; the provisioning's and the
 * user's timelines are one link away. Last, with the provisioning's circuit breaker at zero, alice
 * leaves G: her timeline shows the held deletion, one link from the held set to decide on.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { settled, ssoTenant, type SsoTenant, until, zoneIdOf } from "../helpers/cloudsso.js";
import { nativeClient } from "../helpers/native.js";
import { findConsoleDir } from "../../src/server/console.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const MISSING_BROWSER =
  !existsSync(CHROMIUM) && process.env.OPENCIC_REQUIRE_CHROMIUM !== "1"
    ? `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`
    : false;

let browser: Browser;
before(async () => {
  if (MISSING_BROWSER) return;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(() => browser?.close());

for (const engine of ENGINES) {
  describe(`console timeline (${engine})`, { skip: MISSING_BROWSER }, () => {
    let server: TestServer;
    let t: SsoTenant;
    let page: Page;
    let x: number;
    let xName: string;
    let provisioningId: string;
    let zoneId: string;
    let groupId: string;
    const ids: Record<string, string> = {};

    before(async () => {
      assert.ok(findConsoleDir(), "the console is not built: run npm run build (npm install does)");
      server = await startServer(engine);
      t = await ssoTenant(server, { members: 1 });
      x = t.members[0]!;
      zoneId = zoneIdOf(t.directoryId);
      const cam = camClient(server, await server.keyFor(x));
      await cam.AddUser({ Name: "alice", Remark: "hand-made" });
      const group = (await t.org.CreateGroup({ ZoneId: zoneId, GroupName: "G" })).GroupInfo!;
      groupId = group.GroupId!;
      for (const name of ["alice", "bob"]) {
        ids[name] = (await t.org.CreateUser({ ZoneId: zoneId, UserName: name, Email: `${name}@example.com` })).UserInfo!.UserId!;
        await t.org.AddUserToGroup({ ZoneId: zoneId, GroupId: group.GroupId!, UserId: ids[name]! });
      }
      const created = await t.org.CreateUserSyncProvisioning({
        ZoneId: zoneId,
        UserSyncProvisionings: [{ PrincipalId: group.GroupId, PrincipalType: "Group", TargetUin: x, TargetType: "MemberUin", DuplicationStrategy: "KeepBoth", DeletionStrategy: "Delete" }],
      });
      provisioningId = created.Tasks![0]!.UserProvisioningId!;
      assert.equal(await settled(t.org, zoneId, created.Tasks![0]!.TaskId!), "Success");
      await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: group.GroupId!, UserId: ids.bob! });
      await until(async () => !((await cam.ListUsers()).Data ?? []).some((u) => u.Name === "bob"), "bob's sub-user to go");
      const members = await nativeClient(server, t.key).ok(200, "GET", "/organization/members");
      xName = members.items.find((m: { uin: number }) => m.uin === x).name;

      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      page = await context.newPage();
      await page.goto(server.url);
      await page.getByLabel("SecretId").fill(t.key.secretId);
      await page.getByLabel("SecretKey").fill(t.key.secretKey);
      await page.keyboard.press("Enter");
      await page.getByRole("navigation", { name: "Views" }).waitFor();
    });
    after(async () => {
      await page?.context().close();
      await server?.close();
    });

    const decisions = () => page.getByRole("list", { name: "Decisions" });

    test("why does alice_cic exist: from the account's sub-users to its timeline", async () => {
      await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Member accounts", exact: true }).click();
      await page.getByRole("button", { name: `Show sub-users of ${xName}` }).click();
      await page.getByRole("link", { name: "Timeline of alice_cic" }).click();
      const created = decisions().getByRole("listitem").filter({ hasText: "Created" });
      await created.getByText(/for directory user alice by provisioning up-\S+ through group G, with DuplicationStrategy KeepBoth, because "alice" was taken by a hand-made sub-user/).waitFor();
      assert.equal(await decisions().getByRole("listitem").count(), 1, "alice_cic has one decision: its creation");
      assert.match(page.url(), new RegExp(`#/timeline\\?accountUin=${x}&subUserUin=\\d+$`));
    });

    test("why was bob deleted: the timeline's filters, account and sub-user name", async () => {
      const form = page.getByRole("form", { name: "Timeline filters" });
      await form.getByLabel("Account", { exact: true }).selectOption({ value: String(x) });
      await form.getByLabel("Sub-user name (in that account)").fill("bob");
      await form.getByRole("button", { name: "Show decisions" }).click();
      const items = decisions().getByRole("listitem");
      await items.filter({ hasText: "Deleted" }).getByText(/Deleted sub-user "bob" .* because bob left group G; DeletionStrategy Delete\./).waitFor();
      assert.equal(await items.count(), 2, "deleted, and before it created");
      assert.match((await items.nth(1).textContent()) ?? "", /Created sub-user "bob"/);
      assert.match(page.url(), /subUserName=bob/);
    });

    test("the provisioning's and the user's timelines are one link away", async () => {
      await decisions().getByRole("link", { name: `All of ${provisioningId}` }).first().click();
      const items = decisions().getByRole("listitem");
      await items.filter({ hasText: /Updated|Deleted/ }).first().waitFor();
      assert.equal(await items.count(), 3, "alice_cic created, bob created, bob deleted");
      await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: "Users", exact: true }).click();
      await page.getByRole("link", { name: "Timeline of alice" }).click();
      await decisions().getByText(/because "alice" was taken by a hand-made sub-user/).waitFor();
    });

    test("a held deletion shows on the sub-user's timeline, one link from the held set", async () => {
      const api = nativeClient(server, t.key);
      await api.ok(200, "PATCH", `/directories/${zoneId}/provisionings/${provisioningId}`, { body: { deletionBreaker: { count: 0, percent: 0 } } });
      await t.org.RemoveUserFromGroup({ ZoneId: zoneId, GroupId: groupId, UserId: ids.alice! });
      await until(async () => (await api.ok(200, "GET", `/directories/${zoneId}/held-deletions`)).items.length === 1, "alice's deletion to be held");
      // The console's own address for her timeline, as a link would open it (no reload: the session stays signed in).
      await page.evaluate((hash) => (window.location.hash = hash), `#/timeline?userId=${ids.alice}`);
      const held = decisions().getByRole("listitem").filter({ hasText: "Deletion held" });
      await held.getByText(/Held the deletion of sub-user "alice_cic" .* \(alice left group G\): the deletion circuit breaker tripped/).waitFor();
      // The page says whose decisions these are by name, not by id.
      await page.getByText("Decisions about directory user alice.").waitFor();
      if (process.env.CONSOLE_SCREENSHOTS) await page.screenshot({ path: `${process.env.CONSOLE_SCREENSHOTS}/timeline-held-${engine}.png`, fullPage: true });
      await held.getByRole("link", { name: "Review the held deletions" }).click();
      await page.getByRole("button", { name: `Approve 1 deletion in ${xName}` }).waitFor();
      assert.match(page.url(), /#\/provisionings$/);
    });
  });
}
