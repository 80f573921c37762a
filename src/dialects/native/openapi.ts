/**
 * The OpenAPI 3.1 document, generated from the route tables: each route's path parameters, query,
 * body and answer schemas are the ones the door validates with, so the document cannot drift from
 * what the API does. Problem details are every route's `default` answer.
 */
import { COMPONENTS } from "./components.js";
import { NATIVE_PREFIX, type NativeRoute } from "./route.js";
import type { Schema } from "./schema.js";

const TAGS: { name: string; description: string }[] = [
  { name: "organization", description: "The caller's organization, its member accounts and their sub-users." },
  { name: "directory", description: "The directory's users, groups and memberships." },
  { name: "provisioning", description: "Users and groups kept as sub-users in accounts: progress, tasks, failures." },
  { name: "plans", description: "Plans before apply (what the reconciler would do, nothing changed) and the deletion circuit breaker's held deletions." },
  { name: "access", description: "Access by roles (read-only): configurations, assignments, deployments, tasks." },
  { name: "scim", description: "The directory's SCIM credentials and synchronization switch." },
  { name: "engine", description: "The reconcile engine's queue." },
  { name: "emulator", description: "Emulator controls (a server started with --emulator; root accounts' keys only): fault rules." },
  { name: "keys", description: "The caller's account's API keys." },
  { name: "session", description: "Console sign-in: a session cookie and its anti-forgery token." },
  { name: "emulator", description: "Emulator controls of a server started with --emulator: the clock, reset, named snapshots. A root account's key only; one server process." },
  { name: "meta", description: "This document and its reference page (no credentials needed)." },
];

const problem = { description: "Problem details (RFC 9457)", content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } } };

function parameters(schema: Schema | undefined, where: "path" | "query"): Schema[] {
  if (!schema) return [];
  const props = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(props).map(([name, s]) => {
    const { description, ...rest } = s;
    const p: Schema = { name, in: where, required: where === "path" || required.has(name), schema: rest };
    if (description !== undefined) p.description = description;
    return p;
  });
}

function operation(r: NativeRoute): Schema {
  const op: Schema = { operationId: r.name, summary: r.summary, tags: [r.tag] };
  const params = [...parameters(r.params, "path"), ...parameters(r.query, "query")];
  if (params.length > 0) op.parameters = params;
  if (r.body) op.requestBody = { required: Array.isArray(r.body.required) && r.body.required.length > 0, content: { "application/json": { schema: r.body } } };
  const ok: Schema = { description: r.response.description ?? (r.response.status === 204 ? "Done; no content" : r.response.status === 202 ? "Accepted; the engine does the work" : "OK") };
  if (r.response.schema) ok.content = { [r.response.contentType ?? "application/json"]: { schema: r.response.schema } };
  op.responses = { [String(r.response.status)]: ok, default: problem };
  if (r.auth === false) op.security = [];
  return op;
}

export function openApiDocument(routes: readonly NativeRoute[]): Schema {
  const paths: Record<string, Record<string, Schema>> = {};
  for (const r of routes) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: "3.1.0",
    info: {
      title: "OpenCIC native admin API",
      version: "1",
      description:
        "OpenCIC's own API over the same core the vendor APIs use, in OpenCIC's names. Authenticate with an API key: `Authorization: Bearer <SecretId>:<SecretKey>`, or with a console session (POST /session sets its cookie; a request that changes something then sends the session's `X-CSRF-Token` header). Times are RFC 3339 UTC. Errors are RFC 9457 problem details with OpenCIC's `reason` and `field`.",
    },
    servers: [{ url: NATIVE_PREFIX }],
    security: [{ apiKey: [] }, { consoleSession: [] }],
    tags: TAGS,
    paths,
    components: {
      schemas: COMPONENTS,
      securitySchemes: { apiKey: { type: "http", scheme: "bearer", bearerFormat: "SecretId:SecretKey", description: "An account's API key, as `<SecretId>:<SecretKey>`." },
        consoleSession: { type: "apiKey", in: "cookie", name: "opencic_session", description: "A console session (POST /session); changes also need its `X-CSRF-Token` header." },
      },
    },
  };
}
