/**
 * The official Alibaba Cloud clients, pointed at a test server with nothing changed but endpoint
 * and protocol: @alicloud/openapi-client (`callApi`, signature V3 by default, V1 with
 * signatureAlgorithm "v2") and @alicloud/pop-core (V1, every parameter in a form body or the query).
 */
import assert from "node:assert/strict";
import OpenApiModule, * as $OpenApi from "@alicloud/openapi-client";
import OpenApiUtilModule from "@alicloud/openapi-util";
import * as $Util from "@alicloud/tea-util";
import RPCClient from "@alicloud/pop-core";
import type { Key, TestServer } from "./harness.js";

// Both packages are CommonJS with `exports.default`; depending on the loader's interop the class
// is the default import itself or one level down.
const OpenApi = (OpenApiModule.default ?? OpenApiModule) as typeof OpenApiModule.default;
const OpenApiUtil = (OpenApiUtilModule.default ?? OpenApiUtilModule) as typeof OpenApiUtilModule.default;

export const VERSIONS = { cloudsso: "2021-05-15", ram: "2015-05-01", resourcemanager: "2020-03-31", ims: "2019-08-15" } as const;
export type AliyunProduct = keyof typeof VERSIONS;

export type Signing = "v3" | "v1";

export interface AliyunCallOptions {
  method?: "POST" | "GET";
  /** Send the parameters as a form body instead of the query (Terraform's shape). */
  inBody?: boolean;
}

export interface AliyunError {
  code: string;
  statusCode: number;
  message: string;
  data: Record<string, unknown>;
}

/** A CloudSSO/RAM/ResourceManager caller over @alicloud/openapi-client; `call` returns the response body. */
export function aliyunClient(server: Pick<TestServer, "endpoint">, key: Key, product: AliyunProduct, signing: Signing = "v3") {
  const client = new OpenApi(
    new $OpenApi.Config({
      accessKeyId: key.secretId,
      accessKeySecret: key.secretKey,
      endpoint: server.endpoint,
      protocol: "http",
      ...(signing === "v1" ? { signatureAlgorithm: "v2" } : {}),
    }),
  );
  return {
    async call<T = Record<string, any>>(action: string, params: Record<string, unknown> = {}, opts: AliyunCallOptions = {}): Promise<T> {
      const flat = OpenApiUtil.query(params) as Record<string, string>;
      const request = new $OpenApi.OpenApiRequest(opts.inBody ? { body: flat } : { query: flat });
      const p = new $OpenApi.Params({
        action,
        version: VERSIONS[product],
        protocol: "HTTPS",
        pathname: "/",
        method: opts.method ?? "POST",
        authType: "AK",
        style: "RPC",
        reqBodyType: "formData",
        bodyType: "json",
      });
      const res = (await client.callApi(p, request, new $Util.RuntimeOptions({}))) as { body: T; statusCode: number };
      assert.equal(res.statusCode, 200);
      return res.body;
    },
  };
}

/** The same calls through @alicloud/pop-core's RPCClient (V1; POST puts everything in the form body). */
export function popClient(server: Pick<TestServer, "endpoint">, key: Key, product: AliyunProduct) {
  const client = new RPCClient({ accessKeyId: key.secretId, accessKeySecret: key.secretKey, endpoint: `http://${server.endpoint}`, apiVersion: VERSIONS[product] });
  return {
    call<T = Record<string, any>>(action: string, params: Record<string, unknown> = {}, method: "POST" | "GET" = "POST"): Promise<T> {
      return client.request<T>(action, params, { method });
    },
  };
}

/** Asserts an Alibaba error: exactly `code` and HTTP `status`, with the JSON envelope's RequestId/HostId/Recommend. */
export async function expectAliyunError(call: Promise<unknown>, code: string, status: number, messageIncludes?: string): Promise<AliyunError> {
  try {
    await call;
  } catch (e) {
    const err = e as AliyunError;
    assert.equal(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    assert.equal(err.statusCode, status, `expected HTTP ${status} for ${code}, got ${err.statusCode}`);
    assert.match(String(err.data?.RequestId ?? ""), /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
    assert.ok(typeof err.data?.HostId === "string" && typeof err.data?.Recommend === "string", "error envelope lacks HostId/Recommend");
    if (messageIncludes) assert.ok(err.message.includes(messageIncludes), `message "${err.message}" lacks "${messageIncludes}"`);
    return err;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}
