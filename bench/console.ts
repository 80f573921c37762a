/**
 * The web console, measured with the browser the console tests use (Debian's Chromium through
 * playwright-core), against a full-stack server in process on SQLite with the worker's default
 * settings, over loopback:
 * - first load: a fresh browser context each run (empty HTTP cache) holding a signed-in session
 *   cookie, from navigation to `/` until the overview shows the organization's member count;
 * - the JavaScript that load fetched, gzipped (what a compressing proxy would send);
 * - progress: with the provisionings view open, AddUserToGroup through the Tencent SDK into a
 *   provisioned group, until the page shows the provisioning's new total, and until it shows it
 *   complete (the sub-user made in the member account).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { chromium, type Page } from "playwright-core";
import tencentcloud from "tencentcloud-sdk-nodejs";
import { openRuntime } from "../src/runtime.js";
import { buildApp } from "../src/server/app.js";
import { parseRateLimits } from "../src/server/rate-limit.js";

export interface ConsoleBenchResult {
  loads: number[];
  /** Scripts the first load fetched: their count, raw bytes and gzipped bytes. */
  scripts: number;
  jsBytes: number;
  jsGzipBytes: number;
  /** AddUserToGroup answered → the page shows the provisioning's new total; → the page shows it complete. */
  seen: number[];
  complete: number[];
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
export const summary = (xs: number[]) => ({ median: median(xs), max: Math.max(...xs), min: Math.min(...xs) });

/** The Chromium the console benchmark drives (Debian's by default, as the console tests). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

export async function benchConsole(loadRuns = 9, changes = 10): Promise<ConsoleBenchResult> {
  // The browser first: without one, nothing is left behind.
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ["--no-sandbox"] });
  const dataDir = mkdtempSync(join(tmpdir(), "opencic-console-bench-"));
  const rt = await openRuntime({ dataDir });
  const app = await buildApp({ core: rt.core, rateLimits: parseRateLimits("off", {}) });
  try {
    const { core } = rt;
    await app.listen({ host: "127.0.0.1", port: 0 });
    const address = app.server.address();
    if (!address || typeof address !== "object") throw new Error("no address");
    const url = `http://127.0.0.1:${address.port}/`;
    core.worker.start();

    const root = (await core.accounts.bootstrap())!;
    const caller = { accountUin: root.accountUin, principalUin: root.accountUin, isSubUser: false };
    await core.organizations.create(caller);
    const { org } = (await core.organizations.findMembership(root.accountUin))!;
    const target = await core.organizations.createMember(caller, { name: "m0", accountName: "m0", policyType: "Financial", permissionIds: [1, 2, 7], nodeId: org.root_node_id });
    await core.organizations.createMember(caller, { name: "m1", accountName: "m1", policyType: "Financial", permissionIds: [1, 2, 7], nodeId: org.root_node_id });
    const zone = await core.directories.open(caller, "console");
    const dir = zone.directoryId;
    const group = await core.groups.create(caller, dir, { groupName: "engineers" });
    for (const userName of ["alice", "bob"]) {
      const { user } = await core.users.create(caller, dir, { userName });
      await core.groups.addMember(caller, dir, group.groupId, user.userId);
    }
    await core.provisionings.create(caller, dir, [{ principalType: "Group", principalId: group.groupId, targetType: "MemberUin", targetUin: target }], { duplicateSuffix: "_cic" });

    // One sign-in; each run's fresh context gets the session cookie (sign-in attempts are rate-limited).
    const signIn = await browser.newContext();
    const res = await signIn.request.post(`${url}api/v1/session`, { data: { secretId: root.secretId, secretKey: root.secretKey } });
    if (!res.ok()) throw new Error(`sign-in: ${res.status()} ${await res.text()}`);
    const cookies = await signIn.cookies();
    await signIn.close();

    const newPage = async (onScript?: (body: Buffer) => void): Promise<{ page: Page; close(): Promise<void> }> => {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      await context.addCookies(cookies);
      const page = await context.newPage();
      if (onScript) page.on("response", (r) => void (r.request().resourceType() === "script" ? r.body().then(onScript, () => undefined) : undefined));
      return { page, close: () => context.close() };
    };

    const loads: number[] = [];
    let scripts: Buffer[] = [];
    for (let i = 0; i < loadRuns + 1; i++) {
      const bodies: Buffer[] = [];
      const { page, close } = await newPage((b) => bodies.push(b));
      const t0 = performance.now();
      await page.goto(`${url}#/overview`);
      await page.waitForFunction(() => /^\d+$/.test(document.querySelector("[data-testid=member-count]")?.textContent ?? ""), undefined, { polling: "raf" });
      const ms = performance.now() - t0;
      if (i > 0) loads.push(ms); // the first run warms the server's own caches (file reads, prepared statements), not the browser's
      scripts = bodies;
      await close();
    }
    const jsBytes = scripts.reduce((n, b) => n + b.length, 0);
    const jsGzipBytes = scripts.reduce((n, b) => n + gzipSync(b).length, 0);

    const sdk = new tencentcloud.organization.v20210331.Client({ credential: { secretId: root.secretId, secretKey: root.secretKey }, region: "", profile: { httpProfile: { endpoint: `127.0.0.1:${address.port}`, protocol: "http://" } } });
    const zoneId = dir.replace(/^d-/, "z-");
    const { page, close } = await newPage();
    await page.goto(`${url}#/provisionings`);
    const shows = (text: string) => page.waitForFunction((t) => document.querySelector("[data-provisioning]")?.textContent?.includes(t) ?? false, text, { polling: "raf", timeout: 30_000 });
    await shows("100 % (2/2)");
    const seen: number[] = [];
    const complete: number[] = [];
    for (let i = 0; i < changes; i++) {
      const userId = (await sdk.CreateUser({ ZoneId: zoneId, UserName: `late${i}` })).UserInfo!.UserId!;
      const total = 3 + i;
      // Changes land at random moments relative to the page's polling, as real ones do.
      await new Promise((r) => setTimeout(r, Math.random() * 1000));
      const t0 = performance.now();
      await sdk.AddUserToGroup({ ZoneId: zoneId, GroupId: group.groupId, UserId: userId });
      await shows(`/${total})`);
      seen.push(performance.now() - t0);
      await shows(`100 % (${total}/${total})`);
      complete.push(performance.now() - t0);
    }
    await close();
    return { loads, scripts: scripts.length, jsBytes, jsGzipBytes, seen, complete };
  } finally {
    await browser.close();
    await app.close();
    await rt.core.worker.stop();
    await rt.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
