/**
 * RAM 2015-05-01 users through the official Alibaba clients: every action, its documented errors,
 * paging, tenant isolation, and that RAM and Tencent CAM serve one sub-user store.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { aliyunClient, popClient } from "../helpers/aliyun.js";
import { camClient, ENGINES, type Key, startServer, type TestServer } from "../helpers/harness.js";
import { rejects } from "./support.js";

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

for (const engine of ENGINES) {
  describe(`RAM users (${engine})`, () => {
    let server: TestServer;
    let ram: ReturnType<typeof aliyunClient>;
    before(async () => {
      server = await startServer(engine, { limits: { subUsersPerAccount: 12 } });
      ram = aliyunClient(server, server.root, "ram");
    });
    after(() => server.close());

    test("CreateUser returns the RAM User with every field; GetUser reads it back", async () => {
      const { User } = await ram.call("CreateUser", {
        UserName: "alice",
        DisplayName: "Alice Liu",
        MobilePhone: "86-18600008888",
        Email: "alice@example.com",
        Comments: "cloud engineer",
      });
      assert.match(User.UserId, /^\d+$/);
      assert.deepEqual({ ...User, UserId: undefined, CreateDate: undefined }, {
        UserId: undefined,
        UserName: "alice",
        DisplayName: "Alice Liu",
        MobilePhone: "86-18600008888",
        Email: "alice@example.com",
        Comments: "cloud engineer",
        CreateDate: undefined,
      });
      assert.match(User.CreateDate, TIME);
      const got = (await ram.call("GetUser", { UserName: "alice" })).User;
      assert.equal(got.UserId, User.UserId);
      assert.equal(got.CreateDate, User.CreateDate);
      assert.match(got.UpdateDate, TIME);
      assert.equal(got.MobilePhone, "86-18600008888");
    });

    test("absent optional fields are omitted, not null", async () => {
      const { User } = await ram.call("CreateUser", { UserName: "bare" });
      assert.deepEqual(Object.keys(User).sort(), ["CreateDate", "UserId", "UserName"]);
    });

    test("CreateUser errors: names, lengths, formats, duplicates", async () => {
      await rejects(server, "MissingUserName", 400, () => ram.call("CreateUser", { DisplayName: "x" }));
      await rejects(server, "InvalidParameter.UserName.InvalidChars", 400, () => ram.call("CreateUser", { UserName: "bad name!" }));
      await rejects(server, "InvalidParameter.UserName.InvalidChars", 400, () => ram.call("CreateUser", { UserName: "n".repeat(65) }));
      await rejects(server, "InvalidParameter.DisplayName", 400, () => ram.call("CreateUser", { UserName: "ok1", DisplayName: "d".repeat(129) }));
      await rejects(server, "InvalidParameter.Comments", 400, () => ram.call("CreateUser", { UserName: "ok1", Comments: "c".repeat(129) }));
      await rejects(server, "InvalidParameter.Email", 400, () => ram.call("CreateUser", { UserName: "ok1", Email: "not-an-email" }));
      await rejects(server, "InvalidParameter.MobilePhone", 400, () => ram.call("CreateUser", { UserName: "ok1", MobilePhone: "18600008888" }));
      await rejects(server, "InvalidParameter.MobilePhone", 400, () => ram.call("CreateUser", { UserName: "ok1", MobilePhone: "86-abc" }));
      await rejects(server, "EntityAlreadyExists.User.Name", 409, () => ram.call("CreateUser", { UserName: "alice" }));
    });

    test("GetUser and DeleteUser of a missing user are EntityNotExist.User (404)", async () => {
      await rejects(server, "EntityNotExist.User", 404, () => ram.call("GetUser", { UserName: "nobody" }));
      await rejects(server, "EntityNotExist.User", 404, () => ram.call("DeleteUser", { UserName: "nobody" }));
      await rejects(server, "EntityNotExist.User", 404, () => ram.call("UpdateUser", { UserName: "nobody", NewComments: "x" }));
      await rejects(server, "MissingUserName", 400, () => ram.call("GetUser"));
    });

    test("UpdateUser changes each field, renames, and returns the updated User", async () => {
      await ram.call("CreateUser", { UserName: "bob", DisplayName: "Bob", Email: "bob@example.com", MobilePhone: "1-5550100" });
      const { User } = await ram.call("UpdateUser", {
        UserName: "bob",
        NewUserName: "robert",
        NewDisplayName: "Robert",
        NewEmail: "robert@example.com",
        NewMobilePhone: "44-2079460000",
        NewComments: "renamed",
      });
      assert.equal(User.UserName, "robert");
      assert.equal(User.DisplayName, "Robert");
      assert.equal(User.Email, "robert@example.com");
      assert.equal(User.MobilePhone, "44-2079460000");
      assert.equal(User.Comments, "renamed");
      await rejects(server, "EntityNotExist.User", 404, () => ram.call("GetUser", { UserName: "bob" }));
      assert.equal((await ram.call("GetUser", { UserName: "robert" })).User.UserId, User.UserId);
      // Empty values clear optional fields.
      const cleared = (await ram.call("UpdateUser", { UserName: "robert", NewEmail: "", NewMobilePhone: "", NewComments: "" })).User;
      assert.equal(cleared.Email, undefined);
      assert.equal(cleared.MobilePhone, undefined);
      assert.equal(cleared.Comments, undefined);
      assert.equal(cleared.DisplayName, "Robert");
    });

    test("UpdateUser errors: the new name taken or invalid, bad fields", async () => {
      await rejects(server, "EntityAlreadyExists.User.Name", 409, () => ram.call("UpdateUser", { UserName: "robert", NewUserName: "alice" }));
      await rejects(server, "InvalidParameter.NewUserName.InvalidChars", 400, () => ram.call("UpdateUser", { UserName: "robert", NewUserName: "no spaces" }));
      await rejects(server, "InvalidParameter.NewEmail", 400, () => ram.call("UpdateUser", { UserName: "robert", NewEmail: "x@" }));
      await rejects(server, "InvalidParameter.NewDisplayName", 400, () => ram.call("UpdateUser", { UserName: "robert", NewDisplayName: "d".repeat(129) }));
      await rejects(server, "InvalidParameter.NewComments", 400, () => ram.call("UpdateUser", { UserName: "robert", NewComments: "c".repeat(129) }));
      await rejects(server, "InvalidParameter.NewMobilePhone", 400, () => ram.call("UpdateUser", { UserName: "robert", NewMobilePhone: "+-" }));
    });

    test("a renamed user keeps its API key (keys follow the user, not the name)", async () => {
      const cam = camClient(server, server.root);
      const added = await cam.AddUser({ Name: "keyed", UseApi: 1 });
      await ram.call("UpdateUser", { UserName: "keyed", NewUserName: "keyed2" });
      const key = await server.store.db.selectFrom("credentials").selectAll().where("secret_id", "=", added.SecretId!).executeTakeFirstOrThrow();
      assert.equal(key.subject_uin, added.Uin);
      // A user with keys cannot be deleted (RAM's DeleteConflict.User.AccessKey).
      await rejects(server, "DeleteConflict.User.AccessKey", 409, () => ram.call("DeleteUser", { UserName: "keyed2" }));
    });

    test("a user that provisioning manages refuses direct changes (403) and changes nothing", async () => {
      await ram.call("CreateUser", { UserName: "managed" });
      await server.store.db.updateTable("sub_users").set({ directory_user_id: "u-test" }).where("name", "=", "managed").execute();
      await rejects(server, "Forbidden.User.ManagedByProvisioning", 403, () => ram.call("UpdateUser", { UserName: "managed", NewComments: "x" }));
      await rejects(server, "Forbidden.User.ManagedByProvisioning", 403, () => ram.call("DeleteUser", { UserName: "managed" }));
      await server.store.db.updateTable("sub_users").set({ directory_user_id: null }).where("name", "=", "managed").execute();
    });

    test("DeleteUser removes the user", async () => {
      await ram.call("CreateUser", { UserName: "doomed" });
      const out = await ram.call("DeleteUser", { UserName: "doomed" });
      assert.deepEqual(Object.keys(out), ["RequestId"]);
      await rejects(server, "EntityNotExist.User", 404, () => ram.call("GetUser", { UserName: "doomed" }));
    });

    test("ListUsers pages with Marker/MaxItems: every user exactly once, IsTruncated on all but the last page", async () => {
      const all = (await ram.call("ListUsers", {})).Users.User.map((u: any) => u.UserName);
      assert.ok(all.length >= 5, String(all));
      assert.equal((await ram.call("ListUsers", {})).IsTruncated, false);
      const seen: string[] = [];
      let marker: string | undefined;
      let pages = 0;
      do {
        const page: any = await ram.call("ListUsers", { MaxItems: 2, ...(marker ? { Marker: marker } : {}) });
        seen.push(...page.Users.User.map((u: any) => u.UserName));
        assert.equal(page.IsTruncated, page.Marker !== undefined);
        marker = page.Marker;
        pages++;
      } while (marker);
      assert.deepEqual(seen, all);
      assert.equal(pages, Math.ceil(all.length / 2));
      // A user created between pages does not disturb the ones already listed.
      const first: any = await ram.call("ListUsers", { MaxItems: 2 });
      await ram.call("CreateUser", { UserName: "late-comer" });
      const rest: any[] = [];
      let m = first.Marker;
      while (m) {
        const page: any = await ram.call("ListUsers", { MaxItems: 2, Marker: m });
        rest.push(...page.Users.User.map((u: any) => u.UserName));
        m = page.Marker;
      }
      assert.deepEqual([...first.Users.User.map((u: any) => u.UserName), ...rest], [...all, "late-comer"]);
    });

    test("ListUsers errors: MaxItems out of 1–1000, a forged or foreign Marker", async () => {
      await rejects(server, "InvalidParameter.MaxItems", 400, () => ram.call("ListUsers", { MaxItems: 0 }));
      await rejects(server, "InvalidParameter.MaxItems", 400, () => ram.call("ListUsers", { MaxItems: 1001 }));
      await rejects(server, "InvalidParameter.Marker", 400, () => ram.call("ListUsers", { Marker: "forged" }));
      const other = await server.newRoot("marker-tenant");
      const otherRam = aliyunClient(server, other, "ram");
      for (const n of ["m1", "m2"]) await otherRam.call("CreateUser", { UserName: n });
      const { Marker } = await otherRam.call("ListUsers", { MaxItems: 1 });
      assert.ok(Marker);
      await rejects(server, "InvalidParameter.Marker", 400, () => ram.call("ListUsers", { Marker }));
    });

    test("the sub-user quota is LimitExceeded.User (409)", async () => {
      const count = (await ram.call("ListUsers", {})).Users.User.length;
      for (let i = count; i < 12; i++) await ram.call("CreateUser", { UserName: `fill-${i}` });
      await rejects(server, "LimitExceeded.User", 409, () => ram.call("CreateUser", { UserName: "one-too-many" }));
    });

    test("pop-core and V1 clients see the same users", async () => {
      assert.equal((await popClient(server, server.root, "ram").call<any>("GetUser", { UserName: "alice" })).User.Email, "alice@example.com");
      assert.equal((await aliyunClient(server, server.root, "ram", "v1").call("GetUser", { UserName: "alice" }, { method: "GET" })).User.DisplayName, "Alice Liu");
    });
  });

  describe(`RAM and CAM: one sub-user store, isolated per tenant (${engine})`, () => {
    let server: TestServer;
    let tenant: Key;
    before(async () => {
      server = await startServer(engine);
      tenant = await server.newRoot("other-tenant");
    });
    after(() => server.close());

    test("a RAM user is a CAM user with the same key, field for field", async () => {
      await aliyunClient(server, server.root, "ram").call("CreateUser", { UserName: "from-ram", DisplayName: "Shown", Email: "r@example.com", MobilePhone: "86-13800000000" });
      const cam = camClient(server, server.root);
      const listed = (await cam.ListUsers()).Data!.find((u) => u.Name === "from-ram");
      assert.ok(listed);
      const got = await cam.GetUser({ Name: "from-ram" });
      assert.equal(got.Remark, "Shown");
      assert.equal(got.Email, "r@example.com");
      assert.equal(got.PhoneNum, "13800000000");
      assert.equal(got.CountryCode, "86");
    });

    test("a CAM user is a RAM user with the same key", async () => {
      const cam = camClient(server, server.root);
      const added = await cam.AddUser({ Name: "from-cam", Remark: "Made in CAM", Email: "c@example.com", PhoneNum: "5550100", CountryCode: "1" });
      const { User } = await aliyunClient(server, server.root, "ram").call("GetUser", { UserName: "from-cam" });
      assert.equal(User.UserId, String(added.Uin));
      assert.equal(User.DisplayName, "Made in CAM");
      assert.equal(User.Email, "c@example.com");
      assert.equal(User.MobilePhone, "1-5550100");
      const names = (await aliyunClient(server, server.root, "ram").call("ListUsers")).Users.User.map((u: any) => u.UserName);
      assert.deepEqual(names, ["from-ram", "from-cam"]);
      // Deleted through RAM, gone from CAM.
      await aliyunClient(server, server.root, "ram").call("DeleteUser", { UserName: "from-cam" });
      assert.equal((await cam.ListUsers()).Data!.some((u) => u.Name === "from-cam"), false);
    });

    test("another tenant sees none of these users and cannot touch them", async () => {
      const theirs = aliyunClient(server, tenant, "ram");
      assert.deepEqual((await theirs.call("ListUsers")).Users.User, []);
      await rejects(server, "EntityNotExist.User", 404, () => theirs.call("GetUser", { UserName: "from-ram" }));
      await rejects(server, "EntityNotExist.User", 404, () => theirs.call("UpdateUser", { UserName: "from-ram", NewComments: "mine" }));
      await rejects(server, "EntityNotExist.User", 404, () => theirs.call("DeleteUser", { UserName: "from-ram" }));
      // The same name is free in their account.
      assert.equal((await theirs.call("CreateUser", { UserName: "from-ram" })).User.UserName, "from-ram");
    });
  });
}
