/** The caller's account's API keys (its own and its sub-users'): issue, list, disable or enable, delete. */
import type { KeyInfo } from "../../../core/accounts.js";
import { arr, int, obj, oneOfValues, ref, str } from "../schema.js";
import { ProblemError } from "../errors.js";
import { type NativeRoute, route } from "../route.js";

const keyParams = obj({ secretId: str({ minLength: 1, maxLength: 128 }) });
const noSuchKey = (secretId: string): never => {
  throw new ProblemError(404, "key.not_found", `the account has no API key ${secretId}`, "secretId");
};

export const keyRoutes: NativeRoute[] = [
  route({
    method: "GET",
    path: "/keys",
    name: "ListKeys",
    summary: "The API keys of the caller's account and its sub-users (never their secrets)",
    tag: "keys",
    response: { status: 200, schema: obj({ items: arr(ref("Key")), totalCount: int() }) },
    run: async ({ core, caller }) => {
      const items = await core.accounts.listKeys(caller.accountUin);
      return { items, totalCount: items.length };
    },
  }),
  route({
    method: "POST",
    path: "/keys",
    name: "CreateKey",
    summary: "Issues an API key for the caller's account; its secret is shown this once",
    tag: "keys",
    response: { status: 201, schema: ref("NewKey") },
    run: ({ core, caller }) => core.accounts.createKey(caller.accountUin),
  }),
  route<{ secretId: string }, unknown, { status: "Enabled" | "Disabled" }>({
    method: "PATCH",
    path: "/keys/{secretId}",
    name: "UpdateKey",
    summary: "Disables or enables a key (a disabled key authenticates nothing, on any door)",
    tag: "keys",
    params: keyParams,
    body: obj({ status: oneOfValues(["Enabled", "Disabled"]) }),
    response: { status: 200, schema: ref("Key") },
    run: async ({ core, caller }, { params, body }) => {
      if (!(await core.accounts.setKeyStatus(params.secretId, body.status, caller.accountUin))) return noSuchKey(params.secretId);
      const keys: KeyInfo[] = await core.accounts.listKeys(caller.accountUin);
      return keys.find((k) => k.secretId === params.secretId) ?? noSuchKey(params.secretId);
    },
  }),
  route<{ secretId: string }>({
    method: "DELETE",
    path: "/keys/{secretId}",
    name: "DeleteKey",
    summary: "Deletes a key",
    tag: "keys",
    params: keyParams,
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => {
      if (!(await core.accounts.deleteKey(caller.accountUin, params.secretId))) noSuchKey(params.secretId);
      return undefined;
    },
  }),
];
