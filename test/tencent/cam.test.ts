/**
 * cam 2019-01-16 sub-user actions (AddUser, GetUser, ListUsers, UpdateUser, DeleteUser) on the
 * caller's own account, driven through the official tencentcloud-sdk-nodejs client over real HTTP,
 * on every engine. Every rejected request is checked to leave the store exactly as it was.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { ManualClock } from "../../src/core/clock.js";
import { verifyPassword } from "../../src/core/secrets.js";
import {
  camClient,
  ENGINES,
  expectCode,
  isUuid,
  type Key,
  orgClient,
  orgWithMembers,
  snapshot,
  startServer,
  type TestServer,
  rejects,
} from "../helpers/harness.js";

type Cam = ReturnType<typeof camClient>;

const TIME = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/;
const SECRET_ID = /^AKID[A-Za-z0-9]{32}$/;
const SECRET_KEY = /^[A-Za-z0-9]{32}$/;
const GENERATED_PASSWORD_ALPHABET = /^[A-Za-z0-9!@#$%^&*()\-_=+]{32}$/;

/** Beijing wall-clock time, formatted independently of the server's own formatter. */
const beijing = (ms: number) =>
  new Intl.DateTimeFormat("sv-SE", {
    timeZone: "Asia/Shanghai",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(new Date(ms));

let counter = 0;
const uniq = (prefix: string) => `${prefix}-${++counter}`;

const rejected = (server: TestServer, call: () => Promise<unknown>, code: string, messageIncludes?: string) => rejects(server, code, call, messageIncludes);

async function row(server: TestServer, accountUin: number, name: string) {
  return server.store.db
    .selectFrom("sub_users")
    .selectAll()
    .where("account_uin", "=", accountUin)
    .where("name", "=", name)
    .executeTakeFirst();
}

async function keysOf(server: TestServer, subjectUin: number) {
  return server.store.db.selectFrom("credentials").selectAll().where("subject_uin", "=", subjectUin).execute();
}

async function markManaged(server: TestServer, name: string): Promise<void> {
  await server.store.db.updateTable("sub_users").set({ directory_user_id: "u-test" }).where("name", "=", name).execute();
}

function withoutRequestId<T extends { RequestId?: string }>(r: T): Omit<T, "RequestId"> {
  const { RequestId, ...rest } = r;
  assert.ok(isUuid(RequestId), `RequestId ${RequestId} is not a UUID`);
  return rest;
}

function hasEveryClass(p: string): boolean {
  return /[A-Z]/.test(p) && /[a-z]/.test(p) && /[0-9]/.test(p) && /[^A-Za-z0-9]/.test(p);
}

for (const engine of ENGINES) {
  describe(`cam sub-users [${engine}]`, () => {
    let server: TestServer;
    let cam: Cam;
    let rootUin: number;

    before(async () => {
      server = await startServer(engine);
      cam = camClient(server, server.root);
      rootUin = server.root.uin;
    });
    after(async () => {
      await server?.close();
    });

    describe("AddUser, GetUser and ListUsers", () => {
      test("every field is stored and read back by GetUser and ListUsers", async () => {
        const name = uniq("alice");
        const password = "Str0ng!Passw0rd";
        const t0 = Date.now();
        const added = await cam.AddUser({
          Name: name,
          Remark: "first sub-user",
          ConsoleLogin: 1,
          Password: password,
          NeedResetPassword: 1,
          PhoneNum: "13800138000",
          CountryCode: "86",
          Email: "alice@example.com",
        });
        const t1 = Date.now();
        const a = withoutRequestId(added);
        assert.equal(a.Name, name);
        assert.ok(Number.isSafeInteger(a.Uin) && a.Uin! >= 100000000000, `Uin ${a.Uin}`);
        assert.ok(Number.isSafeInteger(a.Uid) && a.Uid! >= 1000000, `Uid ${a.Uid}`);
        assert.notEqual(a.Uin, rootUin);
        assert.equal(a.Password ?? null, null, "a password was given, so none is returned");
        assert.equal(a.SecretId ?? null, null);
        assert.equal(a.SecretKey ?? null, null);

        const got = withoutRequestId(await cam.GetUser({ Name: name }));
        assert.deepEqual(got, {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: "first sub-user",
          ConsoleLogin: 1,
          PhoneNum: "13800138000",
          CountryCode: "86",
          Email: "alice@example.com",
          RecentlyLoginIP: null,
          RecentlyLoginTime: null,
        });

        const { Data } = await cam.ListUsers();
        const listed = Data!.find((u) => u.Name === name);
        assert.ok(listed, "ListUsers lacks the new sub-user");
        assert.match(listed.CreateTime!, TIME);
        assert.ok(listed.CreateTime! >= beijing(Math.floor(t0 / 1000) * 1000) && listed.CreateTime! <= beijing(t1), listed.CreateTime);
        assert.deepEqual(listed, {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: "first sub-user",
          ConsoleLogin: 1,
          PhoneNum: "13800138000",
          CountryCode: "86",
          Email: "alice@example.com",
          CreateTime: listed.CreateTime,
          NickName: name,
        });

        // What the wire does not show: the password is stored hashed, NeedResetPassword is kept.
        const r = await row(server, rootUin, name);
        assert.ok(r);
        assert.equal(r.uin, a.Uin);
        assert.equal(r.need_reset_password, 1);
        assert.equal(r.directory_user_id, null);
        assert.ok(r.password_hash && r.password_hash !== password && r.password_hash.startsWith("scrypt$"));
        assert.equal(verifyPassword(password, r.password_hash), true);
        assert.equal(verifyPassword("Wr0ng!Password", r.password_hash), false);
        assert.deepEqual(await keysOf(server, a.Uin!), [], "UseApi was not set, so no key exists");
      });

      test("a minimal sub-user gets defaults: no console login, no password, no key, empty fields", async () => {
        const name = uniq("minimal");
        const a = await cam.AddUser({ Name: name });
        assert.equal(a.Name, name);
        assert.equal(a.Password ?? null, null);
        assert.equal(a.SecretId ?? null, null);
        assert.equal(a.SecretKey ?? null, null);
        assert.deepEqual(withoutRequestId(await cam.GetUser({ Name: name })), {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: null,
          ConsoleLogin: 0,
          PhoneNum: "",
          CountryCode: "",
          Email: "",
          RecentlyLoginIP: null,
          RecentlyLoginTime: null,
        });
        const listed = (await cam.ListUsers()).Data!.find((u) => u.Name === name);
        assert.deepEqual(listed, {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: "",
          ConsoleLogin: 0,
          PhoneNum: "",
          CountryCode: "",
          Email: "",
          CreateTime: listed?.CreateTime,
          NickName: name,
        });
        const r = await row(server, rootUin, name);
        assert.equal(r?.password_hash, null);
        assert.equal(r?.need_reset_password, 0);
        assert.deepEqual(await keysOf(server, a.Uin!), []);
      });

      test("ConsoleLogin=1 without Password returns a generated 32-character password mixing every class", async () => {
        const seen = new Set<string>();
        for (let i = 0; i < 5; i++) {
          const name = uniq("console");
          const a = await cam.AddUser({ Name: name, ConsoleLogin: 1 });
          const p = a.Password!;
          assert.equal(typeof p, "string");
          assert.equal(p.length, 32, p);
          assert.match(p, GENERATED_PASSWORD_ALPHABET);
          assert.ok(hasEveryClass(p), `generated password ${p} lacks a character class`);
          seen.add(p);
          const r = await row(server, rootUin, name);
          assert.equal(verifyPassword(p, r!.password_hash!), true, "the returned password is the stored one");
          assert.equal((await cam.GetUser({ Name: name })).ConsoleLogin, 1);
        }
        assert.equal(seen.size, 5, "generated passwords repeat");
      });

      test("ConsoleLogin=1 with an empty Password generates one, as the API documents", async () => {
        const name = uniq("console-empty");
        const a = await cam.AddUser({ Name: name, ConsoleLogin: 1, Password: "" });
        assert.equal(a.Password?.length, 32);
        assert.ok(hasEveryClass(a.Password!));
        const r = await row(server, rootUin, name);
        assert.equal(verifyPassword(a.Password!, r!.password_hash!), true);
      });

      test("ConsoleLogin=0 does not generate a password", async () => {
        const name = uniq("noconsole");
        const a = await cam.AddUser({ Name: name, ConsoleLogin: 0 });
        assert.equal(a.Password ?? null, null);
        assert.equal((await row(server, rootUin, name))?.password_hash, null);
        const empty = uniq("noconsole-empty");
        const b = await cam.AddUser({ Name: empty, ConsoleLogin: 0, Password: "" });
        assert.equal(b.Password ?? null, null);
        assert.equal((await row(server, rootUin, empty))?.password_hash, null);
      });

      test("UseApi=1 returns a key that authenticates as the sub-user, who holds no permissions", async () => {
        const name = uniq("api");
        const a = await cam.AddUser({ Name: name, UseApi: 1 });
        assert.match(a.SecretId!, SECRET_ID);
        assert.match(a.SecretKey!, SECRET_KEY);
        assert.equal(a.Password ?? null, null);
        const keys = await keysOf(server, a.Uin!);
        assert.equal(keys.length, 1);
        assert.equal(keys[0]!.secret_id, a.SecretId);
        assert.equal(keys[0]!.account_uin, rootUin);
        assert.equal(keys[0]!.status, "Enabled");
        assert.notEqual(keys[0]!.secret_key_enc, a.SecretKey, "the secret key is stored sealed");

        const sub = camClient(server, { secretId: a.SecretId!, secretKey: a.SecretKey! });
        await rejected(server, () => sub.ListUsers(), "AuthFailure.UnauthorizedOperation", String(a.Uin));
        await rejected(server, () => sub.GetUser({ Name: name }), "AuthFailure.UnauthorizedOperation");
        await rejected(server, () => sub.AddUser({ Name: uniq("by-sub") }), "AuthFailure.UnauthorizedOperation");
        await rejected(server, () => sub.DeleteUser({ Name: name, Force: 1 }), "AuthFailure.UnauthorizedOperation");
        const subOrg = orgClient(server, { secretId: a.SecretId!, secretKey: a.SecretKey! });
        await rejected(server, () => subOrg.DescribeOrganization({}), "AuthFailure.UnauthorizedOperation");

        // Controls: the right SecretId with a wrong SecretKey, and an unknown SecretId.
        const wrongSecret = camClient(server, { secretId: a.SecretId!, secretKey: "x".repeat(32) });
        await rejected(server, () => wrongSecret.ListUsers(), "AuthFailure.SignatureFailure");
        const unknown = camClient(server, { secretId: "AKID" + "0".repeat(32), secretKey: a.SecretKey! });
        await rejected(server, () => unknown.ListUsers(), "AuthFailure.SecretIdNotFound");
      });

      test("ConsoleLogin=1 with UseApi=1 returns both a password and a key", async () => {
        const a = await cam.AddUser({ Name: uniq("both"), ConsoleLogin: 1, UseApi: 1 });
        assert.equal(a.Password?.length, 32);
        assert.match(a.SecretId!, SECRET_ID);
        assert.match(a.SecretKey!, SECRET_KEY);
      });

      test("UseApi=0 issues no key", async () => {
        const a = await cam.AddUser({ Name: uniq("noapi"), UseApi: 0 });
        assert.equal(a.SecretId ?? null, null);
        assert.deepEqual(await keysOf(server, a.Uin!), []);
      });

      test("numeric strings are coerced to integers", async () => {
        const name = uniq("coerced");
        const a = await cam.AddUser({ Name: name, ConsoleLogin: "1", UseApi: "1", NeedResetPassword: "1" } as never);
        assert.equal(a.Password?.length, 32, "ConsoleLogin \"1\" acts as 1");
        assert.match(a.SecretId!, SECRET_ID, "UseApi \"1\" acts as 1");
        assert.equal((await cam.GetUser({ Name: name })).ConsoleLogin, 1);
        const r = await row(server, rootUin, name);
        assert.equal(r?.console_login, 1);
        assert.equal(r?.need_reset_password, 1);
        await cam.UpdateUser({ Name: name, ConsoleLogin: "0" } as never);
        assert.equal((await cam.GetUser({ Name: name })).ConsoleLogin, 0);
      });

      test("GET requests (every value a string) are coerced by the schema, and string fields stay strings", async () => {
        const get = camClient(server, server.root, { reqMethod: "GET" });
        const name = String(900000 + ++counter);
        const a = await get.AddUser({ Name: name, ConsoleLogin: 1, PhoneNum: "0013800138000", Remark: "007" });
        assert.equal(a.Name, name);
        assert.equal(a.Password?.length, 32);
        const got = await get.GetUser({ Name: name });
        assert.equal(got.Name, name);
        assert.equal(got.ConsoleLogin, 1);
        assert.equal(got.PhoneNum, "0013800138000", "leading zeros of a string field survive");
        assert.equal(got.Remark, "007");
        const legacy = camClient(server, server.root, { signMethod: "HmacSHA256" });
        assert.equal((await legacy.GetUser({ Name: name })).Uin, a.Uin);
      });

      test("names of 64 characters and every allowed symbol are accepted", async () => {
        const long = "n" + "x".repeat(59) + String(++counter).padStart(4, "0");
        assert.equal(long.length, 64);
        const symbols = `a+=,.@_-Z9-${++counter}`;
        for (const name of [long, symbols, "x"]) {
          const a = await cam.AddUser({ Name: name });
          assert.equal(a.Name, name);
          assert.equal((await cam.GetUser({ Name: name })).Name, name);
        }
      });

      test("boundary values of the other fields are accepted", async () => {
        const name = uniq("bounds");
        const email = "e".repeat(116) + "@example.com";
        assert.equal(email.length, 128);
        await cam.AddUser({
          Name: name,
          Remark: "r".repeat(255),
          ConsoleLogin: 1,
          Password: "Aa1!" + "b".repeat(28),
          PhoneNum: "1".repeat(32),
          CountryCode: "+852",
          Email: email,
        });
        const got = await cam.GetUser({ Name: name });
        assert.equal(got.Remark, "r".repeat(255));
        assert.equal(got.PhoneNum, "1".repeat(32));
        assert.equal(got.CountryCode, "+852");
        assert.equal(got.Email, email);
        await cam.AddUser({ Name: uniq("pw8"), ConsoleLogin: 1, Password: "Aa1!bcde" });
      });

      test("ListUsers returns exactly the account's sub-users in Uin order, with unique Uin and Uid", async () => {
        const other = await server.newRoot();
        const c = camClient(server, other);
        assert.deepEqual((await c.ListUsers()).Data, []);
        const names = ["zed", "amy", "mid"];
        const added = [];
        for (const n of names) added.push(await c.AddUser({ Name: n }));
        const { Data } = await c.ListUsers();
        assert.deepEqual(
          Data!.map((u) => [u.Name, u.Uin, u.Uid]),
          added.map((a) => [a.Name, a.Uin, a.Uid]),
        );
        const uins = Data!.map((u) => u.Uin!);
        assert.deepEqual([...uins].sort((x, y) => x - y), uins, "ordered by Uin");
        assert.equal(new Set(uins).size, 3);
        assert.equal(new Set(Data!.map((u) => u.Uid)).size, 3);
        assert.ok(!uins.includes(other.uin));
      });
    });

    describe("rejections", () => {
      test("InvalidParameter.UserNameIllegal", async () => {
        const illegal = ["", "a".repeat(65), "has space", " lead", "trail ", "a/b", "中文", "名字abc", "tab\there", "semi;colon", "a*b", "quote'", "new\nline", "emoji😀"];
        for (const name of illegal) {
          await rejected(server, () => cam.AddUser({ Name: name }), "InvalidParameter.UserNameIllegal", "`Name`");
        }
        // The name is checked before anything else.
        await rejected(server, () => cam.AddUser({ Name: "a/b", ConsoleLogin: 2, Password: "weak" }), "InvalidParameter.UserNameIllegal");
      });

      test("InvalidParameter.SubUserNameInUse", async () => {
        const name = uniq("dup");
        await cam.AddUser({ Name: name, Remark: "original", UseApi: 1 });
        await rejected(server, () => cam.AddUser({ Name: name }), "InvalidParameter.SubUserNameInUse", name);
        await rejected(server, () => cam.AddUser({ Name: name, UseApi: 1, ConsoleLogin: 1 }), "InvalidParameter.SubUserNameInUse");
        assert.equal((await cam.GetUser({ Name: name })).Remark, "original");
        assert.equal((await cam.ListUsers()).Data!.filter((u) => u.Name === name).length, 1);
      });

      test("InvalidParameter.PasswordViolatedRules", async () => {
        const weak = [
          "Aa1!bcd", // 7 characters
          "abcdefg1!", // no upper case
          "ABCDEFG1!", // no lower case
          "Abcdefgh!", // no digit
          "Abcdefg12", // no symbol
          "Aa1!" + "b".repeat(29), // 33 characters
          "Abc 123!x", // whitespace
        ];
        for (const password of weak) {
          await rejected(
            server,
            () => cam.AddUser({ Name: uniq("weak"), ConsoleLogin: 1, Password: password }),
            "InvalidParameter.PasswordViolatedRules",
            "`Password`",
          );
        }
        const name = uniq("pw-update");
        await cam.AddUser({ Name: name, ConsoleLogin: 1, Password: "G00d!Password" });
        for (const password of weak) {
          await rejected(server, () => cam.UpdateUser({ Name: name, Password: password }), "InvalidParameter.PasswordViolatedRules");
        }
        const r = await row(server, rootUin, name);
        assert.equal(verifyPassword("G00d!Password", r!.password_hash!), true);
      });

      test("InvalidParameter.ParamError", async () => {
        const bad: Array<[string, Record<string, unknown>]> = [
          ["ConsoleLogin", { ConsoleLogin: 2 }],
          ["ConsoleLogin", { ConsoleLogin: -1 }],
          ["ConsoleLogin", { ConsoleLogin: 1.5 }],
          ["UseApi", { UseApi: 2 }],
          ["NeedResetPassword", { NeedResetPassword: 3 }],
          ["Email", { Email: "not-an-email" }],
          ["Email", { Email: "a b@example.com" }],
          ["Email", { Email: "e".repeat(117) + "@example.com" }],
          ["Remark", { Remark: "r".repeat(256) }],
          ["PhoneNum", { PhoneNum: "138-0013-8000" }],
          ["PhoneNum", { PhoneNum: "phone" }],
          ["PhoneNum", { PhoneNum: "1".repeat(33) }],
          ["CountryCode", { CountryCode: "86a" }],
        ];
        for (const [field, extra] of bad) {
          await rejected(server, () => cam.AddUser({ Name: uniq("param"), ...extra } as never), "InvalidParameter.ParamError", `\`${field}\``);
        }
        const name = uniq("param-update");
        await cam.AddUser({ Name: name, Email: "ok@example.com" });
        for (const [field, extra] of bad.filter(([f]) => f !== "UseApi")) {
          await rejected(server, () => cam.UpdateUser({ Name: name, ...extra } as never), "InvalidParameter.ParamError", `\`${field}\``);
        }
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: 2 }), "InvalidParameter.ParamError", "`Force`");
        assert.equal((await cam.GetUser({ Name: name })).Email, "ok@example.com");
      });

      test("ResourceNotFound.UserNotExist for Get, Update and Delete of an unknown name", async () => {
        const name = uniq("ghost");
        await rejected(server, () => cam.GetUser({ Name: name }), "ResourceNotFound.UserNotExist", name);
        await rejected(server, () => cam.UpdateUser({ Name: name, Remark: "x" }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cam.UpdateUser({ Name: name }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cam.DeleteUser({ Name: name }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: 1 }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cam.GetUser({ Name: "" }), "ResourceNotFound.UserNotExist");
      });

      test("MissingParameter when Name is absent", async () => {
        await rejected(server, () => cam.AddUser({} as never), "MissingParameter", "Name");
        await rejected(server, () => cam.AddUser({ Remark: "no name", UseApi: 1 } as never), "MissingParameter", "Name");
        await rejected(server, () => cam.GetUser({} as never), "MissingParameter", "Name");
        await rejected(server, () => cam.UpdateUser({ Remark: "x" } as never), "MissingParameter", "Name");
        await rejected(server, () => cam.DeleteUser({ Force: 1 } as never), "MissingParameter", "Name");
      });

      test("UnknownParameter for fields the SDK types lack", async () => {
        const name = uniq("known");
        await cam.AddUser({ Name: name, Remark: "kept" });
        await rejected(server, () => cam.UpdateUser({ Name: name, UseApi: 1 } as never), "UnknownParameter", "UseApi");
        await rejected(server, () => cam.UpdateUser({ Name: name, NewName: "renamed" } as never), "UnknownParameter", "NewName");
        await rejected(server, () => cam.AddUser({ Name: uniq("extra"), Nickname: "x" } as never), "UnknownParameter", "Nickname");
        await rejected(server, () => cam.GetUser({ Name: name, Uin: 1 } as never), "UnknownParameter", "Uin");
        await rejected(server, () => cam.DeleteUser({ Name: name, Forced: 1 } as never), "UnknownParameter", "Forced");
        await rejected(server, () => cam.ListUsers({ Name: name } as never), "UnknownParameter", "Name");
        assert.equal((await cam.GetUser({ Name: name })).Remark, "kept");
      });

      test("InvalidParameter for values of the wrong type", async () => {
        const name = uniq("typed");
        await cam.AddUser({ Name: name });
        await rejected(server, () => cam.AddUser({ Name: 5 } as never), "InvalidParameter", "Name");
        await rejected(server, () => cam.AddUser({ Name: uniq("t"), ConsoleLogin: "yes" } as never), "InvalidParameter", "ConsoleLogin");
        await rejected(server, () => cam.AddUser({ Name: uniq("t"), Remark: {} } as never), "InvalidParameter", "Remark");
        await rejected(server, () => cam.AddUser({ Name: uniq("t"), UseApi: true } as never), "InvalidParameter", "UseApi");
        await rejected(server, () => cam.AddUser({ Name: uniq("t"), Email: 42 } as never), "InvalidParameter", "Email");
        await rejected(server, () => cam.AddUser({ Name: [uniq("t")] } as never), "InvalidParameter", "Name");
        await rejected(server, () => cam.GetUser({ Name: 5 } as never), "InvalidParameter", "Name");
        await rejected(server, () => cam.UpdateUser({ Name: name, ConsoleLogin: "yes" } as never), "InvalidParameter", "ConsoleLogin");
        await rejected(server, () => cam.UpdateUser({ Name: name, Remark: {} } as never), "InvalidParameter", "Remark");
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: "yes" } as never), "InvalidParameter", "Force");
        assert.equal((await cam.GetUser({ Name: name })).Name, name);
      });

      test("a sub-user key cannot act, and an unknown key is refused before anything is read", async () => {
        const a = await cam.AddUser({ Name: uniq("keyed"), UseApi: 1 });
        const sub = camClient(server, { secretId: a.SecretId!, secretKey: a.SecretKey! });
        await rejected(server, () => sub.UpdateUser({ Name: a.Name!, Remark: "hijack" }), "AuthFailure.UnauthorizedOperation");
        await rejected(server, () => sub.AddUser({ Name: "" }), "AuthFailure.UnauthorizedOperation");
      });
    });

    describe("DeleteUser", () => {
      test("a sub-user without keys is deleted without Force", async () => {
        const name = uniq("plain");
        const a = await cam.AddUser({ Name: name, ConsoleLogin: 1 });
        const res = await cam.DeleteUser({ Name: name });
        assert.deepEqual(Object.keys(res), ["RequestId"]);
        assert.ok(isUuid(res.RequestId));
        await rejected(server, () => cam.GetUser({ Name: name }), "ResourceNotFound.UserNotExist");
        assert.equal(await row(server, rootUin, name), undefined);
        assert.ok(!(await cam.ListUsers()).Data!.some((u) => u.Uin === a.Uin));
        await rejected(server, () => cam.DeleteUser({ Name: name }), "ResourceNotFound.UserNotExist");
        // The name is free again; the new sub-user is a new identity.
        const again = await cam.AddUser({ Name: name });
        assert.notEqual(again.Uin, a.Uin);
        assert.notEqual(again.Uid, a.Uid);
      });

      test("OperationDenied.HaveKeys without Force; Force=1 deletes the keys too and the key stops working", async () => {
        const name = uniq("haskeys");
        const a = await cam.AddUser({ Name: name, UseApi: 1 });
        const subKey: Key = { secretId: a.SecretId!, secretKey: a.SecretKey! };
        const sub = camClient(server, subKey);
        await rejected(server, () => cam.DeleteUser({ Name: name }), "OperationDenied.HaveKeys");
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: 0 }), "OperationDenied.HaveKeys");
        // Still there, and the key still authenticates.
        assert.equal((await cam.GetUser({ Name: name })).Uin, a.Uin);
        await rejected(server, () => sub.ListUsers(), "AuthFailure.UnauthorizedOperation");

        await cam.DeleteUser({ Name: name, Force: 1 });
        await rejected(server, () => cam.GetUser({ Name: name }), "ResourceNotFound.UserNotExist");
        assert.deepEqual(await keysOf(server, a.Uin!), []);
        await rejected(server, () => sub.ListUsers(), "AuthFailure.SecretIdNotFound");
        await rejected(server, () => orgClient(server, subKey).DescribeOrganization({}), "AuthFailure.SecretIdNotFound");
      });

      test("Force given as a numeric string is coerced", async () => {
        const name = uniq("forcestr");
        await cam.AddUser({ Name: name, UseApi: 1 });
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: "0" } as never), "OperationDenied.HaveKeys");
        await cam.DeleteUser({ Name: name, Force: "1" } as never);
        await rejected(server, () => cam.GetUser({ Name: name }), "ResourceNotFound.UserNotExist");
      });

      test("Force=1 on a sub-user without keys just deletes it", async () => {
        const name = uniq("forcenokey");
        await cam.AddUser({ Name: name });
        await cam.DeleteUser({ Name: name, Force: 1 });
        await rejected(server, () => cam.GetUser({ Name: name }), "ResourceNotFound.UserNotExist");
      });

      test("deleting one sub-user leaves the others and the root key alone", async () => {
        const keep = uniq("keep");
        const k = await cam.AddUser({ Name: keep, UseApi: 1 });
        const gone = uniq("gone");
        await cam.AddUser({ Name: gone, UseApi: 1 });
        await cam.DeleteUser({ Name: gone, Force: 1 });
        assert.equal((await cam.GetUser({ Name: keep })).Uin, k.Uin);
        assert.equal((await keysOf(server, k.Uin!)).length, 1);
        await rejected(server, () => camClient(server, { secretId: k.SecretId!, secretKey: k.SecretKey! }).ListUsers(), "AuthFailure.UnauthorizedOperation");
        assert.ok(Array.isArray((await cam.ListUsers()).Data));
      });
    });

    describe("UpdateUser", () => {
      test("changes only the supplied fields; Uin, Uid, Name and CreateTime never change", async () => {
        const name = uniq("upd");
        const a = await cam.AddUser({
          Name: name,
          Remark: "before",
          ConsoleLogin: 1,
          Password: "0ld!Password",
          NeedResetPassword: 0,
          PhoneNum: "13800138000",
          CountryCode: "86",
          Email: "before@example.com",
        });
        const listed = async () => (await cam.ListUsers()).Data!.find((u) => u.Name === name)!;
        const initial = await listed();
        const hash0 = (await row(server, rootUin, name))!.password_hash;

        const res = await cam.UpdateUser({ Name: name, Remark: "after" });
        assert.deepEqual(Object.keys(res), ["RequestId"]);
        assert.deepEqual(await listed(), { ...initial, Remark: "after" });
        assert.equal((await row(server, rootUin, name))!.password_hash, hash0, "Password untouched");

        await cam.UpdateUser({ Name: name, Email: "after@example.com", PhoneNum: "13900139000" });
        assert.deepEqual(await listed(), { ...initial, Remark: "after", Email: "after@example.com", PhoneNum: "13900139000" });

        await cam.UpdateUser({ Name: name, CountryCode: "852", ConsoleLogin: 0, NeedResetPassword: 1 });
        const now = await listed();
        assert.deepEqual(now, {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: "after",
          ConsoleLogin: 0,
          PhoneNum: "13900139000",
          CountryCode: "852",
          Email: "after@example.com",
          CreateTime: initial.CreateTime,
          NickName: name,
        });
        const r = (await row(server, rootUin, name))!;
        assert.equal(r.need_reset_password, 1);
        assert.equal(r.password_hash, hash0);

        await cam.UpdateUser({ Name: name, Password: "N3w!Password" });
        const r2 = (await row(server, rootUin, name))!;
        assert.equal(verifyPassword("N3w!Password", r2.password_hash!), true);
        assert.equal(verifyPassword("0ld!Password", r2.password_hash!), false);
        assert.deepEqual(await listed(), now, "a password change shows nowhere on the wire");

        // Empty strings clear optional fields.
        await cam.UpdateUser({ Name: name, Remark: "", Email: "", PhoneNum: "", CountryCode: "" });
        assert.deepEqual(withoutRequestId(await cam.GetUser({ Name: name })), {
          Uin: a.Uin,
          Name: name,
          Uid: a.Uid,
          Remark: null,
          ConsoleLogin: 0,
          PhoneNum: "",
          CountryCode: "",
          Email: "",
          RecentlyLoginIP: null,
          RecentlyLoginTime: null,
        });
      });

      test("an UpdateUser with only Name changes nothing visible", async () => {
        const name = uniq("noop");
        await cam.AddUser({ Name: name, Remark: "same", Email: "same@example.com" });
        const before = withoutRequestId(await cam.GetUser({ Name: name }));
        await cam.UpdateUser({ Name: name });
        assert.deepEqual(withoutRequestId(await cam.GetUser({ Name: name })), before);
      });

      test("the name cannot change: there is no field for it and Name only selects", async () => {
        const name = uniq("fixed");
        const a = await cam.AddUser({ Name: name });
        await rejected(server, () => cam.UpdateUser({ Name: name, NewName: uniq("renamed") } as never), "UnknownParameter");
        await rejected(server, () => cam.UpdateUser({ Name: name, NickName: uniq("renamed") } as never), "UnknownParameter");
        assert.equal((await cam.GetUser({ Name: name })).Uin, a.Uin);
      });

      test("updating one sub-user leaves the others alone", async () => {
        const x = uniq("x");
        const y = uniq("y");
        await cam.AddUser({ Name: x, Remark: "x" });
        await cam.AddUser({ Name: y, Remark: "y" });
        await cam.UpdateUser({ Name: x, Remark: "x2" });
        assert.equal((await cam.GetUser({ Name: x })).Remark, "x2");
        assert.equal((await cam.GetUser({ Name: y })).Remark, "y");
      });
    });

    describe("sub-users managed by provisioning", () => {
      test("FailedOperation.Unmodifiable on UpdateUser and DeleteUser; still readable", async () => {
        const name = uniq("managed");
        const a = await cam.AddUser({ Name: name, Remark: "synced", UseApi: 1 });
        await markManaged(server, name);
        await rejected(server, () => cam.UpdateUser({ Name: name, Remark: "edited" }), "FailedOperation.Unmodifiable", "`Name`");
        await rejected(server, () => cam.UpdateUser({ Name: name }), "FailedOperation.Unmodifiable");
        await rejected(server, () => cam.UpdateUser({ Name: name, Password: "N3w!Password" }), "FailedOperation.Unmodifiable");
        await rejected(server, () => cam.DeleteUser({ Name: name }), "FailedOperation.Unmodifiable");
        await rejected(server, () => cam.DeleteUser({ Name: name, Force: 1 }), "FailedOperation.Unmodifiable");
        const got = await cam.GetUser({ Name: name });
        assert.equal(got.Uin, a.Uin);
        assert.equal(got.Remark, "synced");
        assert.ok((await cam.ListUsers()).Data!.some((u) => u.Name === name));
        assert.equal((await keysOf(server, a.Uin!)).length, 1);
        // A managed sub-user's name is still taken.
        await rejected(server, () => cam.AddUser({ Name: name }), "InvalidParameter.SubUserNameInUse");
      });

      test("a managed sub-user without keys is not deletable either", async () => {
        const name = uniq("managed-nokey");
        await cam.AddUser({ Name: name });
        await markManaged(server, name);
        await rejected(server, () => cam.DeleteUser({ Name: name }), "FailedOperation.Unmodifiable");
      });
    });

    describe("isolation between accounts", () => {
      test("a member account's key sees and manages only the member's own sub-users", async () => {
        const manager = await server.newRoot();
        const { members } = await orgWithMembers(server, manager, 2);
        const [m1, m2] = members as [number, number];
        const c1 = camClient(server, await server.keyFor(m1));
        const c2 = camClient(server, await server.keyFor(m2));
        const cm = camClient(server, manager);

        assert.deepEqual((await c1.ListUsers()).Data, []);
        const u1 = await c1.AddUser({ Name: "shared", Remark: "in m1", UseApi: 1 });
        await c1.AddUser({ Name: "only-m1" });
        const u2 = await c2.AddUser({ Name: "shared", Remark: "in m2" });
        const um = await cm.AddUser({ Name: "shared", Remark: "in manager" });
        assert.equal(new Set([u1.Uin, u2.Uin, um.Uin]).size, 3);

        assert.deepEqual(
          (await c1.ListUsers()).Data!.map((u) => u.Name),
          ["shared", "only-m1"],
        );
        assert.deepEqual(
          (await c2.ListUsers()).Data!.map((u) => [u.Name, u.Remark]),
          [["shared", "in m2"]],
        );
        assert.deepEqual(
          (await cm.ListUsers()).Data!.map((u) => [u.Name, u.Remark]),
          [["shared", "in manager"]],
        );
        assert.equal((await c1.GetUser({ Name: "shared" })).Uin, u1.Uin);
        assert.equal((await c2.GetUser({ Name: "shared" })).Uin, u2.Uin);
        await rejected(server, () => c2.GetUser({ Name: "only-m1" }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cm.GetUser({ Name: "only-m1" }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => cm.DeleteUser({ Name: "only-m1" }), "ResourceNotFound.UserNotExist");
        assert.equal((await row(server, m1, "shared"))?.uin, u1.Uin);

        // The member's sub-user key belongs to the member account.
        const keys = await keysOf(server, u1.Uin!);
        assert.equal(keys[0]!.account_uin, m1);
        await rejected(server, () => camClient(server, { secretId: u1.SecretId!, secretKey: u1.SecretKey! }).ListUsers(), "AuthFailure.UnauthorizedOperation");

        // Deleting in one account leaves the namesakes elsewhere.
        await c1.DeleteUser({ Name: "shared", Force: 1 });
        assert.equal((await c2.GetUser({ Name: "shared" })).Uin, u2.Uin);
        assert.equal((await cm.GetUser({ Name: "shared" })).Uin, um.Uin);
      });

      test("another root cannot Get, Update or Delete this account's sub-users; names are per account", async () => {
        const name = uniq("mine");
        const mine = await cam.AddUser({ Name: name, Remark: "root's", UseApi: 1 });
        const otherRoot = await server.newRoot();
        const other = camClient(server, otherRoot);
        await rejected(server, () => other.GetUser({ Name: name }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => other.UpdateUser({ Name: name, Remark: "stolen" }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => other.DeleteUser({ Name: name }), "ResourceNotFound.UserNotExist");
        await rejected(server, () => other.DeleteUser({ Name: name, Force: 1 }), "ResourceNotFound.UserNotExist");
        assert.deepEqual((await other.ListUsers()).Data, []);

        const theirs = await other.AddUser({ Name: name, Remark: "other's" });
        assert.notEqual(theirs.Uin, mine.Uin);
        await other.UpdateUser({ Name: name, Remark: "other's, edited" });
        assert.equal((await cam.GetUser({ Name: name })).Remark, "root's");
        assert.equal((await other.GetUser({ Name: name })).Remark, "other's, edited");
        assert.deepEqual(
          (await other.ListUsers()).Data!.map((u) => u.Uin),
          [theirs.Uin],
        );
        await other.DeleteUser({ Name: name });
        assert.equal((await cam.GetUser({ Name: name })).Uin, mine.Uin);
        assert.equal((await keysOf(server, mine.Uin!)).length, 1);
      });
    });

    describe("concurrency", () => {
      test("two concurrent AddUser with the same Name: exactly one succeeds", async () => {
        for (let round = 0; round < 5; round++) {
          const name = uniq("race");
          const results = await Promise.allSettled([
            cam.AddUser({ Name: name, UseApi: 1 }),
            cam.AddUser({ Name: name, UseApi: 1, ConsoleLogin: 1 }),
          ]);
          const ok = results.filter((r) => r.status === "fulfilled");
          const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
          assert.equal(ok.length, 1, `round ${round}: ${JSON.stringify(results.map((r) => r.status))}`);
          assert.equal(failed.length, 1);
          assert.equal((failed[0]!.reason as { code?: string }).code, "InvalidParameter.SubUserNameInUse");
          const rows = await server.store.db.selectFrom("sub_users").select("uin").where("account_uin", "=", rootUin).where("name", "=", name).execute();
          assert.equal(rows.length, 1);
          const winner = (ok[0] as PromiseFulfilledResult<{ Uin?: number; SecretId?: string }>).value;
          assert.equal(rows[0]!.uin, winner.Uin);
          const keys = await keysOf(server, winner.Uin!);
          assert.deepEqual(
            keys.map((k) => k.secret_id),
            [winner.SecretId],
            "only the winner's key exists",
          );
        }
      });

      test("many concurrent AddUser with one Name across two accounts: one winner per account", async () => {
        const otherRoot = await server.newRoot();
        const other = camClient(server, otherRoot);
        const name = uniq("crowd");
        const calls = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? cam : other).AddUser({ Name: name }));
        const results = await Promise.allSettled(calls);
        const codes = results.map((r) => (r.status === "fulfilled" ? "ok" : (r.reason as { code?: string }).code));
        assert.equal(codes.filter((c) => c === "ok").length, 2, JSON.stringify(codes));
        assert.equal(codes.filter((c) => c === "InvalidParameter.SubUserNameInUse").length, 6, JSON.stringify(codes));
        assert.equal((await cam.GetUser({ Name: name })).Name, name);
        assert.equal((await other.GetUser({ Name: name })).Name, name);
      });
    });
  });

  // Servers with their own clock or limits. They run after the shared server above has closed:
  // on PostgreSQL, two live test schemas in one database break kysely's migrator (see the report).
  describe(`cam sub-users, controlled clock [${engine}]`, () => {
    test("CreateTime is the creation instant in Beijing time, and does not move on update", async () => {
      const clock = new ManualClock(Math.floor(Date.now() / 1000) * 1000 - 7_000);
      const s = await startServer(engine, { clock });
      try {
        const c = camClient(s, s.root);
        const created = clock.now();
        await c.AddUser({ Name: "timed" });
        clock.advance(61_000);
        await c.UpdateUser({ Name: "timed", Remark: "later" });
        const { Data } = await c.ListUsers();
        assert.equal(Data!.length, 1);
        assert.equal(Data![0]!.CreateTime, beijing(created));
        assert.match(Data![0]!.CreateTime!, TIME);
        const r = await row(s, s.root.uin, "timed");
        assert.equal(r?.created_at, created);
        assert.equal(r?.updated_at, created + 61_000);
      } finally {
        await s.close();
      }
    });
  });

  describe(`cam sub-users, quota of 2 [${engine}]`, () => {
    test("InvalidParameter.SubUserFull: the quota is per account", async () => {
      const s = await startServer(engine, { limits: { subUsersPerAccount: 2 } });
      try {
        const c = camClient(s, s.root);
        await c.AddUser({ Name: "one" });
        await c.AddUser({ Name: "two", UseApi: 1 });
        await rejected(s, () => c.AddUser({ Name: "three" }), "InvalidParameter.SubUserFull");
        await rejected(s, () => c.AddUser({ Name: "three", UseApi: 1, ConsoleLogin: 1 }), "InvalidParameter.SubUserFull");
        assert.deepEqual(
          (await c.ListUsers()).Data!.map((u) => u.Name),
          ["one", "two"],
        );
        // Another account has its own quota.
        const other = camClient(s, await s.newRoot());
        await other.AddUser({ Name: "three" });
        await other.AddUser({ Name: "four" });
        await rejected(s, () => other.AddUser({ Name: "five" }), "InvalidParameter.SubUserFull");
        // Deleting frees a slot.
        await c.DeleteUser({ Name: "one" });
        await c.AddUser({ Name: "three" });
        await rejected(s, () => c.AddUser({ Name: "four" }), "InvalidParameter.SubUserFull");
      } finally {
        await s.close();
      }
    });

    test("InvalidParameter.SubUserFull holds under concurrent AddUser", async () => {
      const s = await startServer(engine, { limits: { subUsersPerAccount: 2 } });
      try {
        const c = camClient(s, s.root);
        const results = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => c.AddUser({ Name: `racer-${i}`, UseApi: 1 })));
        const ok = results.filter((r) => r.status === "fulfilled");
        const failed = results.filter((r): r is PromiseRejectedResult => r.status === "rejected");
        assert.deepEqual(
          failed.map((f) => (f.reason as { code?: string }).code),
          Array(4).fill("InvalidParameter.SubUserFull"),
        );
        assert.equal(ok.length, 2);
        assert.equal((await c.ListUsers()).Data!.length, 2);
        const creds = await s.store.db.selectFrom("credentials").select("subject_uin").where("account_uin", "=", s.root.uin).execute();
        assert.equal(creds.length, 3, "the root key and the two winners' keys");
      } finally {
        await s.close();
      }
    });
  });
}
