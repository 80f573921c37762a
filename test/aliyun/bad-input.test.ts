/**
 * Bad input of every kind, swept over every action the Alibaba door serves. The cases are generated
 * from each action's parameter spec as the door checks it (its request schema generated from the
 * vendor's SDK model, with the door's required parameters and rules, schemas.ts), plus the limits the
 * core enforces on those parameters (CORE_LIMITS), so a new action or parameter is covered without
 * touching this file:
 *
 * - each required parameter missing or empty: `Missing{Param}`, 400;
 * - integers that are not integers, too big, or out of the declared range; booleans that are not
 *   booleans; enum values that are not in the enum; strings over their length (in ASCII and in emoji),
 *   with NUL and other control characters, or 100 KB long; JSON that is not JSON; repeat lists with bad
 *   positions, holes, or items of the wrong shape; a Format that is neither JSON nor XML:
 *   `InvalidParameter.{Param}`, 400; plus the grammars inside values (filters, external ids, phone
 *   numbers, folder ids, passwords) and the core's own bounds, which no parameter spec describes;
 * - ids of the wrong shape, or another tenant's real ids, once every other parameter names a real
 *   object of the caller's own world: the action's documented `EntityNotExists.*`, 404;
 * - garbage at the wire level for a sample of actions: unknown Version and Action (including
 *   Object.prototype names), Format, empty/JSON/binary bodies, parameters given twice, a huge query.
 *
 * Every case goes through an official client (openapi-client V3 and V1, query, body and GET, and
 * pop-core, in rotation) or, for what no client can express, a request signed by their own signer.
 * Every case must be a 4xx with the full error envelope, and the store must be unchanged afterwards.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import OpenApiUtilModule from "@alicloud/openapi-util";
import type { ActionTable } from "../../src/dialects/aliyun/action.js";
import { cloudssoActions } from "../../src/dialects/aliyun/actions/cloudsso.js";
import { imsActions } from "../../src/dialects/aliyun/actions/ims.js";
import { ramActions } from "../../src/dialects/aliyun/actions/ram.js";
import { resourceManagerActions } from "../../src/dialects/aliyun/actions/resource-manager.js";
import { requestSpec } from "../../src/dialects/aliyun/schemas.js";
import { type AliyunProduct, aliyunClient, popClient, VERSIONS } from "../helpers/aliyun.js";
import { ENGINES, type Key, orgWithMembers, snapshot, startServer, type TestServer } from "../helpers/harness.js";
import { isoSeconds, newNonce, type RawRequest, type RawResponse, send, v1Request, v3Request } from "./support.js";

const OpenApiUtil = (OpenApiUtilModule.default ?? OpenApiUtilModule) as typeof OpenApiUtilModule.default;

const TABLES: Record<AliyunProduct, ActionTable> = { cloudsso: cloudssoActions, ram: ramActions, resourcemanager: resourceManagerActions, ims: imsActions };
const PRODUCTS = Object.keys(TABLES) as AliyunProduct[];

/** How a case reaches the server: the official clients' request shapes (spec §1.2). */
type Shape = "v3" | "v1" | "v3-body" | "v1-body" | "v1-get" | "pop";
const SHAPES: Shape[] = ["v3", "v1", "v3-body", "pop", "v1-get", "v1-body"];
/** Shapes that carry the parameters in a form body (a 100 KB value would overflow a query). */
const BODY_SHAPES: Shape[] = ["v3-body", "v1-body", "pop"];

type Expected = { code: string; status: number } | "ok";

interface Case {
  product: AliyunProduct;
  action: string;
  label: string;
  params: Record<string, string>;
  expect: Expected;
  shapes?: Shape[];
}

/** One tenant's world: an organization with two members, a CloudSSO directory with a user in a group,
 * a provisioning that succeeded, one whose unit failed (so an event exists), and a RAM user. */
interface Tenant {
  key: Key & { uin: number };
  members: number[];
  directoryId: string;
  userId: string;
  groupId: string;
  provisioningId: string;
  eventId: string;
  ramUser: string;
  credentialId: string;
  /** An access configuration holding a system policy. */
  accessConfigurationId: string;
  /** The task of an access assignment (the group, on the first member, of a configuration without policies). */
  taskId: string;
  /** The names CloudSSO gives what that assignment deployed into the member account. */
  deployedConfigurationName: string;
}

interface World {
  server: TestServer;
  a: Tenant;
  b: Tenant;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function tenant(server: TestServer, tag: string): Promise<Tenant> {
  const key = await server.newRoot(`sweep-${tag}`);
  const { members } = await orgWithMembers(server, key, 2);
  const sso = aliyunClient(server, key, "cloudsso");
  await sso.call("EnableService");
  const directoryId = (await sso.call("CreateDirectory", { DirectoryName: `sweep-${tag}-${randomBytes(3).toString("hex")}` })).Directory.DirectoryId as string;
  const newUser = async (name: string) => (await sso.call("CreateUser", { DirectoryId: directoryId, UserName: name, Email: `${name}@example.com` })).User.UserId as string;
  const userId = await newUser(`alice-${tag}`);
  const groupId = (await sso.call("CreateGroup", { DirectoryId: directoryId, GroupName: `eng-${tag}` })).Group.GroupId as string;
  await sso.call("AddUserToGroup", { DirectoryId: directoryId, GroupId: groupId, UserId: userId });
  const provision = async (principalId: string, principalType: string, member: number) =>
    (
      await sso.call("CreateUserProvisioning", {
        DirectoryId: directoryId,
        PrincipalId: principalId,
        PrincipalType: principalType,
        TargetId: String(member),
        TargetType: "RD-Account",
        DuplicationStrategy: "KeepBoth",
        DeletionStrategy: "Delete",
      })
    ).UserProvisioning.UserProvisioningId as string;
  const provisioningId = await provision(groupId, "Group", members[0]!);
  // A clash KeepBoth cannot resolve (the name and name_sso both taken): the unit fails, leaving an event.
  const memberRam = aliyunClient(server, await server.keyFor(members[1]!), "ram");
  await memberRam.call("CreateUser", { UserName: `eve-${tag}` });
  await memberRam.call("CreateUser", { UserName: `eve-${tag}_sso` });
  await provision(await newUser(`eve-${tag}`), "User", members[1]!);
  let eventId = "";
  await until(async () => {
    const events = await sso.call("ListUserProvisioningEvents", { DirectoryId: directoryId });
    eventId = events.UserProvisioningEvents[0]?.EventId ?? "";
    return eventId !== "";
  }, "a failed provisioning event");
  const ramUser = `ram-${tag}`;
  await aliyunClient(server, key, "ram").call("CreateUser", { UserName: ramUser, DisplayName: "sweep" });
  const credentialId = (await sso.call("CreateSCIMServerCredential", { DirectoryId: directoryId })).SCIMServerCredential.CredentialId as string;
  const accessConfigurationId = (await sso.call("CreateAccessConfiguration", { DirectoryId: directoryId, AccessConfigurationName: `sweep-${tag}` })).AccessConfiguration.AccessConfigurationId as string;
  await sso.call("AddPermissionPolicyToAccessConfiguration", { DirectoryId: directoryId, AccessConfigurationId: accessConfigurationId, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" });
  const deployedConfigurationName = `sweep-roles-${tag}`;
  const deployed = (await sso.call("CreateAccessConfiguration", { DirectoryId: directoryId, AccessConfigurationName: deployedConfigurationName })).AccessConfiguration.AccessConfigurationId as string;
  const { Task } = await sso.call("CreateAccessAssignment", { DirectoryId: directoryId, AccessConfigurationId: deployed, TargetType: "RD-Account", TargetId: String(members[0]), PrincipalType: "Group", PrincipalId: groupId });
  return { key, members, directoryId, userId, groupId, provisioningId, eventId, ramUser, credentialId, accessConfigurationId, taskId: Task.TaskId as string, deployedConfigurationName };
}

/** Waits until the reconcile worker has nothing left to do, so only a request could change the store. */
async function quiescent(server: TestServer): Promise<void> {
  await until(async () => (await server.store.db.selectFrom("reconcile_queue").select("work_key").execute()).length === 0, "the reconcile queue to drain");
  let last = await snapshot(server.store);
  await until(async () => {
    await new Promise((r) => setTimeout(r, 100));
    const now = await snapshot(server.store);
    const settled = now === last;
    last = now;
    return settled;
  }, "the store to settle");
}

// ---- each action's parameters, as the door checks them ----

/** One parameter: how it travels and what bounds its value (the door's, or the core's). */
interface ParamRule {
  /** `list` and `object` are repeat-flattened (or one JSON text); `json` is one JSON text (an SDK "shrink" field). */
  type: "string" | "integer" | "boolean" | "json" | "list" | "object";
  required?: boolean;
  enum?: readonly string[];
  /** Characters of a text value. */
  maxLength?: number;
  min?: number;
  max?: number;
}

const PAGE_SIZE = { MaxResults: { min: 1, max: 100 } };

/**
 * Limits the door does not restate because the core enforces them (wire-spec.ts): the cases made
 * from them check that the core refuses with the parameter's own code, as the door did before.
 */
const CORE_LIMITS: Record<string, Record<string, Omit<ParamRule, "type">>> = {
  "cloudsso.CreateDirectory": { DirectoryName: { maxLength: 64 } },
  "cloudsso.UpdateDirectory": { NewDirectoryName: { maxLength: 64 } },
  "cloudsso.CreateGroup": { GroupName: { maxLength: 128 }, Description: { maxLength: 1024 } },
  "cloudsso.UpdateGroup": { NewGroupName: { maxLength: 128 }, NewDescription: { maxLength: 1024 } },
  "cloudsso.ListGroups": PAGE_SIZE,
  "cloudsso.ListGroupMembers": PAGE_SIZE,
  "cloudsso.CreateUser": { UserName: { maxLength: 64 }, DisplayName: { maxLength: 256 }, FirstName: { maxLength: 64 }, LastName: { maxLength: 64 }, Email: { maxLength: 128 }, Description: { maxLength: 1024 } },
  "cloudsso.UpdateUser": { NewFirstName: { maxLength: 64 }, NewLastName: { maxLength: 64 }, NewDisplayName: { maxLength: 256 }, NewEmail: { maxLength: 128 }, NewDescription: { maxLength: 1024 } },
  "cloudsso.ListUsers": PAGE_SIZE,
  "cloudsso.ListJoinedGroupsForUser": PAGE_SIZE,
  "cloudsso.CreateUserProvisioning": { Description: { maxLength: 1024 } },
  "cloudsso.UpdateUserProvisioning": { NewDescription: { maxLength: 1024 } },
  "cloudsso.ListUserProvisionings": PAGE_SIZE,
  "cloudsso.UpdateUserProvisioningConfiguration": { NewDefaultLandingPage: { maxLength: 1024 }, NewSessionDuration: { min: 1, max: 24 } },
  "cloudsso.ListUserProvisioningEvents": PAGE_SIZE,
  "cloudsso.CreateAccessConfiguration": { Description: { maxLength: 1024 }, SessionDuration: { min: 900, max: 43200 } },
  "cloudsso.UpdateAccessConfiguration": { NewDescription: { maxLength: 1024 }, NewSessionDuration: { min: 900, max: 43200 } },
  "cloudsso.ListAccessConfigurations": PAGE_SIZE,
};

/** An action's parameters from its spec (the generated request schema with the door's rules), with the core's limits. */
function rulesOf(product: AliyunProduct, action: string): Record<string, ParamRule> {
  const spec = requestSpec(product, action);
  assert.ok(spec, `${product} ${action} has a request spec`);
  const out: Record<string, ParamRule> = {};
  for (const p of spec.params) {
    const t = p.schema.type;
    const type = p.wire === "json" ? "json" : t === "array" ? "list" : t === "object" ? "object" : t === "number" ? "integer" : t === "boolean" ? "boolean" : "string";
    out[p.name] = { type, required: p.required, ...p.rule, ...CORE_LIMITS[`${product}.${action}`]?.[p.name] };
  }
  for (const name of Object.keys(CORE_LIMITS[`${product}.${action}`] ?? {})) assert.ok(out[name], `${product} ${action} has no parameter ${name}`);
  return out;
}

// ---- baselines: values that pass the parameter checks and name the caller's own objects ----

function ownIds(t: Tenant): Record<AliyunProduct, Record<string, string>> {
  return {
    cloudsso: {
      DirectoryId: t.directoryId,
      UserId: t.userId,
      GroupId: t.groupId,
      UserProvisioningId: t.provisioningId,
      EventId: t.eventId,
      // With PrincipalType's baseline, User.
      PrincipalId: t.userId,
      TargetId: String(t.members[0]),
      RdMemberId: String(t.members[0]),
      CredentialId: t.credentialId,
      AccessConfigurationId: t.accessConfigurationId,
      TaskId: t.taskId,
      // Values that pass every check, so that an id case fails on its id alone.
      PermissionPolicyName: "ReadOnlyAccess",
      NewInlinePolicyDocument: JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] }),
    },
    // What the tenant deployed landed in its member account, not in the caller's (the management account): these name nothing here.
    ram: { UserName: t.ramUser, RoleName: `AliyunReservedSSO-${t.deployedConfigurationName}`, PolicyName: `AliyunReservedSSO-${t.deployedConfigurationName}-InlinePolicy`, VersionId: "v1" },
    resourcemanager: { AccountId: String(t.members[0]) },
    ims: { SAMLProviderName: `AliyunReservedSSO-${t.directoryId}` },
  };
}

function baseline(t: Tenant, product: AliyunProduct, name: string, rule: ParamRule): string {
  if (rule.enum) return rule.enum[0]!;
  switch (rule.type) {
    case "integer":
      return String(rule.min ?? 1);
    case "boolean":
      return "true";
    case "json":
      return JSON.stringify({ Id: "sweep-external", Issuer: "SCIM" });
    default:
      return ownIds(t)[product][name] ?? "sweepvalue";
  }
}

function requiredBaseline(t: Tenant, product: AliyunProduct, action: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, rule] of Object.entries(rulesOf(product, action))) if (rule.required) out[name] = baseline(t, product, name, rule);
  return out;
}

// ---- parameter-level cases, from the parameter specs ----

const KB100 = "x".repeat(100 * 1024);
const INTEGER_GARBAGE = ["abc", "1.5", "-1", "99999999999999999999", "1e3", "0x10", " ", "12abc", "١٢"];
const BOOLEAN_GARBAGE = ["maybe", "yes", "2", "truee"];
const CONTROL = { NUL: "a\u0000b", "a control character": "a\u0001b", "a terminal escape": "\u001b[2J", "a C1 control": "a\u009bb", DEL: "a\u007fb" };

function paramCases(t: Tenant, product: AliyunProduct, action: string): Case[] {
  const cases: Case[] = [];
  const base = requiredBaseline(t, product, action);
  // Every action, parameters or not: a Format that is neither JSON nor XML.
  cases.push({ product, action, label: "Format: YAML", params: { ...base, Format: "YAML" }, expect: { code: "InvalidParameter.Format", status: 400 } });
  for (const [name, rule] of Object.entries(rulesOf(product, action))) {
    const invalid = { code: `InvalidParameter.${name}`, status: 400 };
    const add = (label: string, params: Record<string, string>, expect: Expected, shapes?: Shape[]) => cases.push({ product, action, label: `${name}: ${label}`, params, expect, shapes });
    const bad = (label: string, value: string, shapes?: Shape[]) => add(label, { ...base, [name]: value }, invalid, shapes);
    if (rule.required) {
      const { [name]: _dropped, ...without } = base;
      add("missing", without, { code: `Missing${name}`, status: 400 });
      add("empty", { ...base, [name]: "" }, { code: `Missing${name}`, status: 400 });
    }
    switch (rule.type) {
      case "integer":
        for (const v of INTEGER_GARBAGE) bad(JSON.stringify(v), v);
        if (rule.min !== undefined) bad(`below its minimum ${rule.min}`, String(rule.min - 1));
        if (rule.max !== undefined) bad(`above its maximum ${rule.max}`, String(rule.max + 1));
        break;
      case "boolean":
        for (const v of BOOLEAN_GARBAGE) bad(JSON.stringify(v), v);
        break;
      case "json":
        for (const v of ["{", "{'Id':'x'}", "undefined", "[1,", "\u0000"]) bad(`invalid JSON ${JSON.stringify(v)}`, v);
        bad("JSON with a NUL inside", JSON.stringify({ Id: "a\u0000b", Issuer: "SCIM" }));
        break;
      case "list": {
        // Items shaped like the clients' repeat lists of objects (`Tag.1.Key`, `Tag.1.Value`), so only the flaw under test is wrong.
        const item = (pos: string | number) => ({ [`${name}.${pos}.Key`]: `k${pos}`, [`${name}.${pos}.Value`]: `v${pos}` });
        for (const pos of ["0", "1001", "a", "-1", "01", ""]) add(`position ${JSON.stringify(pos)}`, { ...base, ...item(pos) }, invalid);
        add("a hole (positions 1 and 3)", { ...base, ...item(1), ...item(3) }, invalid);
        add("a list starting at 2", { ...base, ...item(2) }, invalid);
        add("a position given as a value and as an object", { ...base, [`${name}.1`]: "x", ...item(1) }, invalid);
        add("an item's field given as a list", { ...base, [`${name}.1.Key.1`]: "k" }, invalid);
        add("an item's field given as an object", { ...base, [`${name}.1.Key.Inner`]: "k" }, invalid);
        add("an item that is a bare value", { ...base, [`${name}.1`]: "x" }, invalid);
        add("a NUL in an item", { ...base, ...item(1), [`${name}.1.Key`]: "a\u0000b" }, invalid);
        add("a 100 KB item", { ...base, ...item(1), [`${name}.1.Value`]: KB100 }, invalid, BODY_SHAPES);
        for (const json of ["{}", "[null]", "[1,2]", '[{"Key":5}]', '[{"Key":["k"]}]', '[{"Key":"k","Value":{}}]', '[{"Key":"a\\u0000b"}]', "[oops"]) {
          add(`the JSON ${json}`, { ...base, [name]: json }, invalid);
        }
        if (rule.maxLength !== undefined) {
          const many: Record<string, string> = {};
          for (let i = 1; i <= rule.maxLength + 1; i++) Object.assign(many, item(i));
          add(`${rule.maxLength + 1} items`, { ...base, ...many }, invalid);
        }
        break;
      }
      case "string":
        if (rule.enum) {
          bad("a value outside the enum", "NoSuchValue");
          bad("an enum value with a suffix", `${rule.enum[0]}x`);
          bad("an enum value with a space", ` ${rule.enum[0]}`);
        }
        if (rule.maxLength !== undefined) {
          bad(`${rule.maxLength + 1} characters`, "a".repeat(rule.maxLength + 1));
          bad(`${rule.maxLength + 1} emoji`, "\u{1F600}".repeat(rule.maxLength + 1));
        }
        for (const [label, v] of Object.entries(CONTROL)) bad(label, v);
        bad("100 KB", KB100, BODY_SHAPES);
        break;
    }
  }
  return cases;
}

/** What a parameter spec cannot describe: the grammar inside a value, and rules the core applies. */
function grammarCases(t: Tenant): Case[] {
  const cases: Case[] = [];
  const add = (product: AliyunProduct, action: string, param: string, label: string, params: Record<string, string>, code = `InvalidParameter.${param}`, status = 400) =>
    cases.push({ product, action, label: `${param}: ${label}`, params, expect: { code, status } });
  const dir = { DirectoryId: t.directoryId };
  const long = "n".repeat(1100);
  for (const filter of ["UserName", "UserName eq", "Email eq a@example.com", "UserName gt a", `UserName sw ${long}`, `UserName eq ${long}`]) {
    add("cloudsso", "ListUsers", "Filter", JSON.stringify(filter.slice(0, 40)), { ...dir, Filter: filter });
  }
  for (const filter of ["GroupName", "UserName eq eng", `GroupName sw ${long}`]) add("cloudsso", "ListGroups", "Filter", JSON.stringify(filter.slice(0, 40)), { ...dir, Filter: filter });
  for (const ext of ["null", "[]", '"u-1"', '{"Id":1,"Issuer":"SCIM"}', '{"Id":"x","Issuer":"LDAP"}', '{"Issuer":"SCIM"}']) {
    add("cloudsso", "GetUserId", "ExternalId", ext, { ...dir, ExternalId: ext });
  }
  add("cloudsso", "CreateUser", "Email", "not an address", { ...dir, UserName: "grammar-user", Email: "not-an-address" });
  add("cloudsso", "CreateUser", "UserName", "a space", { ...dir, UserName: "has space" });
  add("cloudsso", "ResetUserPassword", "Password", "too weak", { ...dir, UserId: t.userId, Password: "weak" });
  add("cloudsso", "ResetUserPassword", "Password", "and a generated one", { ...dir, UserId: t.userId, Password: "Str0ng!Passw0rd", GenerateRandomPassword: "true" });
  add("cloudsso", "ResetUserPassword", "Password", "neither given", { ...dir, UserId: t.userId }, "MissingPassword");
  add("cloudsso", "UpdateUserProvisioningConfiguration", "NewDefaultLandingPage", "not a URL", { ...dir, NewDefaultLandingPage: "javascript:alert(1)" });
  add("cloudsso", "CreateDirectory", "DirectoryName", "upper case", { DirectoryName: "Upper-Case" });
  add("cloudsso", "UpdateDirectory", "NewDirectoryName", "an id's prefix", { ...dir, NewDirectoryName: "d-somebodyelse" });
  add("ram", "CreateUser", "MobilePhone", "no country code", { UserName: "grammar-ram", MobilePhone: "18600008888" });
  add("ram", "CreateUser", "MobilePhone", "letters", { UserName: "grammar-ram", MobilePhone: "86-abc" });
  add("ram", "CreateUser", "Email", "not an address", { UserName: "grammar-ram", Email: "nope" });
  add("ram", "ListUsers", "Marker", "a forged marker", { Marker: "forged" });
  add("ram", "ListUsers", "MaxItems", "0", { MaxItems: "0" });
  add("ram", "ListUsers", "MaxItems", "above the page size", { MaxItems: "1001" });
  add("cloudsso", "ListUsers", "NextToken", "a forged token", { ...dir, NextToken: "forged.token" });
  add("resourcemanager", "CreateResourceAccount", "ParentFolderId", "not a folder id", { DisplayName: "grammar", ParentFolderId: "folder!" });
  add("resourcemanager", "CreateResourceAccount", "ParentFolderId", "an unknown folder", { DisplayName: "grammar", ParentFolderId: "fd-nothing" }, "EntityNotExists.Folder", 404);
  add("resourcemanager", "CreateResourceAccount", "Tag", "11 tags", { DisplayName: "grammar", ...Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`Tag.${i + 1}.Key`, `k${i}`])) });
  add("resourcemanager", "ListAccounts", "QueryKeyword", "2000 characters", { QueryKeyword: "q".repeat(2000) });
  const ac = { ...dir, AccessConfigurationId: t.accessConfigurationId };
  for (const filter of ["AccessConfigurationName", "Description eq x", `AccessConfigurationName sw ${long}`]) {
    add("cloudsso", "ListAccessConfigurations", "Filter", JSON.stringify(filter.slice(0, 40)), { ...dir, Filter: filter });
  }
  add("cloudsso", "CreateAccessConfiguration", "AccessConfigurationName", "an underscore", { ...dir, AccessConfigurationName: "under_score" });
  add("cloudsso", "CreateAccessConfiguration", "RelayState", "not a console page", { ...dir, AccessConfigurationName: "grammar-ac", RelayState: "https://example.com/" });
  add("cloudsso", "CreateAccessConfiguration", "Tags", "tags", { ...dir, AccessConfigurationName: "grammar-ac", "Tags.1.Key": "k", "Tags.1.Value": "v" });
  for (const doc of ["{", "[]", JSON.stringify({ version: "2.0", statement: [{ effect: "allow", action: "cvm:*", resource: "*" }] }), JSON.stringify({ Version: "1", Statement: [{ Effect: "Allow", Action: "nocolon", Resource: "*" }] })]) {
    add("cloudsso", "AddPermissionPolicyToAccessConfiguration", "InlinePolicyDocument", JSON.stringify(doc.slice(0, 40)), { ...ac, PermissionPolicyType: "Inline", PermissionPolicyName: "grammar", InlinePolicyDocument: doc });
  }
  add("cloudsso", "AddPermissionPolicyToAccessConfiguration", "InlinePolicyDocument", "missing", { ...ac, PermissionPolicyType: "Inline", PermissionPolicyName: "grammar" }, "MissingInlinePolicyDocument");
  add("cloudsso", "AddPermissionPolicyToAccessConfiguration", "PermissionPolicyName", "an unknown system policy", { ...ac, PermissionPolicyType: "System", PermissionPolicyName: "NoSuchPolicy" }, "EntityNotExists.PermissionPolicy", 404);
  add("cloudsso", "AddPermissionPolicyToAccessConfiguration", "PermissionPolicyName", "already attached", { ...ac, PermissionPolicyType: "System", PermissionPolicyName: "ReadOnlyAccess" }, "EntityAlreadyExists.PermissionPolicy", 409);
  add("cloudsso", "DeleteAccessConfiguration", "ForceRemovePermissionPolicies", "false with policies held", { ...ac, ForceRemovePermissionPolicies: "false" }, "DeletionConflict.AccessConfiguration.PermissionPolicy", 409);
  return cases;
}

// ---- id-level cases: everything else names the caller's own objects ----

/** The documented not-found code for an id parameter, by the value given. */
const ID_CODES: Record<AliyunProduct, Record<string, (value: string) => string>> = {
  cloudsso: {
    DirectoryId: () => "EntityNotExists.Directory",
    UserId: () => "EntityNotExists.User",
    GroupId: () => "EntityNotExists.Group",
    UserProvisioningId: () => "EntityNotExists.UserProvisioning",
    EventId: () => "EntityNotExists.UserProvisioningEvent",
    PrincipalId: () => "EntityNotExists.User",
    TargetId: () => "EntityNotExists.RdAccount",
    RdMemberId: () => "EntityNotExists.RdAccount",
    CredentialId: () => "EntityNotExists.SCIMCredential",
    AccessConfigurationId: () => "EntityNotExists.AccessConfiguration",
    TaskId: () => "EntityNotExists.Task",
  },
  // A policy version is looked up under its policy, which the baseline does not name in the caller's account.
  ram: { UserName: () => "EntityNotExist.User", RoleName: () => "EntityNotExist.Role", PolicyName: () => "EntityNotExist.Policy", VersionId: () => "EntityNotExist.Policy" },
  ims: { SAMLProviderName: () => "EntityNotExist.SAMLProvider" },
  resourcemanager: { AccountId: (v) => (/^\d+$/.test(v) ? "EntityNotExists.Account" : "InvalidParameter.AccountId") },
};

/** Where an action documents another code for one of its ids (`action.param`). */
const ID_CODE_OVERRIDES: Record<string, string> = {
  // The event exists, but not under that provisioning.
  "DeleteUserProvisioningEvent.UserProvisioningId": "EntityNotExists.UserProvisioningEvent",
  // No such assignment: the account and the principal are not looked up on their own.
  "DeleteAccessAssignment.TargetId": "EntityNotExists.AccessAssignment",
  "DeleteAccessAssignment.PrincipalId": "EntityNotExists.AccessAssignment",
  // The role is looked up first, and the baseline names none.
  "AttachPolicyToRole.PolicyName": "EntityNotExist.Role",
  "DetachPolicyFromRole.PolicyName": "EntityNotExist.Role",
};

/** Parameters that name something new rather than look something up. */
const NOT_LOOKUPS: Record<string, string[]> = {
  "ram.CreateUser": ["UserName"],
  "ram.UpdateUser": ["NewUserName"],
  // A deployed role refuses the change before any resource group would matter; OpenCIC keeps none.
  "ram.AttachPolicyToRole": ["ResourceGroupId"],
  "ram.DetachPolicyFromRole": ["ResourceGroupId"],
};

/** Valid optional parameters an action needs before it looks its ids up (a password, or the ask for one). */
const ID_EXTRAS: Record<string, Record<string, string>> = { "cloudsso.ResetUserPassword": { GenerateRandomPassword: "true" } };

const WRONG_SHAPES = ["no-such-id", "u-000000000000", "g-zzzzzzzzzzzz", "' OR '1'='1", "%", "_", "..", "-1", "\uff11\uff12\uff13", "\u{1F600}"];

function idCases(w: World, product: AliyunProduct, action: string): Case[] {
  const cases: Case[] = [];
  const rules = rulesOf(product, action);
  const base = { ...requiredBaseline(w.a, product, action), ...ID_EXTRAS[`${product}.${action}`] };
  const others = ownIds(w.b)[product];
  for (const [name, rule] of Object.entries(rules)) {
    const codeOf = ID_CODES[product][name];
    if (!codeOf || rule.type !== "string" || NOT_LOOKUPS[`${product}.${action}`]?.includes(name)) continue;
    const values = [...WRONG_SHAPES, others[name]!];
    if (name === "DirectoryId") values.push(w.b.directoryId.replace(/^d-/, "z-"));
    // An optional id on a List action is a filter: an unknown one lists nothing.
    const filter = action.startsWith("List") && !rule.required;
    for (const value of values) {
      const code = ID_CODE_OVERRIDES[`${action}.${name}`] ?? codeOf(value);
      const expect: Expected = filter ? "ok" : { code, status: code.startsWith("InvalidParameter") ? 400 : 404 };
      cases.push({ product, action, label: `${name}: ${value === others[name] ? "another tenant's" : JSON.stringify(value)}`, params: { ...base, [name]: value }, expect });
    }
  }
  return cases;
}

// ---- running a case through a client ----

interface Outcome {
  status: number | undefined;
  body: Record<string, unknown> | undefined;
  code?: string;
  message?: string;
}

type Clients = Record<AliyunProduct, Record<Shape, (action: string, params: Record<string, string>) => Promise<unknown>>>;

function clientsFor(server: TestServer, key: Key): Clients {
  const out = {} as Clients;
  for (const product of PRODUCTS) {
    const v3 = aliyunClient(server, key, product, "v3");
    const v1 = aliyunClient(server, key, product, "v1");
    const pop = popClient(server, key, product);
    out[product] = {
      v3: (a, p) => v3.call(a, p),
      v1: (a, p) => v1.call(a, p),
      "v3-body": (a, p) => v3.call(a, p, { inBody: true }),
      "v1-body": (a, p) => v1.call(a, p, { inBody: true }),
      "v1-get": (a, p) => v1.call(a, p, { method: "GET" }),
      pop: (a, p) => pop.call(a, p, "POST"),
    };
  }
  return out;
}

async function outcome(call: Promise<unknown>): Promise<Outcome> {
  try {
    return { status: 200, body: (await call) as Record<string, unknown> };
  } catch (e) {
    // openapi-client: statusCode and data; pop-core: the exchange in entry, the body in data.
    const err = e as { statusCode?: number; entry?: { response?: { statusCode?: number } }; data?: Record<string, unknown>; code?: string; message?: string };
    return { status: err.statusCode ?? err.entry?.response?.statusCode, body: err.data, code: err.code, message: err.message };
  }
}

const REQUEST_ID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;

/** Why an outcome is wrong for what was expected, or undefined when it is right. */
function verdict(expect: Expected, o: Outcome): string | undefined {
  if (o.status === undefined || o.status >= 500) return `HTTP ${o.status} (${o.code ?? ""}: ${o.message ?? ""})`;
  if (expect === "ok") return o.status === 200 ? undefined : `expected success, got HTTP ${o.status} ${o.code}: ${o.message}`;
  const b = o.body ?? {};
  if (b.Code !== expect.code || o.status !== expect.status) return `expected ${expect.code} (${expect.status}), got ${String(b.Code ?? o.code)} (${o.status}): ${String(b.Message ?? o.message)}`;
  if (!(o.status >= 400 && o.status < 500)) return `HTTP ${o.status} is not a 4xx`;
  if (!REQUEST_ID.test(String(b.RequestId))) return `RequestId ${String(b.RequestId)}`;
  for (const f of ["HostId", "Message", "Recommend"]) if (typeof b[f] !== "string" || b[f] === "") return `the error envelope lacks ${f}`;
  if (!String(b.Recommend).includes(`q=${encodeURIComponent(expect.code)}`)) return `Recommend ${String(b.Recommend)} does not name ${expect.code}`;
  return undefined;
}

/**
 * Runs cases grouped by action, rotating through the client shapes, and checks each outcome and that
 * the store is unchanged. Returns every failure, labelled.
 */
async function sweep(server: TestServer, clients: Clients, cases: Case[]): Promise<string[]> {
  const failures: string[] = [];
  const groups = new Map<string, Case[]>();
  for (const c of cases) {
    const k = `${c.product} ${c.action}`;
    groups.set(k, [...(groups.get(k) ?? []), c]);
  }
  let n = 0;
  let before = await snapshot(server.store);
  for (const [group, list] of groups) {
    // One snapshot per action (the cases are many): a change names the action, and the cases that
    // were accepted (the usual culprits; a partial write by a refused one would show as none).
    const accepted: string[] = [];
    for (const c of list) {
      const shapes = c.shapes ?? SHAPES;
      const shape = shapes[n++ % shapes.length]!;
      const o = await outcome(clients[c.product][shape](c.action, c.params));
      const why = verdict(c.expect, o);
      if (why) failures.push(`${group} [${shape}] ${c.label}: ${why}`);
      if (o.status === 200) accepted.push(c.label);
    }
    const after = await snapshot(server.store);
    if (after !== before) failures.push(`${group}: its cases changed the store (accepted: ${accepted.join("; ") || "none"})`);
    before = after;
  }
  return failures;
}

function report(failures: string[], total: number): void {
  assert.equal(failures.length, 0, `${failures.length} of ${total} cases failed:\n  ${failures.join("\n  ")}`);
}

// ---- wire-level garbage ----

/** A V3 request with any body bytes and content type, signed by openapi-util's own V3 signer. */
function v3Bytes(server: TestServer, key: Key, product: AliyunProduct, action: string, query: Record<string, string>, body: Buffer, contentType?: string): RawRequest {
  const hash = createHash("sha256").update(body).digest("hex");
  const headers: Record<string, string> = {
    host: server.endpoint,
    "x-acs-action": action,
    "x-acs-version": VERSIONS[product],
    "x-acs-date": isoSeconds(Date.now()),
    "x-acs-signature-nonce": newNonce(),
    "x-acs-content-sha256": hash,
    ...(contentType ? { "content-type": contentType } : {}),
  };
  const request = { pathname: "/", method: "POST", query, headers } as unknown as Parameters<typeof OpenApiUtil.getAuthorization>[0];
  headers.authorization = OpenApiUtil.getAuthorization(request, "ACS3-HMAC-SHA256", hash, key.secretId, key.secretKey);
  const { host: _host, ...sent } = headers;
  const qs = new URLSearchParams(query).toString();
  return { url: qs ? `${server.url}?${qs}` : server.url, init: { method: "POST", headers: sent, body: new Uint8Array(body) } };
}

interface WireCase {
  label: string;
  request: () => RawRequest;
  expect: Expected;
}

function rawOutcome(r: RawResponse): Outcome {
  return { status: r.status, body: r.json ?? undefined, code: r.json?.Code, message: r.json?.Message };
}

/** A write action per product (so "changes nothing" means something), with valid parameters. */
function wireSamples(t: Tenant): { product: AliyunProduct; action: string; params: Record<string, string>; first: string }[] {
  return [
    { product: "cloudsso", action: "CreateUser", params: { DirectoryId: t.directoryId, UserName: "wire-user" }, first: "DirectoryId" },
    { product: "cloudsso", action: "UpdateUser", params: { DirectoryId: t.directoryId, UserId: t.userId, NewDisplayName: "wire" }, first: "DirectoryId" },
    { product: "ram", action: "CreateUser", params: { UserName: "wire-ram" }, first: "UserName" },
    { product: "resourcemanager", action: "CreateResourceAccount", params: { DisplayName: "wire-account" }, first: "DisplayName" },
  ];
}

function wireCases(server: TestServer, t: Tenant): WireCase[] {
  const key = t.key;
  const cases: WireCase[] = [];
  const form = "application/x-www-form-urlencoded";
  for (const s of wireSamples(t)) {
    const { product, action, params, first } = s;
    const add = (label: string, request: () => RawRequest, expect: Expected) => cases.push({ label: `${product} ${action}: ${label}`, request, expect });
    const missing = { code: `Missing${first}`, status: 400 };
    for (const version of ["2099-01-01", "2021-05-16", "__proto__", "toString", "constructor", "hasOwnProperty", "valueOf"]) {
      add(`Version ${version} (V1)`, () => v1Request(server, key, product, action, params, { version }), { code: "InvalidVersion", status: 400 });
    }
    add("Version 2099-01-01 (V3)", () => v3Request(server, key, product, action, params, { version: "2099-01-01" }), { code: "InvalidVersion", status: 400 });
    add("Version __proto__ (V3)", () => v3Request(server, key, product, action, params, { version: "__proto__" }), { code: "InvalidVersion", status: 400 });
    for (const name of ["NoSuchAction", "__proto__", "constructor", "toString", "hasOwnProperty", action.toLowerCase(), `${action} `, `${action}\u0000`]) {
      add(`Action ${JSON.stringify(name)} (V1)`, () => v1Request(server, key, product, name, params), { code: "InvalidAction.NotFound", status: 404 });
    }
    add("Action __proto__ (V3)", () => v3Request(server, key, product, "__proto__", params), { code: "InvalidAction.NotFound", status: 404 });
    // The error is JSON whatever Format asks for (the clients read JSON); a Format that is neither is refused.
    const { [first]: _dropped, ...withoutFirst } = params;
    add("Format=XML with a parameter missing", () => v1Request(server, key, product, action, { ...withoutFirst, Format: "XML" }), missing);
    add("Format=YAML", () => v1Request(server, key, product, action, { ...params, Format: "YAML" }), { code: "InvalidParameter.Format", status: 400 });
    add("an empty form body, parameters nowhere (V3)", () => v3Bytes(server, key, product, action, {}, Buffer.alloc(0), form), missing);
    add("a JSON body (V3)", () => v3Bytes(server, key, product, action, {}, Buffer.from(JSON.stringify(params)), "application/json"), missing);
    add("a JSON body with a form content type (V3)", () => v3Bytes(server, key, product, action, {}, Buffer.from(JSON.stringify(params)), form), missing);
    add("a JSON body (V1, common parameters in the query)", () => {
      const r = v1Request(server, key, product, action, {});
      return { url: r.url, init: { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(params) } };
    }, missing);
    add("a binary body (V3)", () => v3Bytes(server, key, product, action, {}, Buffer.from([0xff, 0xfe, 0x00, 0x01, 0x80, 0x3d, 0x26, 0xc3, 0x28]), form), missing);
    add("a binary body, octet-stream (V3)", () => v3Bytes(server, key, product, action, {}, randomBytes(512), "application/octet-stream"), missing);
    add("binary bytes in a parameter (V3)", () => v3Bytes(server, key, product, action, {}, Buffer.concat([Buffer.from(new URLSearchParams(params).toString() + `&${first}=`), Buffer.from([0xff, 0x00, 0xfe])]), form), {
      code: `InvalidParameter.${first}`,
      status: 400,
    });
    add("a parameter in the query and the body with different values (V3)", () => v3Request(server, key, product, action, params, { body: `${first}=${encodeURIComponent(params[first] + "-other")}` }), {
      code: `InvalidParameter.${first}`,
      status: 400,
    });
    add("a parameter in the query and the body with different values (V1, Terraform's shape)", () => v1Request(server, key, product, action, params, { form: { [first]: params[first] + "-other" } }), {
      code: `InvalidParameter.${first}`,
      status: 400,
    });
    add("a parameter twice in the query with different values (V1)", () => {
      const r = v1Request(server, key, product, action, params, { method: "GET" });
      return { url: `${r.url}&${first}=${encodeURIComponent(params[first] + "-other")}`, init: r.init };
    }, { code: `InvalidParameter.${first}`, status: 400 });
    add("a 100 KB query (V3)", () => v3Request(server, key, product, action, { ...params, Padding: KB100 }), { code: "RequestEntityTooLarge", status: 413 });
    add("a 100 KB query (pop-core's GET shape)", () => v1Request(server, key, product, action, { ...params, Padding: KB100 }, { method: "GET" }), { code: "RequestEntityTooLarge", status: 413 });
  }
  // Given twice with the same value is not ambiguous.
  cases.push({ label: "ram GetUser: the same value in the query and the body (V3)", request: () => v3Request(server, key, "ram", "GetUser", { UserName: t.ramUser }, { body: `UserName=${t.ramUser}` }), expect: "ok" });
  return cases;
}

// ---- the sweep ----

function allParamCases(w: World): Case[] {
  return [...PRODUCTS.flatMap((product) => Object.keys(TABLES[product]).flatMap((action) => paramCases(w.a, product, action))), ...grammarCases(w.a)];
}

function allIdCases(w: World): Case[] {
  return PRODUCTS.flatMap((product) => Object.keys(TABLES[product]).flatMap((action) => idCases(w, product, action)));
}

test("the sweep covers every action of the four products", () => {
  for (const product of PRODUCTS) assert.ok(Object.keys(TABLES[product]).length > 0, product);
  // Every parameter that looks like an id has a not-found code above, so a new id parameter is not silently left out.
  const idLike = /(^|[a-z])(Id|UserName)$/;
  for (const product of PRODUCTS) {
    for (const action of Object.keys(TABLES[product])) {
      for (const [name, rule] of Object.entries(rulesOf(product, action))) {
        if (rule.type !== "string" || !idLike.test(name) || NOT_LOOKUPS[`${product}.${action}`]?.includes(name)) continue;
        if (product === "cloudsso" && name === "UserName") continue; // a new user's name, not a lookup
        if (product === "resourcemanager" && ["ParentFolderId", "PayerAccountId"].includes(name)) continue; // the grammar cases cover the folder; the payer is not looked up
        assert.ok(ID_CODES[product][name], `${product} ${action}.${name} looks like an id but has no not-found code in this sweep`);
      }
    }
  }
});

for (const engine of ENGINES) {
  describe(`bad input of every kind, on every Alibaba action (${engine})`, () => {
    let w: World;
    let clients: Clients;
    before(async () => {
      const server = await startServer(engine);
      const [a, b] = [await tenant(server, "a"), await tenant(server, "b")];
      w = { server, a, b };
      clients = clientsFor(server, a.key);
      await quiescent(server);
    });
    after(() => w?.server.close());

    test("parameters: missing, wrong type, out of range, outside the enum, too long, control characters, 100 KB, bad JSON, bad lists", async (t) => {
      const cases = allParamCases(w);
      t.diagnostic(`${cases.length} cases over ${new Set(cases.map((c) => `${c.product} ${c.action}`)).size} actions`);
      report(await sweep(w.server, clients, cases), cases.length);
    });

    test("ids of the wrong shape or of another tenant, with everything else naming the caller's own objects", async (t) => {
      const cases = allIdCases(w);
      t.diagnostic(`${cases.length} cases over ${new Set(cases.map((c) => `${c.product} ${c.action}`)).size} actions`);
      report(await sweep(w.server, clients, cases), cases.length);
    });

    test("garbage at the wire level: versions, actions, Format, bodies, duplicated parameters, a huge query", async (t) => {
      const cases = wireCases(w.server, w.a);
      t.diagnostic(`${cases.length} cases`);
      const failures: string[] = [];
      const before = await snapshot(w.server.store);
      for (const c of cases) {
        const why = verdict(c.expect, rawOutcome(await send(c.request())));
        if (why) failures.push(`${c.label}: ${why}`);
      }
      if ((await snapshot(w.server.store)) !== before) failures.push("the wire-level cases changed the store");
      report(failures, cases.length);
    });
  });
}
