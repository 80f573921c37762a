/**
 * The SCIM endpoint over real HTTP, on each engine: discovery, authentication, the sync switch,
 * users and groups (create, read, replace, patch, delete), versions, and the directory rules SCIM
 * writes go through (uniqueness, hand-made objects, deletes of members).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ENGINES, startServer, type TestServer } from "../helpers/harness.js";
import { assertScimError, ENTERPRISE, GROUP_SCHEMA, LIST, newGroup, newTenant, newUser, patch, scimClient, USER_SCHEMA } from "../helpers/scim.js";

for (const engine of ENGINES) {
  describe(`SCIM resources (${engine})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer(engine);
    });
    after(() => server?.close());

    test("ServiceProviderConfig without a token (and with one) advertises what is implemented; /ResourceTypes and /Schemas need the token", async () => {
      const t = await newTenant(server);
      for (const token of [null, t.token, "garbage"]) {
        const a = await t.scim("GET", "/ServiceProviderConfig", undefined, { token });
        assert.equal(a.status, 200);
        assert.match(a.headers.get("content-type")!, /^application\/scim\+json/);
        assert.deepEqual(a.body.patch, { supported: true });
        assert.deepEqual(a.body.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 });
        assert.deepEqual(a.body.filter, { supported: true, maxResults: 100 });
        assert.deepEqual(a.body.changePassword, { supported: false });
        assert.deepEqual(a.body.sort, { supported: true });
        assert.deepEqual(a.body.etag, { supported: true });
        assert.equal(a.body.authenticationSchemes[0].type, "oauthbearertoken");
      }
      assertScimError(await t.scim("GET", "/ResourceTypes", undefined, { token: null }), 401);
      const rt = await t.scim("GET", "/ResourceTypes");
      assert.equal(rt.status, 200);
      assert.deepEqual(rt.body.schemas, [LIST]);
      assert.deepEqual(rt.body.Resources.map((r: { id: string }) => r.id).sort(), ["Group", "User"]);
      assert.equal((await t.scim("GET", "/ResourceTypes/User")).body.endpoint, "/Users");
      const schemas = await t.scim("GET", "/Schemas");
      assert.ok(schemas.body.Resources.some((s: { id: string }) => s.id === ENTERPRISE));
      assert.equal((await t.scim("GET", `/Schemas/${USER_SCHEMA}`)).body.id, USER_SCHEMA);
      assertScimError(await t.scim("GET", "/Schemas/urn:nope"), 404);
      assertScimError(await t.scim("GET", "/Me"), 404);
      assertScimError(await t.scim("DELETE", "/ServiceProviderConfig"), 405);
    });

    test("bearer tokens: scheme in any case; missing, unknown, disabled, expired and deleted credentials are 401 with WWW-Authenticate", async () => {
      const t = await newTenant(server);
      for (const scheme of ["Bearer", "bearer", "BEARER"]) {
        const a = await t.scim("GET", "/Users", undefined, { token: null, headers: { authorization: `${scheme} ${t.token}` } });
        assert.equal(a.status, 200, a.text);
      }
      const refused = async (headers: Record<string, string>) => {
        const a = await t.scim("GET", "/Users", undefined, { token: null, headers });
        assertScimError(a, 401);
        assert.match(a.headers.get("www-authenticate") ?? "", /^Bearer/);
      };
      await refused({});
      await refused({ authorization: `Basic ${t.token}` });
      await refused({ authorization: "Bearer not-a-credential" });
      await refused({ authorization: "Bearer" });
      // Disabled, then enabled again; another credential deleted; an expired one.
      await server.core.scimCredentials.setStatus(t.caller, t.directoryId, t.credentialId, "Disabled");
      await refused({ authorization: `Bearer ${t.token}` });
      await server.core.scimCredentials.setStatus(t.caller, t.directoryId, t.credentialId, "Enabled");
      assert.equal((await t.scim("GET", "/Users")).status, 200);
      const second = await server.core.scimCredentials.create(t.caller, t.directoryId, 3600);
      assert.equal((await t.scim("GET", "/Users", undefined, { token: second.secret })).status, 200);
      await server.core.scimCredentials.delete(t.caller, t.directoryId, second.credential.credentialId);
      await refused({ authorization: `Bearer ${second.secret}` });
      // An expired credential: a server whose clock then moves past its expiry.
      let offset = 0;
      const clocked = await startServer(engine, { clock: { now: () => Date.now() + offset }, worker: false });
      try {
        const e = await newTenant(clocked);
        assert.equal((await e.scim("GET", "/Users")).status, 200);
        offset = 366 * 24 * 3600 * 1000;
        const a = await e.scim("GET", "/Users");
        assertScimError(a, 401);
      } finally {
        await clocked.close();
      }
    });

    test("the sync switch off: /Users and /Groups are 403, discovery still answers; ids of another directory are 404", async () => {
      const t = await newTenant(server);
      const u = (await t.scim("POST", "/Users", newUser("switch@example.com"))).body;
      await server.core.scimCredentials.setSyncStatus(t.caller, t.directoryId, "Disabled");
      // The session is kept up to a second; a fresh server process would see it at once.
      await new Promise((r) => setTimeout(r, 1100));
      for (const [m, p] of [
        ["GET", "/Users"],
        ["GET", `/Users/${u.id}`],
        ["POST", "/Groups"],
        ["POST", "/Bulk"],
      ] as const) {
        assertScimError(await t.scim(m, p, m === "POST" ? newGroup("x") : undefined), 403);
      }
      assert.equal((await t.scim("GET", "/ResourceTypes")).status, 200);
      assert.equal((await t.scim("GET", "/ServiceProviderConfig")).status, 200);
      await server.core.scimCredentials.setSyncStatus(t.caller, t.directoryId, "Enabled");
      await new Promise((r) => setTimeout(r, 1100));
      assert.equal((await t.scim("GET", `/Users/${u.id}`)).status, 200);

      const other = await newTenant(server);
      assertScimError(await other.scim("GET", `/Users/${u.id}`), 404);
      assertScimError(await other.scim("PATCH", `/Users/${u.id}`, patch({ op: "replace", path: "displayName", value: "x" })), 404);
      assertScimError(await other.scim("DELETE", `/Users/${u.id}`), 404);
      assert.equal((await t.scim("GET", `/Users/${u.id}`)).body.displayName, undefined);
    });

    test("users: POST 201 with Location, ETag and meta; mapped fields in the directory, others kept and returned as sent; GET, trailing slash, PUT, DELETE 204 then 404", async () => {
      const t = await newTenant(server);
      const body = newUser("Carol@Example.com", {
        schemas: [USER_SCHEMA, ENTERPRISE],
        externalId: "ext-Carol-1",
        name: { givenName: "Carol", familyName: "Jones", middleName: "Q" },
        displayName: "Carol Jones",
        emails: [
          { value: "carol.home@example.org", type: "home" },
          { value: "carol@example.com", type: "work", primary: true },
        ],
        phoneNumbers: [{ value: "+1 555 0100", type: "work" }],
        title: "Engineer",
        password: "placeholder-Okta-1!",
        [ENTERPRISE]: { employeeNumber: "42", department: "R&D", manager: { value: "boss-1" } },
      });
      const created = await t.scim("POST", "/Users", body);
      assert.equal(created.status, 201, created.text);
      const u = created.body;
      assert.match(u.id, /^u-/);
      assert.equal(created.headers.get("location"), u.meta.location);
      assert.ok(u.meta.location.endsWith(`/scim/v2/Users/${u.id}`));
      assert.equal(created.headers.get("etag"), u.meta.version);
      assert.equal(u.meta.resourceType, "User");
      assert.match(u.meta.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(u.password, undefined);
      assert.equal(u.userName, "Carol@Example.com");
      assert.equal(u.externalId, "ext-Carol-1");
      assert.deepEqual(u.name, { givenName: "Carol", familyName: "Jones", middleName: "Q", formatted: "Carol Jones" });
      assert.deepEqual(u.emails, body.emails);
      assert.deepEqual(u.phoneNumbers, body.phoneNumbers);
      assert.equal(u.title, "Engineer");
      assert.deepEqual(u[ENTERPRISE], body[ENTERPRISE]);
      assert.deepEqual(u.schemas, [USER_SCHEMA, ENTERPRISE]);
      assert.equal(u.active, true);

      // The same user through the directory: the core's fields, type Synchronized.
      const du = await server.core.users.get(t.caller, t.directoryId, u.id);
      assert.equal(du.email, "carol@example.com");
      assert.equal(du.firstName, "Carol");
      assert.equal(du.displayName, "Carol Jones");
      assert.equal(du.origin, "Synchronized");
      assert.equal(await server.core.users.idByExternalId(t.caller, t.directoryId, { id: "ext-Carol-1", issuer: "SCIM" }), u.id);

      for (const path of [`/Users/${u.id}`, `/Users/${u.id}/`]) {
        const got = await t.scim("GET", path);
        assert.equal(got.status, 200);
        assert.deepEqual(got.body, u);
      }
      const listed = await t.scim("GET", "/Users/");
      assert.equal(listed.body.totalResults, 1);

      // PUT replaces: what is not sent is gone; a userName differing in case only is no change.
      const put = await t.scim("PUT", `/Users/${u.id}`, newUser("carol@example.com", { name: { givenName: "Caroline" }, emails: [{ value: "caroline@example.com", primary: true }], active: false }));
      assert.equal(put.status, 200, put.text);
      assert.equal(put.body.userName, "Carol@Example.com");
      assert.deepEqual(put.body.name, { givenName: "Caroline", formatted: "Caroline" });
      assert.equal(put.body.title, undefined);
      assert.equal(put.body.externalId, undefined);
      assert.equal(put.body.active, false);
      assert.equal(put.body[ENTERPRISE], undefined);
      assert.notEqual(put.body.meta.version, u.meta.version);
      // userName is readWrite (RFC 7643 §8.7.1): PATCH and PUT rename the directory user.
      const renamed = await t.scim("PATCH", `/Users/${u.id}`, patch({ op: "Replace", path: "userName", value: "Caroline@Example.com" }));
      assert.equal(renamed.status, 200, renamed.text);
      assert.equal(renamed.body.userName, "Caroline@Example.com");
      assert.equal((await server.core.users.get(t.caller, t.directoryId, u.id)).userName, "Caroline@Example.com");
      const byPut = await t.scim("PUT", `/Users/${u.id}`, newUser("carrie@example.com", { active: false }));
      assert.equal(byPut.status, 200, byPut.text);
      assert.equal(byPut.body.userName, "carrie@example.com");
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "CARRIE@example.com"')}`)).body.Resources[0].id, u.id);
      assert.equal((await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "Caroline@Example.com"')}`)).body.totalResults, 0);
      // The old name is free again; a name another user has (in any case) is 409 uniqueness and changes nothing.
      const other = (await t.scim("POST", "/Users", newUser("Caroline@Example.com"))).body;
      assertScimError(await t.scim("PATCH", `/Users/${other.id}`, patch({ op: "replace", path: "userName", value: "CARRIE@example.com" })), 409, "uniqueness");
      assertScimError(await t.scim("PUT", `/Users/${u.id}`, newUser("caroline@example.com")), 409, "uniqueness");
      assert.equal((await t.scim("GET", `/Users/${u.id}`)).body.userName, "carrie@example.com");
      assertScimError(await t.scim("PATCH", `/Users/${u.id}`, patch({ op: "replace", path: "userName", value: "has space" })), 400, "invalidValue");

      const del = await t.scim("DELETE", `/Users/${u.id}`);
      assert.equal(del.status, 204);
      assert.equal(del.text, "");
      assertScimError(await t.scim("GET", `/Users/${u.id}`), 404);
      assertScimError(await t.scim("DELETE", `/Users/${u.id}`), 404);
    });

    test("uniqueness: a userName taken (any case) is 409 uniqueness, also by a hand-made user SCIM does not see", async () => {
      const t = await newTenant(server);
      assert.equal((await t.scim("POST", "/Users", newUser("dup@example.com"))).status, 201);
      assertScimError(await t.scim("POST", "/Users", newUser("DUP@example.com")), 409, "uniqueness");
      await server.core.users.create(t.caller, t.directoryId, { userName: "manual-user", email: "manual@example.com" });
      assertScimError(await t.scim("POST", "/Users", newUser("MANUAL-USER")), 409, "uniqueness");
      // Hand-made objects are not the provider's: not listed, not found by id or filter.
      const manual = (await server.core.users.list(t.caller, t.directoryId, { userName: { value: "manual-user", prefix: false } })).items[0]!;
      assertScimError(await t.scim("GET", `/Users/${manual.userId}`), 404);
      assertScimError(await t.scim("DELETE", `/Users/${manual.userId}`), 404);
      const found = await t.scim("GET", `/Users?filter=${encodeURIComponent('userName eq "manual-user"')}`);
      assert.equal(found.body.totalResults, 0);
      const g = await server.core.groups.create(t.caller, t.directoryId, { groupName: "manual-group" });
      assertScimError(await t.scim("GET", `/Groups/${g.groupId}`), 404);
      assertScimError(await t.scim("POST", "/Groups", newGroup("MANUAL-GROUP")), 409, "uniqueness");
    });

    test("e-mails: kept and returned as sent; the directory's e-mail only when a valid address no other user has; filters read the kept lists", async () => {
      const t = await newTenant(server);
      const email = async (id: string) => (await server.core.users.get(t.caller, t.directoryId, id)).email;
      const filter = async (f: string) => ((await t.scim("GET", `/Users?filter=${encodeURIComponent(f)}`)).body.Resources as { userName: string }[]).map((r) => r.userName).sort();
      const manual = (await server.core.users.create(t.caller, t.directoryId, { userName: "manual", email: "manual@example.com" })).user;
      const first = await t.scim("POST", "/Users", newUser("first", { emails: [{ value: "shared@example.com", type: "work", primary: true }] }));
      assert.equal(first.status, 201, first.text);
      assert.equal(await email(first.body.id), "shared@example.com");
      // The same address in another case, and a hand-made user's address: created, the list kept, no directory e-mail.
      const sameAddresses = [{ value: "SHARED@example.com", type: "work", primary: true }, { value: "second.home@example.com", type: "home" }];
      const second = await t.scim("POST", "/Users", newUser("second", { emails: sameAddresses }));
      assert.equal(second.status, 201, second.text);
      assert.deepEqual(second.body.emails, sameAddresses);
      assert.equal(await email(second.body.id), "");
      const third = await t.scim("POST", "/Users", newUser("third", { emails: [{ value: "manual@example.com" }] }));
      assert.equal(third.status, 201, third.text);
      assert.equal(await email(third.body.id), "");
      // A work address that is not an address (RFC 7643 §4.1.2 says SHOULD): kept, not the directory's e-mail, no fallback to another.
      const notAnAddress = [{ value: "emailName357", type: "work", primary: true }, { value: "fourth.home@example.com", type: "home" }];
      const fourth = await t.scim("POST", "/Users", newUser("fourth", { emails: notAnAddress }));
      assert.equal(fourth.status, 201, fourth.text);
      assert.deepEqual((await t.scim("GET", `/Users/${fourth.body.id}`)).body.emails, notAnAddress);
      assert.equal(await email(fourth.body.id), "");
      // Filters on e-mails see every kept address, the directory's e-mail or not.
      assert.deepEqual(await filter('emails.value eq "shared@example.com"'), ["first", "second"]);
      assert.deepEqual(await filter('emails eq "emailName357"'), ["fourth"]);
      assert.deepEqual(await filter('emails[type eq "home"].value co "HOME@example"'), ["fourth", "second"]);
      assert.deepEqual(await filter('emails.value eq "manual@example.com"'), ["third"]);
      // The SQL narrowing of an e-mail filter never leaves a match out: letters SQL's lower() does not fold, a JSON-escaped character.
      assert.equal((await t.scim("POST", "/Users", newUser("fifth", { emails: [{ value: "ÜNAL@example.com" }, { value: 'quote"back\\slash@example.com', type: "other" }] }))).status, 201);
      assert.deepEqual(await filter('emails.value eq "ünal@example.com"'), ["fifth"]);
      assert.deepEqual(await filter('emails.value sw "QUOTE\\"BACK\\\\SLASH@"'), ["fifth"]);
      assert.deepEqual(await filter('emails.value co "nomatch" or userName eq "first"'), ["first"]);
      // An attribute given with a value filter is read as the attribute itself (lenient; RFC 7644 §3.9 has no value filters).
      const projected = await t.scim("GET", `/Users?attributes=${encodeURIComponent('emails[type eq "work"]')}&filter=${encodeURIComponent('userName eq "fourth"')}`);
      assert.deepEqual(Object.keys(projected.body.Resources[0]).sort(), ["emails", "id", "schemas"]);
      assert.deepEqual(projected.body.Resources[0].emails, notAnAddress);
      // Once the first user lets the address go, a change to the second's e-mails gives it the address.
      assert.equal((await t.scim("PATCH", `/Users/${first.body.id}`, patch({ op: "replace", path: "emails", value: [{ value: "first.new@example.com", primary: true }] }))).status, 200);
      assert.equal(await email(first.body.id), "first.new@example.com");
      assert.equal((await t.scim("PATCH", `/Users/${second.body.id}`, patch({ op: "replace", path: 'emails[type eq "work"].value', value: "shared@example.com" }))).status, 200);
      assert.equal(await email(second.body.id), "shared@example.com");
      // A change to a taken or invalid address empties the directory's e-mail, without an error.
      const toTaken = await t.scim("PATCH", `/Users/${second.body.id}`, patch({ op: "replace", path: 'emails[type eq "work"].value', value: "first.new@example.com" }));
      assert.equal(toTaken.status, 200, toTaken.text);
      assert.equal(toTaken.body.emails[0].value, "first.new@example.com");
      assert.equal(await email(second.body.id), "");
      // The vendor APIs' rules on Email are unchanged: unique and a valid address.
      await assert.rejects(server.core.users.update(t.caller, t.directoryId, manual.userId, { email: "first.new@example.com" }), { reason: "directory.email_taken" });
      await assert.rejects(server.core.users.update(t.caller, t.directoryId, manual.userId, { email: "emailName357" }), { reason: "directory.field_invalid" });
      await assert.rejects(server.core.users.create(t.caller, t.directoryId, { userName: "manual2", email: "FIRST.NEW@example.com" }), { reason: "directory.email_taken" });
    });

    test("groups: names with spaces, members from memberships, user's groups read-only, PATCH 204, PUT replaces members, DELETE cascades memberships", async () => {
      const t = await newTenant(server);
      const ids: string[] = [];
      for (const n of ["g1", "g2", "g3"]) ids.push((await t.scim("POST", "/Users", newUser(`${n}@example.com`, { displayName: `User ${n}` }))).body.id);
      const created = await t.scim("POST", "/Groups", newGroup("Sales – EMEA Team", { externalId: "grp-ext", members: [{ value: ids[0] }, { value: ids[1], type: "User" }], description: "kept" }));
      assert.equal(created.status, 201, created.text);
      const g = created.body;
      assert.equal(g.displayName, "Sales – EMEA Team");
      assert.equal(g.description, "kept");
      assert.deepEqual(
        g.members.map((m: { value: string }) => m.value),
        [ids[0], ids[1]].sort(),
      );
      assert.equal(g.members[0].type, "User");
      assert.ok(g.members[0].$ref.endsWith(`/Users/${g.members[0].value}`));
      const user0 = (await t.scim("GET", `/Users/${ids[0]}`)).body;
      assert.deepEqual(user0.groups.map((x: { value: string; display: string }) => [x.value, x.display]), [[g.id, "Sales – EMEA Team"]]);
      // groups is read-only: sent back, it is ignored.
      assert.equal((await t.scim("PUT", `/Users/${ids[2]}`, newUser("g3@example.com", { groups: [{ value: g.id }] }))).status, 200);
      assert.equal((await server.core.groups.membersOf(t.caller, t.directoryId, [g.id])).get(g.id)!.length, 2);

      const p = await t.scim("PATCH", `/Groups/${g.id}`, patch({ op: "add", path: "members", value: [{ value: ids[2] }] }, { op: "remove", path: `members[value eq "${ids[0]}"]` }));
      assert.equal(p.status, 204, p.text);
      const after1 = (await t.scim("GET", `/Groups/${g.id}`)).body;
      assert.deepEqual(after1.members.map((m: { value: string }) => m.value).sort(), [ids[1], ids[2]].sort());
      const withBody = await t.scim("PATCH", `/Groups/${g.id}?attributes=displayName`, patch({ op: "replace", path: "displayName", value: "Sales EMEA" }));
      assert.equal(withBody.status, 200);
      assert.deepEqual(Object.keys(withBody.body).sort(), ["displayName", "id", "schemas"]);
      const put = await t.scim("PUT", `/Groups/${g.id}`, newGroup("Sales EMEA", { members: [{ value: ids[0] }] }));
      assert.equal(put.status, 200, put.text);
      assert.deepEqual(put.body.members.map((m: { value: string }) => m.value), [ids[0]]);
      assert.equal(put.body.externalId, undefined);

      assertScimError(await t.scim("PATCH", `/Groups/${g.id}`, patch({ op: "add", path: "members", value: [{ value: "u-doesnotexist" }] })), 400, "invalidValue");
      assertScimError(await t.scim("PATCH", `/Groups/${g.id}`, patch({ op: "add", path: "members", value: [{ value: g.id, type: "Group" }] })), 400, "invalidValue");

      // Deleting a synchronized user in a group takes its memberships; deleting the group takes the rest.
      const g2 = (await t.scim("POST", "/Groups", newGroup("Other", { members: [{ value: ids[0] }, { value: ids[1] }] }))).body;
      assert.equal((await t.scim("DELETE", `/Users/${ids[0]}`)).status, 204);
      assert.deepEqual((await t.scim("GET", `/Groups/${g.id}`)).body.members ?? [], []);
      assert.deepEqual((await t.scim("GET", `/Groups/${g2.id}`)).body.members.map((m: { value: string }) => m.value), [ids[1]]);
      assert.equal((await t.scim("DELETE", `/Groups/${g2.id}`)).status, 204);
      assertScimError(await t.scim("GET", `/Groups/${g2.id}`), 404);
      assert.equal((await t.scim("GET", `/Users/${ids[1]}`)).body.groups, undefined);
      // A hand-made user in a group is still refused by the vendors' rule.
      const mu = (await server.core.users.create(t.caller, t.directoryId, { userName: "hand" })).user;
      const mg = await server.core.groups.create(t.caller, t.directoryId, { groupName: "hand-group" });
      await server.core.groups.addMember(t.caller, t.directoryId, mg.groupId, mu.userId);
      await assert.rejects(server.core.users.delete(t.caller, t.directoryId, mu.userId), { reason: "directory.user_in_group" });
      await assert.rejects(server.core.groups.delete(t.caller, t.directoryId, mg.groupId), { reason: "directory.group_has_members" });
    });

    test("versions: If-None-Match → 304, If-Match with another version → 412 and nothing changes, the current one → applied", async () => {
      const t = await newTenant(server);
      const u = (await t.scim("POST", "/Users", newUser("etag@example.com", { displayName: "E" }))).body;
      const v = u.meta.version;
      const notModified = await t.scim("GET", `/Users/${u.id}`, undefined, { headers: { "if-none-match": v } });
      assert.equal(notModified.status, 304);
      assert.equal(notModified.headers.get("etag"), v);
      assert.equal((await t.scim("GET", `/Users/${u.id}`, undefined, { headers: { "if-none-match": 'W/"other"' } })).status, 200);
      const stale = await t.scim("PATCH", `/Users/${u.id}`, patch({ op: "replace", path: "displayName", value: "F" }), { headers: { "if-match": 'W/"stale"' } });
      assertScimError(stale, 412);
      assert.equal((await t.scim("GET", `/Users/${u.id}`)).body.displayName, "E");
      const ok = await t.scim("PATCH", `/Users/${u.id}`, patch({ op: "replace", path: "displayName", value: "F" }), { headers: { "if-match": v } });
      assert.equal(ok.status, 200);
      assert.equal(ok.body.displayName, "F");
      assert.notEqual(ok.headers.get("etag"), v);
      assertScimError(await t.scim("DELETE", `/Users/${u.id}`, undefined, { headers: { "if-match": v } }), 412);
      // A group's version moves with its members, whether or not members are shown.
      const g = (await t.scim("POST", "/Groups", newGroup("versioned"))).body;
      const gv = (await t.scim("GET", `/Groups/${g.id}?excludedAttributes=members`)).headers.get("etag");
      assert.equal(gv, g.meta.version);
      await t.scim("PATCH", `/Groups/${g.id}`, patch({ op: "add", path: "members", value: [{ value: u.id }] }));
      assert.notEqual((await t.scim("GET", `/Groups/${g.id}?excludedAttributes=members`)).headers.get("etag"), gv);
    });

    test("rate limits are per credential", async () => {
      const limited = await startServer(engine, { rateLimits: { enabled: true, defaultPerSecond: 1000, perAction: { SCIM: 5 } } });
      try {
        const t = await newTenant(limited);
        const other = scimClient(limited, (await newTenant(limited)).token);
        const answers = await Promise.all(Array.from({ length: 30 }, () => t.scim("GET", "/Users")));
        const throttled = answers.filter((a) => a.status === 429);
        assert.ok(throttled.length >= 1, "some requests over 5 in one second are refused");
        assertScimError(throttled[0]!, 429);
        assert.equal(throttled[0]!.headers.get("retry-after"), "1");
        // Another directory's credential has its own count.
        assert.notEqual((await other("GET", "/Users")).status, 429);
      } finally {
        await limited.close();
      }
    });
  });
}
