/**
 * The README's Alibaba snippet, as written there (imports and calls), against a real server:
 * if the README stops being true, this fails.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenApi, * as $OpenApi from "@alicloud/openapi-client";
import OpenApiUtil from "@alicloud/openapi-util";
import * as $Util from "@alicloud/tea-util";
import { camClient, startServer, type TestServer } from "../helpers/harness.js";

let server: TestServer;
before(async () => {
  server = await startServer("sqlite");
});
after(() => server?.close());

test("README: @alicloud/openapi-client with only the endpoint changed — ResourceManager, RAM, CloudSSO provisioning", async () => {
  // Under tsx's interop the class may be the default import itself; plain Node ESM needs `.default` as the README writes.
  const Client = ((OpenApi as unknown as { default?: unknown }).default ?? OpenApi) as typeof OpenApi.default;
  const util = ((OpenApiUtil as unknown as { default?: unknown }).default ?? OpenApiUtil) as typeof OpenApiUtil.default;
  const client = new Client(new $OpenApi.Config({ accessKeyId: server.root.secretId, accessKeySecret: server.root.secretKey, endpoint: server.endpoint, protocol: "http" }));
  const call = (action: string, version: string, params: Record<string, unknown>) =>
    client.callApi(
      new $OpenApi.Params({ action, version, protocol: "HTTPS", pathname: "/", method: "POST", authType: "AK", style: "RPC", reqBodyType: "formData", bodyType: "json" }),
      new $OpenApi.OpenApiRequest({ query: util.query(params) }),
      new $Util.RuntimeOptions({}),
    ) as Promise<{ body: any }>;

  await call("EnableResourceDirectory", "2020-03-31", { EnableMode: "CurrentAccount" });
  const { Account } = (await call("CreateResourceAccount", "2020-03-31", { DisplayName: "dev" })).body;
  await call("CreateUser", "2015-05-01", { UserName: "alice", DisplayName: "Alice" });
  assert.deepEqual((await call("ListUsers", "2015-05-01", { MaxItems: 100 })).body.Users.User.map((u: { UserName: string }) => u.UserName), ["alice"]);

  await call("EnableService", "2021-05-15", {});
  const { Directory } = (await call("CreateDirectory", "2021-05-15", { DirectoryName: "acme" })).body;
  const { User } = (await call("CreateUser", "2021-05-15", { DirectoryId: Directory.DirectoryId, UserName: "carol" })).body;
  await call("CreateUserProvisioning", "2021-05-15", {
    DirectoryId: Directory.DirectoryId,
    PrincipalId: User.UserId,
    PrincipalType: "User",
    TargetId: Account.AccountId,
    TargetType: "RD-Account",
    DuplicationStrategy: "KeepBoth",
    DeletionStrategy: "Delete",
  });
  const memberKey = await server.keyFor(Number(Account.AccountId));
  const deadline = Date.now() + 10_000;
  while (!((await camClient(server, memberKey).ListUsers()).Data ?? []).some((u) => u.Name === "carol")) {
    assert.ok(Date.now() < deadline, "carol never appeared in the member account");
    await new Promise((r) => setTimeout(r, 25));
  }
});
