/**
 * Generates the Alibaba request and response schemas from the vendor's own SDK model classes
 * (Darabonba/Tea models: each class's static names() gives the wire names, types() the types), so
 * neither the parameter checks nor the answers can drift from the contract.
 *
 * - RAM 2015-05-01, ResourceManager 2020-03-31 and IMS 2019-08-15 come from their npm packages (pinned
 *   devDependencies): the compiled client and models are imported and asked at run time.
 * - CloudSSO 2021-05-15 is not on npm. Its sources are the folder `cloudsso-20210515` of the public
 *   repository aliyun/alibabacloud-typescript-sdk, checked out OUTSIDE this repository and named by
 *   `--cloudsso <dir>` or OPENCIC_CLOUDSSO_SDK_DIR; the same client and model classes are compiled
 *   from those sources (typescript's transpileModule) and asked the same way. Without the folder,
 *   the committed CloudSSO schemas are kept as generated (only OpenCIC's additions are merged anew).
 *
 * For every action of a product's client (`xWithOptions(request, runtime)`), the client method is
 * run against a stub transport with every request field set, which shows the action's wire name and
 * how each field travels: as a value, repeat-flattened (`Tags.1.Key`), or JSON-encoded (the SDK's
 * "shrink" fields). The response model's `body` type is the answer's schema. Numbers are Tea's
 * `number`; the door reads request numbers as integers (see params.ts).
 *
 * Run `npm run generate:aliyun [-- --cloudsso <dir> [--cloudsso-commit <sha>]]`;
 * test/aliyun/schemas-drift.test.ts fails when a committed file is stale.
 */
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { compileFunction } from "node:vm";
import ts from "typescript";
import { type Addition, REQUEST_ADDITIONS, RESPONSE_ADDITIONS } from "../src/dialects/aliyun/wire-spec.js";

const require = createRequire(import.meta.url);

export type Schema = { [key: string]: unknown; type?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };
export type Product = "cloudsso" | "ram" | "resourcemanager" | "ims";

/** Where a product's models came from, as recorded in the generated files. */
export type Source =
  | { package: string; version: string }
  | { repository: string; path: string; commit: string; package: string; version: string; sourceHash: string; schemaHash: string };

export interface ProductSchemas {
  version: string;
  source: Source;
  actions: Record<string, Schema>;
}

export interface SchemaFile {
  products: Record<Product, ProductSchemas>;
}

export const NPM_PRODUCTS = [
  { product: "ram", version: "2015-05-01", package: "@alicloud/ram20150501" },
  { product: "resourcemanager", version: "2020-03-31", package: "@alicloud/resourcemanager20200331" },
  // IMS holds RAM's identity providers: a member account reads the SAML provider CloudSSO deployed there.
  { product: "ims", version: "2019-08-15", package: "@alicloud/ims20190815" },
] as const;

export const CLOUDSSO = { product: "cloudsso", version: "2021-05-15", repository: "aliyun/alibabacloud-typescript-sdk", path: "cloudsso-20210515" } as const;

export const OUTPUTS = {
  requests: "src/dialects/aliyun/generated/request-schemas.json",
  responses: "src/dialects/aliyun/generated/response-schemas.json",
  types: "src/dialects/aliyun/generated/types.ts",
};

// ---- loading an SDK: its client class, its model classes, and the client's method signatures ----

type ModelClass = { new (map?: Record<string, unknown>): object; names(): Record<string, string>; types(): Record<string, TeaType> };
type TeaType = string | ModelClass | { type: "array"; itemType: TeaType } | { type: "map"; keyType: TeaType; valueType: TeaType };
type ClientMethod = (this: object, ...args: unknown[]) => Promise<unknown>;

export interface Sdk {
  client: { prototype: Record<string, ClientMethod> };
  models: Record<string, unknown>;
  /** The client's declarations (`client.d.ts`, or `client.ts` for sources): the method signatures. */
  declarations: string;
}

/** A compiled SDK package as npm installs it. */
export function loadPackage(name: string): { sdk: Sdk; version: string } {
  const root = dirname(require.resolve(`${name}/package.json`));
  const mod = require(name) as Record<string, unknown> & { default: Sdk["client"] };
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;
  return { sdk: { client: mod.default, models: mod, declarations: readFileSync(join(root, "dist/client.d.ts"), "utf8") }, version };
}

/**
 * An SDK from its TypeScript sources (`<dir>/src/client.ts` and `<dir>/src/models/*.ts`), compiled
 * to CommonJS in memory and run with the Darabonba runtime the npm SDKs above bring
 * (`@darabonba/typescript`, `@alicloud/openapi-core`), the runtime these sources are written for.
 */
export function loadSources(dir: string): { sdk: Sdk; version: string } {
  const runtime = createRequire(require.resolve(NPM_PRODUCTS[0].package));
  const cache = new Map<string, { exports: Record<string, unknown> }>();
  const load = (file: string): Record<string, unknown> => {
    const cached = cache.get(file);
    if (cached) return cached.exports;
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module);
    const js = ts.transpileModule(readFileSync(file, "utf8"), {
      // Class fields as assignments (as the npm builds compile them): defined fields would reset what the Model constructor set.
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, useDefineForClassFields: false },
      fileName: file,
    }).outputText;
    const requireFrom = (spec: string) => {
      if (!spec.startsWith(".")) return runtime(spec) as unknown;
      const base = resolve(dirname(file), spec);
      return load(existsSync(`${base}.ts`) ? `${base}.ts` : join(base, "index.ts"));
    };
    compileFunction(js, ["exports", "require", "module"], { filename: file })(module.exports, requireFrom, module);
    return module.exports;
  };
  const clientFile = join(dir, "src/client.ts");
  const mod = load(clientFile) as Record<string, unknown> & { default: Sdk["client"] };
  const version = (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
  return { sdk: { client: mod.default, models: mod, declarations: readFileSync(clientFile, "utf8") }, version };
}

/** SHA-256 over the files the schemas are generated from (client.ts and the models), by relative path. */
export function sourceHash(dir: string): string {
  const hash = createHash("sha256");
  const files = ["src/client.ts", ...readdirSync(join(dir, "src/models")).filter((f) => f.endsWith(".ts")).sort().map((f) => `src/models/${f}`)];
  for (const f of files) hash.update(f).update("\0").update(readFileSync(join(dir, f))).update("\0");
  return `sha256:${hash.digest("hex")}`;
}

/** The commit that last changed `dir` in its git checkout, or undefined when it is none (or has changes). */
export function gitCommit(dir: string): string | undefined {
  try {
    const git = (...args: string[]) => execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
    if (git("status", "--porcelain", "--", ".") !== "") return undefined;
    return git("log", "-1", "--format=%H", "--", ".") || undefined;
  } catch {
    return undefined;
  }
}

// ---- Tea types → JSON Schema ----

const isModel = (t: unknown): t is ModelClass => typeof t === "function" && typeof (t as ModelClass).names === "function";

function schemaOf(t: TeaType, seen: ModelClass[] = []): Schema {
  if (typeof t === "string") {
    switch (t) {
      case "string":
        return { type: "string" };
      case "number":
        return { type: "number" };
      case "boolean":
        return { type: "boolean" };
      case "any":
        return {};
    }
    throw new Error(`unknown Tea type ${t}`);
  }
  if (isModel(t)) {
    if (seen.includes(t)) throw new Error(`recursive model ${t.name}`);
    const names = t.names();
    const types = t.types();
    const properties: Record<string, Schema> = {};
    for (const [field, wire] of Object.entries(names)) properties[wire] = schemaOf(types[field]!, [...seen, t]);
    return { type: "object", properties };
  }
  if (t.type === "array") return { type: "array", items: schemaOf(t.itemType, seen) };
  if (t.type === "map") return { type: "object", additionalProperties: schemaOf(t.valueType, seen) };
  throw new Error(`unknown Tea type ${JSON.stringify(t)}`);
}

/** A value of every field, so the client sends every field it knows. */
function sampleOf(t: TeaType): unknown {
  if (typeof t === "string") return t === "number" ? 7 : t === "boolean" ? true : "s";
  if (isModel(t)) {
    const types = t.types();
    return new t(Object.fromEntries(Object.keys(t.names()).map((f) => [f, sampleOf(types[f]!)])));
  }
  if (t.type === "array") return [sampleOf(t.itemType)];
  return { k: sampleOf(t.valueType) };
}

/** A model instance as plain data, the way the client JSON-encodes it (wire names). */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v !== null && typeof v === "object") {
    const names = isModel(v.constructor) ? v.constructor.names() : undefined;
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [names?.[k] ?? k, plain(x)]));
  }
  return v;
}

// ---- one product ----

/** `createUserWithOptions(request: $_model.CreateUserRequest, runtime: …): Promise<$_model.CreateUserResponse>` (request absent when the action takes none). */
const METHOD = /(\w+WithOptions)\((?:\w+: \$_model\.(\w+), )?runtime: \$dara\.RuntimeOptions\): Promise<\$_model\.(\w+)>/g;

interface Captured {
  params: { action: string; version: string; style: string };
  req: { query?: Record<string, string>; body?: Record<string, unknown> };
}

/** Runs a client method against a stub transport: what it would send, and the response model it casts to. */
async function call(sdk: Sdk, method: string, request: unknown): Promise<{ sent: Captured; response: object }> {
  let sent: Captured | undefined;
  const stub = Object.create(sdk.client.prototype) as Record<string, unknown>;
  stub.callApi = async (params: Captured["params"], req: Captured["req"]) => {
    sent = { params, req };
    return {};
  };
  const fn = sdk.client.prototype[method]!;
  const response = (await (request === undefined ? fn.call(stub, {}) : fn.call(stub, request, {}))) as object;
  if (!sent) throw new Error(`${method} sent nothing`);
  return { sent, response };
}

export async function productSchemas(sdk: Sdk, version: string): Promise<{ requests: Record<string, Schema>; responses: Record<string, Schema> }> {
  const requests: Record<string, Schema> = {};
  const responses: Record<string, Schema> = {};
  const methods = [...sdk.declarations.matchAll(METHOD)];
  // Every `xWithOptions(` the client declares must have been read by METHOD: none is left out unseen.
  const declared = new Set([...sdk.declarations.matchAll(/^\s+(?:async )?(\w+WithOptions)\(/gm)].map((m) => m[1]));
  const read = new Set(methods.map((m) => m[1]));
  if (declared.size === 0 || [...declared].some((m) => !read.has(m))) throw new Error(`client methods not understood: ${[...declared].filter((m) => !read.has(m)).join(", ") || "none found"}`);
  for (const [, method, requestName, responseName] of methods as unknown as [string, string, string | undefined, string][]) {
    const requestModel = requestName === undefined ? undefined : (sdk.models[requestName] as ModelClass | undefined);
    if (requestName !== undefined && !isModel(requestModel)) throw new Error(`${method}: no model ${requestName}`);
    const { sent, response } = await call(sdk, method, requestModel && sampleOf(requestModel));
    const { action } = sent.params;
    if (sent.params.version !== version || sent.params.style !== "RPC") throw new Error(`${method}: ${sent.params.style} ${sent.params.version}`);
    if (response.constructor !== sdk.models[responseName]) throw new Error(`${method}: answers ${response.constructor.name}, declared ${responseName}`);
    if (Object.hasOwn(requests, action)) throw new Error(`${action} twice`);
    requests[action] = requestModel ? requestSchema(action, requestModel, sent.req) : { type: "object", properties: {} };
    const body = (response.constructor as ModelClass).types().body;
    if (!isModel(body)) throw new Error(`${action}: the response has no body model`);
    responses[action] = schemaOf(body);
  }
  return { requests: sorted(requests), responses: sorted(responses) };
}

/**
 * Each request field as the wire carries it: its wire name and type, and `x-wire: "json"` where the
 * client sends a list or object JSON-encoded (a "shrink" field). A list or object without it is
 * repeat-flattened (`Tags.1.Key`). A field the client does not send is not on the wire.
 */
function requestSchema(action: string, model: ModelClass, req: Captured["req"]): Schema {
  const sent: Record<string, unknown> = { ...req.query, ...req.body };
  const types = model.types();
  const properties: Record<string, Schema> = {};
  for (const [field, wire] of Object.entries(model.names())) {
    const type = types[field]!;
    const schema = schemaOf(type);
    const sample = sampleOf(type);
    const value = sent[wire];
    const flattened = Object.keys(sent).some((k) => k.startsWith(`${wire}.`));
    if (typeof type === "string") {
      if (value !== String(sample)) throw new Error(`${action}.${wire}: sent as ${JSON.stringify(value)}`);
    } else if (flattened || (value !== null && typeof value === "object")) {
      // Flattened into the query, or left structured in a form body (which the client flattens the same way).
    } else if (typeof value === "string" && JSON.stringify(JSON.parse(value)) === JSON.stringify(plain(sample))) {
      schema["x-wire"] = "json";
    } else if (value === undefined) {
      continue;
    } else {
      throw new Error(`${action}.${wire}: sent as ${JSON.stringify(value)}`);
    }
    properties[wire] = schema;
  }
  return { type: "object", properties };
}

const sorted = <T>(actions: Record<string, T>) => Object.fromEntries(Object.entries(actions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

// ---- OpenCIC's documented additions ----

/** The marker on a field OpenCIC takes or sends that the vendor's model lacks (wire-spec.ts *_ADDITIONS), saying why. */
export const ADDITION = "x-opencic-addition";

type Additions = Partial<Record<Product, Record<string, Addition[]>>>;

/** A schema with OpenCIC's additions for the action merged in, each marked with why. */
export function withAdditions(additions: Additions, product: Product, action: string, schema: Schema): Schema {
  const out = structuredClone(schema);
  for (const add of additions[product]?.[action] ?? []) {
    let node = out;
    for (const step of add.at === "" ? [] : add.at.split(".")) {
      const next = step === "[]" ? node.items : node.properties?.[step];
      if (!next) throw new Error(`${product} ${action}: no ${add.at} to add to`);
      node = next;
    }
    for (const [name, field] of Object.entries(add.fields)) {
      if (node.properties?.[name]) throw new Error(`${product} ${action}: ${add.at}.${name} is the vendor's own field, not an addition`);
      node.properties = { ...node.properties, [name]: { ...field, [ADDITION]: add.why } };
    }
  }
  return out;
}

/** A response schema without OpenCIC's additions: what the vendor's model says. */
export function withoutAdditions(schema: Schema): Schema {
  const out: Schema = {};
  for (const [k, v] of Object.entries(schema)) {
    if (k === "properties") {
      out.properties = Object.fromEntries(Object.entries(v as Record<string, Schema>).filter(([, p]) => !(ADDITION in p)).map(([n, p]) => [n, withoutAdditions(p)]));
    } else if ((k === "items" || k === "additionalProperties") && typeof v === "object") {
      out[k] = withoutAdditions(v as Schema);
    } else {
      out[k] = v;
    }
  }
  return out;
}

const vendorOnly = (actions: Record<string, Schema>) => Object.fromEntries(Object.entries(actions).map(([a, s]) => [a, withoutAdditions(s)]));

/** SHA-256 of a product's vendor-derived schemas (without OpenCIC's additions): what the sources generated. */
export function schemaHash(requests: Record<string, Schema>, responses: Record<string, Schema>): string {
  const vendor = { requests: vendorOnly(requests), responses: vendorOnly(responses) };
  return `sha256:${createHash("sha256").update(JSON.stringify(vendor)).digest("hex")}`;
}

// ---- the files ----

/** One action a line: small diffs when the vendor changes an action. */
function render(file: SchemaFile): string {
  const products = Object.entries(file.products).map(([product, p]) => {
    const actions = Object.entries(p.actions).map(([a, s]) => `      ${JSON.stringify(a)}: ${JSON.stringify(s)}`);
    return `    ${JSON.stringify(product)}: {\n      "version": ${JSON.stringify(p.version)},\n      "source": ${JSON.stringify(p.source)},\n      "actions": {\n${actions.map((l) => `  ${l}`).join(",\n")}\n      }\n    }`;
  });
  return `{\n  "products": {\n${products.join(",\n")}\n  }\n}\n`;
}

export interface GenerateOptions {
  /** The `cloudsso-20210515` folder of aliyun/alibabacloud-typescript-sdk; without it the committed CloudSSO schemas are kept. */
  cloudssoDir?: string;
  /** The commit those sources are at, where `cloudssoDir` is no clean git checkout to ask. */
  cloudssoCommit?: string;
  /** The committed files, for what is kept (default: read from OUTPUTS). */
  committed?: { requests: string; responses: string };
}

export async function generate(opts: GenerateOptions = {}): Promise<{ requests: string; responses: string; types: string }> {
  const requests = {} as SchemaFile["products"];
  const responses = {} as SchemaFile["products"];
  const add = (product: Product, version: string, source: Source, s: { requests: Record<string, Schema>; responses: Record<string, Schema> }) => {
    for (const additions of [REQUEST_ADDITIONS, RESPONSE_ADDITIONS]) {
      for (const action of Object.keys(additions[product] ?? {})) if (!Object.hasOwn(s.requests, action)) throw new Error(`an addition to ${product} ${action}, which the SDK does not have`);
    }
    const merged = (additions: Additions, actions: Record<string, Schema>) => Object.fromEntries(Object.entries(actions).map(([a, r]) => [a, withAdditions(additions, product, a, r)]));
    requests[product] = { version, source, actions: merged(REQUEST_ADDITIONS, s.requests) };
    responses[product] = { version, source, actions: merged(RESPONSE_ADDITIONS, s.responses) };
  };

  if (opts.cloudssoDir !== undefined) {
    const dir = resolve(opts.cloudssoDir);
    const commit = opts.cloudssoCommit ?? gitCommit(dir);
    if (!commit) throw new Error(`${dir} is no clean git checkout: name the commit its sources are at with --cloudsso-commit`);
    const { sdk, version } = loadSources(dir);
    const s = await productSchemas(sdk, CLOUDSSO.version);
    const source: Source = { repository: CLOUDSSO.repository, path: CLOUDSSO.path, commit, package: "@alicloud/cloudsso20210515", version, sourceHash: sourceHash(dir), schemaHash: schemaHash(s.requests, s.responses) };
    add("cloudsso", CLOUDSSO.version, source, s);
  } else {
    const committed = opts.committed ?? { requests: readFileSync(OUTPUTS.requests, "utf8"), responses: readFileSync(OUTPUTS.responses, "utf8") };
    const req = (JSON.parse(committed.requests) as SchemaFile).products.cloudsso;
    const res = (JSON.parse(committed.responses) as SchemaFile).products.cloudsso;
    add("cloudsso", CLOUDSSO.version, req.source, { requests: vendorOnly(req.actions), responses: vendorOnly(res.actions) });
  }
  for (const p of NPM_PRODUCTS) {
    const { sdk, version } = loadPackage(p.package);
    add(p.product, p.version, { package: p.package, version }, await productSchemas(sdk, p.version));
  }
  return { requests: render({ products: requests }), responses: render({ products: responses }), types: renderTypes(requests, responses) };
}

// ---- TypeScript types, from the schemas ----

function tsType(s: Schema, indent: string): string {
  if (s.type === "string") return "string";
  if (s.type === "number") return "number";
  if (s.type === "boolean") return "boolean";
  if (s.type === "array") return `${wrap(tsType(s.items!, indent))}[]`;
  if (s.type === "object" && s.properties) {
    const fields = Object.entries(s.properties).map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}?: ${tsType(v, indent)}`);
    return fields.length === 0 ? "{}" : `{ ${fields.join("; ")} }`;
  }
  if (s.type === "object" && typeof s.additionalProperties === "object") return `Record<string, ${tsType(s.additionalProperties, indent)}>`;
  return "unknown";
}

const wrap = (t: string) => (/^[\w.]+$/.test(t) || t.startsWith("{") || t.startsWith("Record<") ? t : `(${t})`);

function renderTypes(requests: SchemaFile["products"], responses: SchemaFile["products"]): string {
  const block = (name: string, doc: string, products: SchemaFile["products"]) => {
    const lines = [`/** ${doc} */`, `export interface ${name} {`];
    for (const [product, p] of Object.entries(products)) {
      lines.push(`  ${product}: {`);
      for (const [action, s] of Object.entries(p.actions)) lines.push(`    ${action}: ${tsType(s, "    ")};`);
      lines.push("  };");
    }
    lines.push("}");
    return lines.join("\n");
  };
  return [
    "// Generated by scripts/generate-aliyun-schemas.ts from request-schemas.json and response-schemas.json: do not edit.",
    "",
    block("AliyunRequests", "Each action's parameters as the vendor's request model declares them (wire names; lists and JSON-encoded values decoded).", requests),
    "",
    block("AliyunResponses", "Each action's answer body as the vendor's response model declares it, with OpenCIC's documented additions.", responses),
    "",
  ].join("\n");
}

// ---- the command ----

function argOf(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop()!)) {
  const cloudssoDir = argOf("--cloudsso") ?? process.env.OPENCIC_CLOUDSSO_SDK_DIR;
  const files = await generate({ cloudssoDir, cloudssoCommit: argOf("--cloudsso-commit") });
  writeFileSync(OUTPUTS.requests, files.requests);
  writeFileSync(OUTPUTS.responses, files.responses);
  writeFileSync(OUTPUTS.types, files.types);
  console.log(`wrote ${OUTPUTS.requests}, ${OUTPUTS.responses} and ${OUTPUTS.types}`);
  if (!cloudssoDir) console.log("CloudSSO: kept the committed schemas (give --cloudsso <dir> or OPENCIC_CLOUDSSO_SDK_DIR to regenerate them from the SDK sources)");
}
