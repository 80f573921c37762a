/**
 * SCIM lists over real HTTP, on each engine: filters compiled to SQL and evaluated in memory (the
 * same answers either way), paging by index and by cursor (RFC 9865), sorting, projections, and
 * POST /.search.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { assertScimError, LIST, newGroup, newTenant, newUser, type Tenant } from "../helpers/scim.js";

const q = (filter: string, extra = "") => `/Users?filter=${encodeURIComponent(filter)}${extra}`;
const ids = (body: { Resources: { id: string }[] }) => body.Resources.map((r) => r.id);

for (const engine of ENGINES) {
  describe(`SCIM lists (${engine})`, () => {
    let server: TestServer;
    let t: Tenant;
    /** userName → id, created in this order. */
    const users = new Map<string, string>();
    let groupId = "";
    before(async () => {
      server = await startServer(engine);
      t = await newTenant(server);
      const people = [
        ["anna@example.com", "Anna", "Berg", "work", true, "Sales", "e-1"],
        ["bob@example.com", "Bob", "Carter", "work", false, "Sales", "e-2"],
        ["cara@corp.example.org", "Cara", "Adams", "home", true, "R&D", "E-3"],
        ["dan@example.com", "Dan", "Zed", "work", true, "R&D", "e-4"],
        ["eve_x+@example.com", "Eve", "Young", "work", true, "Legal", "e-5"],
      ] as const;
      for (const [userName, given, family, type, active, dept, ext] of people) {
        const a = await t.scim("POST", "/Users", newUser(userName, { externalId: ext, name: { givenName: given, familyName: family }, displayName: `${given} ${family}`, emails: [{ value: userName, type }], active, title: dept }));
        assert.equal(a.status, 201, a.text);
        users.set(userName, a.body.id);
      }
      groupId = (await t.scim("POST", "/Groups", newGroup("Team One", { members: [{ value: users.get("anna@example.com") }, { value: users.get("dan@example.com") }] }))).body.id;
      await t.scim("POST", "/Groups", newGroup("Team Two"));
    });
    after(() => server?.close());

    const names = (body: { Resources: { userName: string }[] }) => body.Resources.map((r) => r.userName);

    test("filters with directory fields (SQL): every operator, and/or/not, case rules, value paths", async () => {
      const cases: [string, string[]][] = [
        ['userName eq "ANNA@example.com"', ["anna@example.com"]],
        ['userName ne "anna@example.com"', ["bob@example.com", "cara@corp.example.org", "dan@example.com", "eve_x+@example.com"]],
        ['userName co "_x"', ["eve_x+@example.com"]],
        ['userName sw "c"', ["cara@corp.example.org"]],
        ['userName ew ".org"', ["cara@corp.example.org"]],
        ['userName gt "c"', ["cara@corp.example.org", "dan@example.com", "eve_x+@example.com"]],
        ['userName le "bob@example.com"', ["anna@example.com", "bob@example.com"]],
        ['externalId eq "E-3"', ["cara@corp.example.org"]],
        ['externalId eq "e-3"', []],
        ["active eq false", ["bob@example.com"]],
        ['active eq "False"', ["bob@example.com"]],
        ['name.familyName eq "adams" or name.givenName sw "d"', ["cara@corp.example.org", "dan@example.com"]],
        ['emails.value eq "dan@example.com" and active eq true', ["dan@example.com"]],
        ['not (userName sw "a") and displayName co "e"', ["bob@example.com", "dan@example.com", "eve_x+@example.com"]],
        ["externalId pr", [...users.keys()]],
        ['meta.created gt "2000-01-01T00:00:00Z"', [...users.keys()]],
        ['meta.lastModified lt "2000-01-01T00:00:00Z"', []],
        [`id eq "${"u-nothing"}"`, []],
      ];
      for (const [filter, want] of cases) {
        const a = await t.scim("GET", q(filter));
        assert.equal(a.status, 200, `${filter}: ${a.text}`);
        assert.deepEqual(names(a.body), want, filter);
        assert.equal(a.body.totalResults, want.length, filter);
      }
      const g = await t.scim("GET", `/Groups?filter=${encodeURIComponent(`members[value eq "${users.get("dan@example.com")}"]`)}`);
      assert.deepEqual(g.body.Resources.map((r: { displayName: string }) => r.displayName), ["Team One"]);
      const g2 = await t.scim("GET", `/Groups?filter=${encodeURIComponent('displayName eq "team two"')}&excludedAttributes=members`);
      assert.deepEqual(g2.body.Resources.map((r: { displayName: string; members?: unknown }) => [r.displayName, r.members]), [["Team Two", undefined]]);
    });

    test("filters on attributes without a field are evaluated in memory with the same rules", async () => {
      const cases: [string, string[]][] = [
        ['title eq "r&d"', ["cara@corp.example.org", "dan@example.com"]],
        ['emails[type eq "home"]', ["cara@corp.example.org"]],
        ['emails[type eq "work"].value eq "bob@example.com"', ["bob@example.com"]],
        ['title eq "Sales" and active eq true', ["anna@example.com"]],
        [`groups.value eq "${"g-none"}"`, []],
      ];
      for (const [filter, want] of cases) {
        const a = await t.scim("GET", q(filter));
        assert.equal(a.status, 200, `${filter}: ${a.text}`);
        assert.deepEqual(names(a.body), want, filter);
      }
      const paged = await t.scim("GET", q('title pr', "&startIndex=2&count=2"));
      assert.deepEqual(paged.body, { ...paged.body, totalResults: 5, startIndex: 2, itemsPerPage: 2 });
      assert.deepEqual(names(paged.body), ["bob@example.com", "cara@corp.example.org"]);
    });

    test("index paging: integers, stable creation order, count 0, startIndex below 1, count above the maximum", async () => {
      const all = [...users.keys()];
      const seen: string[] = [];
      for (let start = 1; start <= all.length; start += 2) {
        const a = await t.scim("GET", `/Users?startIndex=${start}&count=2`);
        assert.deepEqual(a.body.schemas, [LIST]);
        assert.equal(a.body.totalResults, 5);
        assert.equal(a.body.startIndex, start);
        assert.equal(a.body.itemsPerPage, a.body.Resources.length);
        seen.push(...names(a.body));
      }
      assert.deepEqual(seen, all);
      const zero = await t.scim("GET", "/Users?count=0");
      assert.deepEqual([zero.body.totalResults, zero.body.itemsPerPage, zero.body.Resources], [5, 0, []]);
      assert.equal((await t.scim("GET", "/Users?startIndex=-4&count=1")).body.startIndex, 1);
      assert.equal((await t.scim("GET", "/Users?count=100000")).body.itemsPerPage, 5);
      const beyond = await t.scim("GET", "/Users?startIndex=50");
      assert.deepEqual([beyond.body.totalResults, beyond.body.Resources], [5, []]);
      assertScimError(await t.scim("GET", "/Users?count=abc"), 400);
    });

    test("cursor paging (RFC 9865): nextCursor until the last page, bound to its query", async () => {
      const seen: string[] = [];
      let cursor = "";
      let pages = 0;
      for (;;) {
        const a = await t.scim("GET", `/Users?cursor=${cursor}&count=2`);
        assert.equal(a.status, 200, a.text);
        assert.equal(a.body.totalResults, 5);
        seen.push(...names(a.body));
        pages++;
        if (!a.body.nextCursor) break;
        assert.match(a.body.nextCursor, /^[A-Za-z0-9\-._~]+$/);
        cursor = a.body.nextCursor;
      }
      assert.equal(pages, 3);
      assert.deepEqual(seen, [...users.keys()]);
      const first = await t.scim("GET", "/Users?cursor=&count=2");
      assertScimError(await t.scim("GET", `/Users?cursor=${first.body.nextCursor}&count=2&filter=${encodeURIComponent("active eq true")}`), 400, "invalidCursor");
      assertScimError(await t.scim("GET", "/Users?cursor=forged.cursor"), 400, "invalidCursor");
    });

    test("sorting by a field and by a kept attribute, both directions", async () => {
      const byFamily = await t.scim("GET", "/Users?sortBy=name.familyName");
      assert.deepEqual(names(byFamily.body), ["cara@corp.example.org", "anna@example.com", "bob@example.com", "eve_x+@example.com", "dan@example.com"]);
      const desc = await t.scim("GET", "/Users?sortBy=userName&sortOrder=descending&count=2");
      assert.deepEqual(names(desc.body), ["eve_x+@example.com", "dan@example.com"]);
      const byTitle = await t.scim("GET", "/Users?sortBy=title&sortOrder=descending");
      assert.deepEqual(byTitle.body.Resources.map((r: { title: string }) => r.title), ["Sales", "Sales", "R&D", "R&D", "Legal"]);
      assertScimError(await t.scim("GET", "/Users?sortOrder=sideways"), 400);
    });

    test("attributes / excludedAttributes on lists and reads", async () => {
      const a = await t.scim("GET", "/Users?attributes=userName,name.givenName&count=1");
      assert.deepEqual(a.body.Resources[0], { schemas: [a.body.Resources[0].schemas[0]], id: users.get("anna@example.com"), userName: "anna@example.com", name: { givenName: "Anna" } });
      const b = await t.scim("GET", `/Users/${users.get("anna@example.com")}?excludedAttributes=emails,groups,meta`);
      assert.equal(b.body.emails, undefined);
      assert.equal(b.body.groups, undefined);
      assert.equal(b.body.meta, undefined);
      assert.equal(b.body.userName, "anna@example.com");
      const g = await t.scim("GET", `/Groups/${groupId}?excludedAttributes=members`);
      assert.equal(g.body.members, undefined);
      assert.equal(g.body.displayName, "Team One");
      const withGroups = await t.scim("GET", `/Users/${users.get("anna@example.com")}?attributes=groups`);
      assert.deepEqual(withGroups.body.groups.map((x: { value: string }) => x.value), [groupId]);
    });

    test("POST /.search, per resource and at the root", async () => {
      const search = (body: object) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], ...body });
      const a = await t.scim("POST", "/Users/.search", search({ filter: 'userName sw "b"', attributes: ["userName"] }));
      assert.equal(a.status, 200, a.text);
      assert.deepEqual(names(a.body), ["bob@example.com"]);
      const root = await t.scim("POST", "/.search", search({ filter: 'displayName co "an"', startIndex: 1, count: 10 }));
      assert.equal(root.status, 200, root.text);
      assert.deepEqual(root.body.Resources.map((r: { displayName: string }) => r.displayName), ["Anna Berg", "Dan Zed"]);
      const everything = await t.scim("POST", "/.search", search({ startIndex: 5, count: 3 }));
      assert.equal(everything.body.totalResults, 7);
      assert.deepEqual(everything.body.Resources.map((r: { userName?: string; displayName: string }) => r.userName ?? r.displayName), ["eve_x+@example.com", "Team One", "Team Two"]);
      assertScimError(await t.scim("POST", "/Users/.search", { filter: "userName pr" }), 400, "invalidSyntax");
      assertScimError(await t.scim("GET", "/Users/.search"), 405);
    });
  });
}
