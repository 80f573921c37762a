/**
 * Generates the Tencent request and response schemas from the official SDK's own type definitions
 * (tencentcloud-sdk-nodejs), so neither the wire validation nor the answers can drift from the contract.
 * Run `npm run generate`; test/tencent/schemas-drift.test.ts fails when a committed file is stale.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createGenerator } from "ts-json-schema-generator";

const require = createRequire(import.meta.url);
const sdkRoot = dirname(require.resolve("tencentcloud-sdk-nodejs/package.json"));
const sdkVersion = (JSON.parse(readFileSync(join(sdkRoot, "package.json"), "utf8")) as { version: string }).version;

const PRODUCTS = [
  { product: "organization", version: "2021-03-31", dir: "organization/v20210331", stem: "organization" },
  { product: "cam", version: "2019-01-16", dir: "cam/v20190116", stem: "cam" },
];

type Schema = Record<string, unknown>;
type Products = Record<string, { version: string; actions: Record<string, Schema> }>;

/** Every client method: `Action(req: XRequest, cb?: (error: string, rep: XResponse) => void): Promise<XResponse>`. */
const METHOD = /^\s+(\w+)\(req\??: (\w+), cb\?: \(error: string, rep: (\w+)\) => void\): Promise<\w+>;/gm;

export function generate(): { requests: string; responses: string } {
  const requests: Products = {};
  const responses: Products = {};
  for (const p of PRODUCTS) {
    const base = join(sdkRoot, "tencentcloud/services", p.dir);
    const client = readFileSync(join(base, `${p.stem}_client.d.ts`), "utf8");
    const generator = createGenerator({ path: join(base, `${p.stem}_models.d.ts`), skipTypeCheck: true, expose: "export", topRef: false, jsDoc: "none" });
    const requestSchemas: Record<string, Schema> = {};
    const responseSchemas: Record<string, Schema> = {};
    for (const m of client.matchAll(METHOD)) {
      const [, action, requestType, responseType] = m as unknown as [string, string, string, string];
      const request = schemaOf(generator, requestType);
      // `type X = null` requests (no parameters) accept only an empty object on the wire.
      if (request.type === "null") Object.assign(request, { type: "object", properties: {}, additionalProperties: false });
      requestSchemas[action] = request;
      responseSchemas[action] = schemaOf(generator, responseType);
    }
    requests[p.product] = { version: p.version, actions: sorted(requestSchemas) };
    responses[p.product] = { version: p.version, actions: sorted(responseSchemas) };
  }
  const source = `tencentcloud-sdk-nodejs@${sdkVersion}`;
  return {
    requests: JSON.stringify({ source, products: requests }) + "\n",
    responses: JSON.stringify({ source, products: responses }) + "\n",
  };
}

function schemaOf(generator: ReturnType<typeof createGenerator>, type: string): Schema {
  const schema = generator.createSchema(type) as Schema;
  delete schema.$schema;
  if (schema.definitions && Object.keys(schema.definitions as object).length === 0) delete schema.definitions;
  return schema;
}

const sorted = (actions: Record<string, Schema>) => Object.fromEntries(Object.entries(actions).sort(([a], [b]) => a.localeCompare(b)));

export const OUTPUTS = {
  requests: "src/dialects/tencent/generated/request-schemas.json",
  responses: "src/dialects/tencent/generated/response-schemas.json",
};

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const files = generate();
  writeFileSync(OUTPUTS.requests, files.requests);
  writeFileSync(OUTPUTS.responses, files.responses);
  console.log(`wrote ${OUTPUTS.requests} and ${OUTPUTS.responses}`);
}
