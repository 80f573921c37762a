/**
 * Generates the Tencent request schemas from the official SDK's own type definitions
 * (tencentcloud-sdk-nodejs), so the wire validation cannot drift from the contract.
 * Run `npm run generate`; test/tencent/schemas-drift.test.ts fails when the committed file is stale.
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

export function generate(): string {
  const out: Record<string, { version: string; actions: Record<string, Schema> }> = {};
  for (const p of PRODUCTS) {
    const base = join(sdkRoot, "tencentcloud/services", p.dir);
    const client = readFileSync(join(base, `${p.stem}_client.d.ts`), "utf8");
    const generator = createGenerator({ path: join(base, `${p.stem}_models.d.ts`), skipTypeCheck: true, expose: "export", topRef: false, jsDoc: "none" });
    const actions: Record<string, Schema> = {};
    for (const m of client.matchAll(/^\s+(\w+)\(req\??: (\w+), cb\?/gm)) {
      const [, action, requestType] = m as unknown as [string, string, string];
      const schema = generator.createSchema(requestType) as Schema;
      delete schema.$schema;
      // `type X = null` requests (no parameters) accept only an empty object on the wire.
      if (schema.type === "null") Object.assign(schema, { type: "object", properties: {}, additionalProperties: false });
      if (schema.definitions && Object.keys(schema.definitions as object).length === 0) delete schema.definitions;
      actions[action] = schema;
    }
    out[p.product] = { version: p.version, actions: Object.fromEntries(Object.entries(actions).sort(([a], [b]) => a.localeCompare(b))) };
  }
  return JSON.stringify({ source: `tencentcloud-sdk-nodejs@${sdkVersion}`, products: out }) + "\n";
}

export const OUTPUT = "src/dialects/tencent/generated/request-schemas.json";

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  writeFileSync(OUTPUT, generate());
  console.log(`wrote ${OUTPUT}`);
}
