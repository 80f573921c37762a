/**
 * Microsoft's SCIM validation collection (AzureAD/SCIMReferenceCode's PostmanCollection.json, MIT,
 * kept in ../shared/conformance/scim beside the repository), run through newman against a real
 * server on each engine, as an identity provider would reach it: over HTTP with a bearer credential.
 *
 * The collection is data and is not copied into the project. Two things are changed in the copy
 * that runs, both because the collection itself is wrong (ARCHITECTURE.md, "SCIM conformance"):
 * its "Get Token" folder (a JWT helper of Microsoft's sample server, not SCIM) is left out, and its
 * one request to `/serviceConfiguration` goes to `/ServiceProviderConfig`, RFC 7644 §4's path.
 *
 * Every assertion the collection's scripts declare must pass, except those in ALLOWED_FAILURES,
 * each of which must fail (an entry that passes is stale) and be written in ARCHITECTURE.md.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import newman, { type NewmanRunSummary } from "newman";
import { ENGINES, orgClient, startServer, type TestServer } from "../helpers/harness.js";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const COLLECTION_FILE =
  process.env.OPENCIC_SCIM_COLLECTION ?? fileURLToPath(new URL("../shared/conformance/scim/PostmanCollection.json", new URL("../../", import.meta.url)));
/**
 * The collection is data kept beside the repository, not in it. CI (.ci/run) requires it; a clone on a
 * machine without it reports this file's test as skipped, saying where to put it (README).
 */
const MISSING_COLLECTION =
  !existsSync(COLLECTION_FILE) && process.env.OPENCIC_REQUIRE_SCIM_COLLECTION !== "1"
    ? `Microsoft's SCIM validation collection is not at ${COLLECTION_FILE}: set OPENCIC_SCIM_COLLECTION to its PostmanCollection.json (README, "Check an endpoint")`
    : false;
const ARCHITECTURE = `${REPO}ARCHITECTURE.md`;

/** An assertion of the collection this project judges wrong, with the RFC section that says so. */
interface AllowedFailure {
  /** "<folder>/<request name>", with " #2" for the second request of that name in the folder. */
  request: string;
  assertion: string;
  /** The HTTP status the request must have got: it fails for this reason, not another. */
  status: number;
  rfc: string;
}

/**
 * Kept in step with ARCHITECTURE.md ("SCIM conformance"): the test fails if an entry is missing
 * there, if an entry's assertion passes, or if its request got another status.
 */
export const ALLOWED_FAILURES: AllowedFailure[] = [
  // A successful PATCH may answer 200 with the resource (users: Okta needs the body) or 204.
  { request: "User tests with garbage/Patch user omalley new username", assertion: "Status code is 204", status: 200, rfc: "RFC 7644 §3.5.2" },
  { request: "User tests with garbage/patch user omalley active with boolean", assertion: "Status code is 204", status: 200, rfc: "RFC 7644 §3.5.2" },
  // Filter comparison values are JSON: a string is quoted (`userName sw "O"`); a bare word is invalidFilter.
  { request: "User tests with garbage/filter eq and (val or val)", assertion: "Total results", status: 400, rfc: "RFC 7644 §3.4.2.2" },
  { request: "User tests with garbage/filter starts with", assertion: "Total results", status: 400, rfc: "RFC 7644 §3.4.2.2" },
  { request: "User tests with garbage/filter greater than", assertion: "Total results", status: 400, rfc: "RFC 7644 §3.4.2.2" },
  // `"value": "string id 1"`: adding to a complex attribute takes sub-attributes ({"value": "<user id>"}).
  { request: "Group tests with garbage/Group patch add member", assertion: "Status code is 204", status: 400, rfc: "RFC 7644 §3.5.2.1" },
  { request: "Group tests with garbage/Group patch add member2", assertion: "Status code is 204", status: 400, rfc: "RFC 7644 §3.5.2.1" },
  // A member's sub-attributes are value, $ref and type: the "displayName" the PATCH sent inside one is no attribute to echo.
  { request: "Group tests/Get group by id", assertion: "Body contians user", status: 200, rfc: "RFC 7643 §4.2" },
];

// ---------------------------------------------------------------------------------------------
// The collection as it runs here.

interface JsonItem {
  name: string;
  item?: JsonItem[];
  request?: { url: { raw: string; path?: string[] } | string };
  event?: { listen: string; script: { exec: string[] } }[];
}

interface PlannedRequest {
  /** "<folder>/<name>" (top-level requests: "<name>"), " #n" from the second of a name in a folder on. */
  key: string;
  name: string;
  /** The assertions its test script declares, in order (pm.test names). */
  assertions: string[];
}

const SKIPPED_FOLDER = "Get Token";

function loadCollection(): { collection: { item: JsonItem[] } & Record<string, unknown>; plan: PlannedRequest[] } {
  assert.ok(existsSync(COLLECTION_FILE), `the SCIM validation collection is not at ${COLLECTION_FILE} (shared/ must sit beside the repository)`);
  const collection = JSON.parse(readFileSync(COLLECTION_FILE, "utf8")) as { item: JsonItem[] } & Record<string, unknown>;
  const before = collection.item.length;
  collection.item = collection.item.filter((i) => !(i.item && i.name === SKIPPED_FOLDER));
  assert.equal(collection.item.length, before - 1, `the collection has no "${SKIPPED_FOLDER}" folder any more`);

  const plan: PlannedRequest[] = [];
  let corrected = 0;
  const walk = (items: JsonItem[], folder: string) => {
    const seen = new Map<string, number>();
    for (const item of items) {
      if (item.item) {
        walk(item.item, `${folder}${item.name}/`);
        continue;
      }
      const url = item.request!.url;
      if (typeof url === "object" && url.raw.endsWith("/serviceConfiguration")) {
        url.raw = url.raw.replace(/\/serviceConfiguration$/, "/ServiceProviderConfig");
        url.path = url.path?.map((p) => (p === "serviceConfiguration" ? "ServiceProviderConfig" : p));
        corrected++;
      }
      const n = (seen.get(item.name) ?? 0) + 1;
      seen.set(item.name, n);
      const script = (item.event ?? []).filter((e) => e.listen === "test").flatMap((e) => e.script.exec).join("\n");
      const assertions = [...script.matchAll(/pm\.test\(\s*"([^"]+)"/g)].map((m) => m[1]!);
      plan.push({ key: `${folder}${item.name}${n > 1 ? ` #${n}` : ""}`, name: item.name, assertions });
    }
  };
  walk(collection.item, "");
  assert.equal(corrected, 1, "expected exactly one request to /serviceConfiguration to correct");
  return { collection, plan };
}

// ---------------------------------------------------------------------------------------------
// Running it and reading the outcome.

interface Outcome {
  key: string;
  assertion: string;
  passed: boolean;
  /** Why it failed: the assertion's message, or why it never ran. */
  detail?: string;
}

interface RequestReport {
  key: string;
  method: string;
  url: string;
  status?: number;
  body?: string;
  requestError?: string;
  scriptErrors: string[];
}

function runNewman(collection: object, server: TestServer, token: string): Promise<NewmanRunSummary> {
  const [host, port] = server.endpoint.split(":");
  return new Promise((resolve, reject) => {
    newman.run(
      {
        collection: collection as never,
        envVar: [
          { key: "Protocol", value: "http" },
          { key: "Server", value: host! },
          { key: "Port", value: `:${port}` },
          { key: "Api", value: "scim/v2" },
          { key: "token", value: token },
        ],
        reporters: [],
        timeoutRequest: 15_000,
        timeout: 240_000,
      },
      (err, summary) => (err ? reject(err) : resolve(summary)),
    );
  });
}

/** Every declared assertion with its result, in collection order, and what each request got. */
function outcomes(plan: PlannedRequest[], summary: NewmanRunSummary): { results: Outcome[]; requests: RequestReport[] } {
  const executions = summary.run.executions;
  assert.equal(executions.length, plan.length, `newman ran ${executions.length} requests, the collection has ${plan.length}`);
  const results: Outcome[] = [];
  const requests: RequestReport[] = [];
  executions.forEach((execution, i) => {
    const planned = plan[i]!;
    assert.equal(execution.item.name, planned.name, `request ${i} ran out of order`);
    const ref = (execution.cursor as { ref?: string }).ref;
    // Errors thrown by a script (outside any pm.test), e.g. a body that is not JSON where the script parses one.
    const scriptErrors = summary.run.failures
      .filter((f) => (f.cursor as { ref?: string }).ref === ref && !f.error.test && f.at !== "assertion")
      .map((f) => `${f.at}: ${f.error.name}: ${f.error.message}`);
    const exec = execution as unknown as { requestError?: { message: string }; response?: { code: number; text(): string } };
    const url = execution.request?.url?.toString() ?? "";
    requests.push({
      key: planned.key,
      method: execution.request?.method ?? "",
      url,
      status: exec.response?.code,
      body: exec.response?.text().slice(0, 400),
      requestError: exec.requestError?.message,
      scriptErrors,
    });
    const ran = execution.assertions ?? [];
    planned.assertions.forEach((name, j) => {
      // Matched by position among same-named assertions (one script may declare a name twice).
      const same = ran.filter((a) => a.assertion === name);
      const nth = planned.assertions.slice(0, j).filter((n) => n === name).length;
      const a = same[nth];
      if (!a) {
        results.push({ key: planned.key, assertion: name, passed: false, detail: `not run (${[exec.requestError?.message, ...scriptErrors].filter(Boolean).join("; ") || "its script stopped before it"})` });
      } else {
        results.push({ key: planned.key, assertion: name, passed: !a.error && !a.skipped, detail: a.error?.message ?? (a.skipped ? "skipped" : undefined) });
      }
    });
    for (const e of scriptErrors) results.push({ key: planned.key, assertion: "(script error)", passed: false, detail: e });
  });
  return { results, requests };
}

function describeFailures(failures: Outcome[], requests: RequestReport[]): string {
  return failures
    .map((f) => {
      const r = requests.find((x) => x.key === f.key);
      const got = r ? `${r.method} ${r.url} → ${r.requestError ?? r.status}${r.body ? ` ${r.body}` : ""}` : "";
      return `- ${f.key} › ${f.assertion}: ${f.detail ?? ""}\n    ${got}`;
    })
    .join("\n");
}

// ---------------------------------------------------------------------------------------------

for (const engine of ENGINES) {
  describe(`SCIM validation collection through newman (${engine})`, { skip: MISSING_COLLECTION }, () => {
    let server: TestServer;
    let token: string;
    before(async () => {
      server = await startServer(engine);
      // The collection needs an empty directory whose SCIM synchronisation is on, and a credential for it:
      // made as an operator makes them, through the official SDK.
      const org = orgClient(server, server.root);
      await org.CreateOrganization();
      const { ZoneId } = await org.OpenIdentityCenter({ ZoneName: "scim-conformance" });
      await org.UpdateSCIMSynchronizationStatus({ ZoneId: ZoneId!, SCIMSynchronizationStatus: "Enabled" });
      token = (await org.CreateSCIMCredential({ ZoneId: ZoneId! })).CredentialSecret!;
      assert.ok(token);
    });
    after(() => server?.close());

    test("every assertion passes but the allow-listed ones, which fail and are written in ARCHITECTURE.md", async () => {
      const { collection, plan } = loadCollection();
      const declared = plan.reduce((n, p) => n + p.assertions.length, 0);
      assert.ok(declared >= 100, `only ${declared} assertions found in the collection's scripts`);

      const summary = await runNewman(collection, server, token);
      const { results, requests } = outcomes(plan, summary);
      assert.equal(results.filter((r) => r.assertion !== "(script error)").length, declared);

      const allowed = (r: Outcome) => ALLOWED_FAILURES.some((a) => a.request === r.key && a.assertion === r.assertion);
      const unexpected = results.filter((r) => !r.passed && !allowed(r));
      assert.deepEqual(unexpected, [], `${unexpected.length} of ${declared} assertions failed:\n${describeFailures(unexpected, requests)}`);

      const otherwise = ALLOWED_FAILURES.filter((a) => requests.find((r) => r.key === a.request)?.status !== a.status);
      assert.deepEqual(
        otherwise.map((a) => `${a.request}: expected to fail with HTTP ${a.status}, got ${requests.find((r) => r.key === a.request)?.status}`),
        [],
        "allow-listed assertions that failed for another reason than the listed one",
      );
      const stale = ALLOWED_FAILURES.filter((a) => results.some((r) => r.key === a.request && r.assertion === a.assertion && r.passed));
      assert.deepEqual(stale, [], "allow-listed assertions that pass now: remove them from the list and from ARCHITECTURE.md");
      const unknown = ALLOWED_FAILURES.filter((a) => !results.some((r) => r.key === a.request && r.assertion === a.assertion));
      assert.deepEqual(unknown, [], "allow-listed assertions the collection does not have");

      const architecture = readFileSync(ARCHITECTURE, "utf8");
      const section = /## SCIM conformance\n[\s\S]*?(?=\n## |$)/.exec(architecture)?.[0] ?? "";
      assert.ok(section, 'ARCHITECTURE.md has no "## SCIM conformance" section');
      for (const a of ALLOWED_FAILURES) {
        const row = section.split("\n").find((line) => line.startsWith(`| ${a.request} | ${a.assertion} |`));
        assert.ok(row?.includes(a.rfc), `ARCHITECTURE.md has no row "| ${a.request} | ${a.assertion} | …" citing ${a.rfc}`);
      }
      if (ALLOWED_FAILURES.length === 0) assert.match(section, /allow-list[^\n]*: none/i);
    });
  });
}
