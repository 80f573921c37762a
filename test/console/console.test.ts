/**
 * The web console in a real browser (Debian's Chromium driven by playwright-core), on both engines:
 * sign in with the keyboard; create users and a group; provision the group into two member accounts
 * and watch both reach 100 %; see the new sub-users in a member account; a name clash KeepBoth cannot
 * resolve, its reason, a retry with TakeOver that clears it; deletion with Keep leaving the sub-users
 * unmanaged; role access made through the Tencent SDK (configuration, policies, assignment, deployment,
 * task) shown in the Access view; SCIM credentials and the synchronization switch; sign-out. What the console shows agrees with the Tencent SDK and the Alibaba client, both ways. Each journey
 * saves screenshots (CONSOLE_SCREENSHOTS names a folder to keep them in; a temporary one otherwise).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { camClient, ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { ssoTenant, type SsoTenant, zoneIdOf } from "../helpers/cloudsso.js";
import { nativeClient } from "../helpers/native.js";
import { scimClient } from "../helpers/scim.js";
import { findConsoleDir } from "../../src/server/console.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
/**
 * The browser is a system package, not an npm one: CI (.ci/run) installs and requires it; a machine
 * without it reports these tests as skipped, saying how to get it (README, "Run the tests").
 */
const MISSING_BROWSER =
  !existsSync(CHROMIUM) && process.env.OPENCIC_REQUIRE_CHROMIUM !== "1"
    ? `no Chromium at ${CHROMIUM}: install Debian's (apt-get install -y chromium) or set CHROMIUM_PATH`
    : false;
const shots = process.env.CONSOLE_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), "opencic-console-"));
mkdirSync(shots, { recursive: true });

let browser: Browser;
before(async () => {
  if (MISSING_BROWSER) return;
  // Root in CI containers: Chromium's sandbox needs user namespaces it does not get there.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
});
after(async () => {
  await browser?.close();
  if (!process.env.CONSOLE_SCREENSHOTS) rmSync(shots, { recursive: true, force: true });
});

for (const engine of ENGINES) {
  describe(`web console (${engine})`, { skip: MISSING_BROWSER }, () => {
    let server: TestServer;
    let t: SsoTenant;
    let names: Map<number, string>;
    let page: Page;
    const cspViolations: string[] = [];

    before(async () => {
      // A deletion circuit breaker that trips above one deletion, so a small group shows it.
      server = await startServer(engine, { deletionBreaker: { count: 1, percent: 10 } });
      t = await ssoTenant(server, { members: 2 });
      const members = await nativeClient(server, t.key).ok(200, "GET", "/organization/members");
      names = new Map(members.items.map((m: { uin: number; name: string }) => [m.uin, m.name]));
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      context.setDefaultTimeout(20_000);
      page = await context.newPage();
      page.on("dialog", (d) => void d.accept());
      page.on("console", (m) => {
        if (/Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
      });
    });
    after(async () => {
      await page?.context().close();
      await server?.close();
    });

    const shot = (name: string) => page.screenshot({ path: join(shots, `${engine}-${name}.png`), fullPage: true });
    const go = async (view: string) => {
      await page.getByRole("navigation", { name: "Views" }).getByRole("link", { name: view, exact: true }).click();
    };
    const row = (text: string) => page.getByRole("row").filter({ hasText: text });
    // A provisioning's own row (its plan, while reviewed, is a row below it naming the same account).
    const provisioningRow = (text: string) => page.locator("tr[data-provisioning]").filter({ hasText: text });

    test("the page comes with a strict Content-Security-Policy and the usual headers; sign-in with the keyboard", async () => {
      assert.ok(findConsoleDir(), "the console is not built: run npm run build (npm install does)");
      const res = await page.goto(server.url);
      assert.ok(res);
      const h = res.headers();
      assert.match(h["content-security-policy"] ?? "", /script-src 'self';/);
      assert.match(h["content-security-policy"] ?? "", /frame-ancestors 'none'/);
      assert.equal(h["x-content-type-options"], "nosniff");
      assert.equal(h["referrer-policy"], "no-referrer");

      await page.getByLabel("SecretId").fill(t.key.secretId);
      await page.keyboard.press("Tab");
      await page.keyboard.type(t.key.secretKey);
      await page.keyboard.press("Enter");
      await page.getByRole("region", { name: "Organization" }).getByText(names.get(t.key.uin)!).waitFor();
      // The count arrives with its own request: wait for it rather than read what shows first.
      await page.getByTestId("member-count").filter({ hasText: /^3$/ }).waitFor();
      // Nothing of the key is kept by the page: no storage, and the session cookie is not readable by scripts.
      const kept = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie }));
      assert.ok(!kept.includes(t.key.secretKey), kept);
      assert.equal(await page.evaluate(() => document.cookie), "");
      await shot("overview");
    });

    test("users and a group made in the console; users made with the Tencent SDK and the Alibaba client appear in it, and what the console made is read through both", async () => {
      await go("Users");
      for (const userName of ["alice", "bob"]) {
        const form = page.getByRole("form", { name: "Create a user" });
        await form.getByLabel("User name").fill(userName);
        await form.getByRole("button", { name: "Create user" }).click();
        await page.getByRole("status").getByText(`Created ${userName}.`).waitFor();
        await row(userName).first().waitFor();
      }
      // A refusal of the API is shown as it is: the name is taken.
      const form = page.getByRole("form", { name: "Create a user" });
      await form.getByLabel("User name").fill("alice");
      await form.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("alert").filter({ hasText: "directory.user_name_taken" }).waitFor();

      await t.org.CreateUser({ ZoneId: zoneIdOf(t.directoryId), UserName: "dora-from-sdk" });
      await t.sso.call("CreateUser", { DirectoryId: t.directoryId, UserName: "erin-from-alibaba" });
      await page.getByLabel("Search users").fill("from");
      await row("dora-from-sdk").waitFor();
      await row("erin-from-alibaba").waitFor();
      await page.getByLabel("Search users").fill("");
      const aliyunUsers = (await t.sso.call("ListUsers", { DirectoryId: t.directoryId })).Users as { UserName: string }[];
      assert.ok(aliyunUsers.some((u) => u.UserName === "alice"), "the user made in the console is read through the Alibaba client");

      await go("Groups");
      const g = page.getByRole("form", { name: "Create a group" });
      await g.getByLabel("Group name").fill("engineers");
      await g.getByRole("button", { name: "Create group" }).click();
      await page.getByRole("button", { name: "Members of engineers" }).click();
      for (const userName of ["alice", "bob"]) {
        const add = page.getByRole("form", { name: "Add a member to engineers" });
        await add.getByLabel("User to add").selectOption({ label: userName });
        await add.getByRole("button", { name: "Add member" }).click();
        await page.getByRole("button", { name: `Remove ${userName} from engineers` }).waitFor();
      }
      await row("engineers").filter({ hasText: "2" }).waitFor();

      const groups = await t.org.ListGroups({ ZoneId: zoneIdOf(t.directoryId) });
      assert.ok(groups.Groups!.some((x) => x.GroupName === "engineers"), "the group made in the console is read through the SDK");
    });

    test("the group provisioned into two member accounts: both reach 100 %; the new sub-users are in the account", async () => {
      const [a, b] = t.members as [number, number];
      await go("Provisionings");
      const form = page.getByRole("form", { name: "Provision a user or group" });
      await form.getByLabel("Principal type").selectOption("Group");
      await form.getByLabel("Group", { exact: true }).selectOption({ label: "engineers" });
      await form.getByRole("checkbox", { name: names.get(a)! }).check();
      await form.getByRole("checkbox", { name: names.get(b)! }).check();
      await form.getByRole("radio", { name: /Keep both/ }).check();
      await form.getByRole("radio", { name: /^Delete —/ }).check();
      // The plan comes first: each account gets alice and bob, under their own names.
      await form.getByRole("button", { name: "Review plan" }).click();
      const plan = form.getByRole("group", { name: "Plan of this provisioning" });
      for (const uin of [a, b]) await plan.getByText(`${names.get(uin)}`, { exact: true }).waitFor();
      assert.equal(await plan.getByRole("row").filter({ hasText: /^create\s*alice\s*alice/ }).count(), 2);
      assert.equal(await plan.getByRole("row").filter({ hasText: /^create\s*bob\s*bob/ }).count(), 2);
      await shot("plan");
      await form.getByRole("button", { name: "Provision as planned" }).click();
      for (const uin of [a, b]) await row(names.get(uin)!).getByText("100 % (2/2)").waitFor();
      await shot("provisionings");

      await go("Member accounts");
      await page.getByRole("button", { name: `Show sub-users of ${names.get(a)}` }).click();
      const subUsers = page.getByRole("region", { name: `Sub-users of ${names.get(a)}` });
      for (const userName of ["alice", "bob"]) await subUsers.getByRole("row").filter({ hasText: userName }).getByText("through group engineers").waitFor();
      await shot("member-account");
    });

    test("a name clash KeepBoth cannot resolve shows its reason; a retry with TakeOver clears it", async () => {
      const [a] = t.members as [number, number];
      const memberKey = await server.keyFor(a);
      const cam = camClient(server, memberKey);
      // The account already has both carol and the name KeepBoth would fall back to.
      await cam.AddUser({ Name: "carol" });
      await cam.AddUser({ Name: "carol_cic" });

      await go("Users");
      const form = page.getByRole("form", { name: "Create a user" });
      await form.getByLabel("User name").fill("carol");
      await form.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("status").getByText("Created carol.").waitFor();
      await go("Groups");
      await page.getByRole("button", { name: "Members of engineers" }).click();
      const add = page.getByRole("form", { name: "Add a member to engineers" });
      await add.getByLabel("User to add").selectOption({ label: "carol" });
      await add.getByRole("button", { name: "Add member" }).click();
      await page.getByRole("button", { name: "Remove carol from engineers" }).waitFor();

      await go("Provisionings");
      const failure = page.getByRole("listitem").filter({ hasText: `carol into ${names.get(a)}` });
      await failure.getByText(/carol/).first().waitFor();
      const reason = await failure.locator(".bad").textContent();
      assert.match(reason ?? "", /carol/, "the reason names the clashing sub-user");
      await row(names.get(a)!).getByText("1 failed").waitFor();
      await shot("failure");

      const retry = page.getByRole("form", { name: `Retry carol into ${names.get(a)}` });
      await retry.getByLabel("Retry carol with").selectOption("TakeOver");
      await retry.getByRole("button", { name: "Retry" }).click();
      await failure.waitFor({ state: "detached" });
      await row(names.get(a)!).getByText("100 % (3/3)").waitFor();
      const taken = (await cam.ListUsers()).Data!.find((u) => u.Name === "carol");
      assert.ok(taken, "TakeOver adopted the existing carol");
    });

    test("access by roles made with the Tencent SDK is shown: the configuration with its policies, the assignment, the deployment reaching Deployed, the task", async () => {
      const [a] = t.members as [number, number];
      const zoneId = zoneIdOf(t.directoryId);
      const groupId = (await t.org.ListGroups({ ZoneId: zoneId })).Groups!.find((g) => g.GroupName === "engineers")!.GroupId!;
      const config = (await t.org.CreateRoleConfiguration({ ZoneId: zoneId, RoleConfigurationName: "Admins", Description: "administrators", SessionDuration: 7200 })).RoleConfigurationInfo!;
      const ref = { ZoneId: zoneId, RoleConfigurationId: config.RoleConfigurationId! };
      await t.org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "System", RolePolicies: [{ PolicyId: 1 }] });
      const document = JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: ["cos:GetObject"], resource: ["*"] }] });
      await t.org.AddPermissionPolicyToRoleConfiguration({ ...ref, RolePolicyType: "Custom", RolePolicyNames: ["read-objects"], CustomPolicyDocument: document });
      await t.org.CreateRoleAssignment({ ZoneId: zoneId, RoleAssignmentInfo: [{ RoleConfigurationId: config.RoleConfigurationId!, TargetType: "MemberUin", TargetUin: a, PrincipalType: "Group", PrincipalId: groupId }] });

      await go("Access");
      const configurations = page.getByRole("region", { name: "Permission configurations" });
      await configurations.getByRole("row").filter({ hasText: "Admins" }).getByText("administrators").waitFor();
      await configurations.getByRole("button", { name: "Show policies of Admins" }).click();
      const policies = page.getByRole("region", { name: "Policies of Admins" });
      await policies.getByRole("row").filter({ hasText: "AdministratorAccess" }).getByText("system policy").waitFor();
      await policies.getByRole("row").filter({ hasText: "read-objects" }).getByText("cos:GetObject").waitFor();
      await page.getByRole("region", { name: "Assignments" }).getByRole("row").filter({ hasText: "Group engineers" }).filter({ hasText: "Admins" }).getByText(names.get(a)!).waitFor();
      const deployment = page.getByRole("region", { name: "Deployments" }).getByRole("row").filter({ hasText: "Admins" }).filter({ hasText: names.get(a)! });
      await deployment.getByText("Deployed", { exact: true }).waitFor();
      await deployment.getByText("AdministratorAccess, read-objects").waitFor();
      await page.getByRole("region", { name: "Recent access tasks" }).getByRole("row").filter({ hasText: "CreateAssignment" }).filter({ hasText: "Group engineers" }).getByText("Success", { exact: true }).waitFor();
      await shot("access");

      // The SDK reads the same state the console showed.
      const deployed = (await t.org.ListRoleConfigurationProvisionings({ ZoneId: zoneId, RoleConfigurationId: config.RoleConfigurationId!, MaxResults: 100 })).RoleConfigurationProvisionings!;
      assert.deepEqual(deployed.map((p) => [p.TargetUin, p.DeploymentStatus]), [[a, "Deployed"]]);
    });

    test("a user edited, disabled and deleted; an API key issued (its secret shown once), disabled and deleted", async () => {
      await go("Users");
      const form = page.getByRole("form", { name: "Create a user" });
      await form.getByLabel("User name").fill("frank");
      await form.getByRole("button", { name: "Create user" }).click();
      await page.getByRole("button", { name: "Edit frank" }).click();
      const edit = page.getByRole("form", { name: "Edit frank" });
      await edit.getByLabel("Display name").fill("Frank Edited");
      await edit.getByRole("button", { name: "Save" }).click();
      await row("Frank Edited").waitFor();
      await page.getByRole("button", { name: "Disable frank" }).click();
      await row("frank").getByRole("cell", { name: "Disabled", exact: true }).waitFor();
      await page.getByRole("button", { name: "Delete frank" }).click();
      await row("frank").waitFor({ state: "detached" });
      const users = await nativeClient(server, t.key).ok(200, "GET", `/directories/${zoneIdOf(t.directoryId)}/users`, { query: { search: "frank" } });
      assert.equal(users.totalCount, 0);

      await go("API keys");
      await page.getByRole("button", { name: "Issue a key" }).click();
      const issued = page.getByRole("status").filter({ has: page.locator("code") });
      // The answer arrives after the click: wait for the two codes before reading them.
      await issued.locator("code").nth(1).waitFor();
      const [secretId, secretKey] = await issued.locator("code").allTextContents();
      assert.ok(secretId && secretKey);
      await nativeClient(server, { secretId, secretKey }).ok(200, "GET", "/keys");
      await issued.getByRole("button", { name: "I have saved it" }).click();
      await issued.waitFor({ state: "detached" });
      assert.ok(!(await page.content()).includes(secretKey), "the secret is not shown again");
      await page.getByRole("button", { name: `Disable key ${secretId}` }).click();
      await page.getByRole("button", { name: `Enable key ${secretId}` }).waitFor();
      await page.getByRole("button", { name: `Delete key ${secretId}` }).click();
      await row(secretId).waitFor({ state: "detached" });
      const keys = await nativeClient(server, t.key).ok(200, "GET", "/keys");
      assert.ok(!keys.items.some((k: { secretId: string }) => k.secretId === secretId));
    });

    test("SCIM: the switch turned on, a credential issued (its token shown once, working on the SCIM door), disabled and deleted; one made with the Tencent SDK appears", async () => {
      const zoneId = zoneIdOf(t.directoryId);
      const fromSdk = (await t.org.CreateSCIMCredential({ ZoneId: zoneId })).CredentialId!;
      await go("SCIM");
      await row(fromSdk).getByRole("cell", { name: "Enabled", exact: true }).waitFor();
      const before = (await t.org.GetSCIMSynchronizationStatus({ ZoneId: zoneId })).SCIMSynchronizationStatus!;
      await page.getByTestId("scim-sync").getByText(before, { exact: true }).waitFor();
      if (before === "Enabled") {
        await page.getByRole("button", { name: "Turn synchronization off" }).click();
        await page.getByTestId("scim-sync").getByText("Disabled", { exact: true }).waitFor();
      }
      await page.getByRole("button", { name: "Turn synchronization on" }).click();
      await page.getByTestId("scim-sync").getByText("Enabled", { exact: true }).waitFor();
      assert.equal((await t.org.GetSCIMSynchronizationStatus({ ZoneId: zoneId })).SCIMSynchronizationStatus, "Enabled");

      await page.getByRole("button", { name: "Issue a SCIM credential" }).click();
      const issued = page.getByRole("status").filter({ hasText: "shown only now" });
      await issued.locator("code").nth(1).waitFor();
      const [credentialId, secret] = await issued.locator("code").allTextContents();
      assert.ok(credentialId && secret);
      const scim = scimClient(server, secret);
      assert.equal((await scim("GET", "/Users")).status, 200, "the token works on the SCIM door");
      await issued.getByRole("button", { name: "I have saved it" }).click();
      await issued.waitFor({ state: "detached" });
      assert.ok(!(await page.content()).includes(secret), "the token is not shown again");
      await shot("scim");

      await page.getByRole("button", { name: `Disable SCIM credential ${credentialId}` }).click();
      await page.getByRole("button", { name: `Enable SCIM credential ${credentialId}` }).waitFor();
      const listed = (await t.org.ListSCIMCredentials({ ZoneId: zoneId })).SCIMCredentials!;
      assert.equal(listed.find((c) => c.CredentialId === credentialId)?.Status, "Disabled");
      assert.equal((await scim("GET", "/Users")).status, 401, "a disabled credential authenticates nothing");
      await page.getByRole("button", { name: `Delete SCIM credential ${credentialId}` }).click();
      await row(credentialId).waitFor({ state: "detached" });
      assert.deepEqual((await t.org.ListSCIMCredentials({ ZoneId: zoneId })).SCIMCredentials!.map((c) => c.CredentialId), [fromSdk]);
    });

    test("deleting a provisioning with Delete: its plan shows the breaker would hold the deletions; they are held, then approved in the console", async () => {
      const [a] = t.members as [number, number];
      await go("Provisionings");
      const target = provisioningRow(names.get(a)!);
      await target.getByLabel(/When deleting group engineers into/).selectOption("Delete");
      await target.getByRole("button", { name: /Delete provisioning of group engineers into/ }).click();
      const plan = page.getByRole("group", { name: `Plan of deleting group engineers into ${names.get(a)}` });
      for (const userName of ["alice", "bob", "carol"]) await plan.getByRole("row").filter({ hasText: new RegExp(`^hold for approval\\s*${userName}`) }).waitFor();
      await shot("plan-delete");
      await page.getByRole("button", { name: `Confirm: delete provisioning of group engineers into ${names.get(a)}` }).click();
      const held = page.getByRole("region", { name: "Held deletions" });
      await held.getByText(/3 sub-user deletions in/).waitFor();
      // The failures list names the hold too, and sends the reader to the section that decides it (no retry there).
      const heldFailure = page.getByRole("listitem").filter({ hasText: "held by the deletion circuit breaker" });
      await heldFailure.getByText("Approve or reject them under Held deletions.").waitFor();
      assert.equal(await heldFailure.getByRole("button", { name: "Retry" }).count(), 0);
      await shot("held-deletions");
      const cam = camClient(server, await server.keyFor(a));
      assert.deepEqual((await cam.ListUsers()).Data!.map((u) => u.Name).sort(), ["alice", "bob", "carol", "carol_cic"], "nothing is deleted while held");
      await held.getByRole("button", { name: `Approve 3 deletions in ${names.get(a)}` }).click();
      await held.waitFor({ state: "detached" });
      await target.waitFor({ state: "detached" });
      assert.deepEqual((await cam.ListUsers()).Data!.map((u) => u.Name).sort(), ["carol_cic"], "approved: exactly the held sub-users are deleted");
    });

    test("deleting a provisioning with Keep leaves its sub-users, unmanaged; sign-out ends the session", async () => {
      const [, b] = t.members as [number, number];
      await go("Provisionings");
      const target = provisioningRow(names.get(b)!);
      await target.getByLabel(/When deleting group engineers into/).selectOption("Keep");
      await target.getByRole("button", { name: /Delete provisioning of group engineers into/ }).click();
      const plan = page.getByRole("group", { name: `Plan of deleting group engineers into ${names.get(b)}` });
      for (const userName of ["alice", "bob", "carol"]) await plan.getByRole("row").filter({ hasText: new RegExp(`^keep, unmanaged\\s*${userName}`) }).waitFor();
      await page.getByRole("button", { name: `Confirm: delete provisioning of group engineers into ${names.get(b)}` }).click();
      await target.waitFor({ state: "detached" });

      await go("Member accounts");
      await page.getByRole("button", { name: `Show sub-users of ${names.get(b)}` }).click();
      const subUsers = page.getByRole("region", { name: `Sub-users of ${names.get(b)}` });
      for (const userName of ["alice", "bob", "carol"]) await subUsers.getByRole("row").filter({ hasText: userName }).getByText("unmanaged").waitFor();
      const kept = (await camClient(server, await server.keyFor(b)).ListUsers()).Data!.map((u) => u.Name).sort();
      assert.deepEqual(kept, ["alice", "bob", "carol"], "the SDK reads the sub-users the console kept");
      await shot("kept-unmanaged");

      // At phone width the page still fits: wide tables scroll inside their own box.
      await page.setViewportSize({ width: 390, height: 844 });
      await go("Provisionings");
      await page.getByRole("region", { name: "Provisionings" }).waitFor();
      assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), "no sideways scrolling at phone width");
      await shot("phone");
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole("button", { name: "Sign out" }).click();
      await page.getByRole("form", { name: "Sign in" }).waitFor();
      await page.reload();
      await page.getByRole("form", { name: "Sign in" }).waitFor();
      assert.deepEqual(cspViolations, [], "the console runs under its Content-Security-Policy");
    });
  });
}
