/**
 * Policies a permission configuration holds: the system-policy catalogue of each cloud, and the
 * grammar an inline (Tencent "custom") policy document must follow in that cloud's policy language.
 *
 * A configuration is one object whichever door made it, but a policy belongs to a cloud: a Tencent
 * client attaches CAM preset policies (`QcloudCVMFullAccess`, with CAM's numeric ids) and writes CAM
 * documents (`"version":"2.0"`), an Alibaba client attaches RAM system policies (`AliyunECSFullAccess`)
 * and writes RAM documents (`"Version":"1"`). So each policy row records its `grammar` (cam | ram), and
 * each door says which one its callers speak.
 */
import { readFileSync } from "node:fs";
import { fail } from "../errors.js";
import { textLength } from "../text.js";

export type PolicyGrammar = "cam" | "ram";
export const POLICY_GRAMMARS = ["cam", "ram"] as const satisfies readonly PolicyGrammar[];

export interface SystemPolicy {
  name: string;
  /** CAM policies are also named by a numeric id (Tencent's RolePolicies[].PolicyId); RAM's are not. */
  id?: number;
  description: string;
}

/**
 * The built-in catalogue: the system policies both clouds document as most used (the administrator
 * and read-only policies, and the full/read-only pairs of the common services), under their real
 * names. CAM's numeric ids are OpenCIC's own stable numbering (AdministratorAccess is 1, as in CAM);
 * a catalogue file may give other ids or more policies.
 */
const BUILT_IN: Record<PolicyGrammar, SystemPolicy[]> = {
  cam: [
    { name: "AdministratorAccess", id: 1, description: "All permissions on all resources of the account" },
    { name: "ReadOnlyAccess", id: 2, description: "Read-only access to all services that support API-level authorization" },
    { name: "QcloudCamFullAccess", id: 3, description: "Full access to Cloud Access Management (CAM)" },
    { name: "QcloudCamReadOnlyAccess", id: 4, description: "Read-only access to Cloud Access Management (CAM)" },
    { name: "QcloudCVMFullAccess", id: 5, description: "Full access to Cloud Virtual Machine (CVM)" },
    { name: "QcloudCVMReadOnlyAccess", id: 6, description: "Read-only access to Cloud Virtual Machine (CVM)" },
    { name: "QcloudVPCFullAccess", id: 7, description: "Full access to Virtual Private Cloud (VPC)" },
    { name: "QcloudVPCReadOnlyAccess", id: 8, description: "Read-only access to Virtual Private Cloud (VPC)" },
    { name: "QcloudCOSFullAccess", id: 9, description: "Full access to Cloud Object Storage (COS)" },
    { name: "QcloudCOSReadOnlyAccess", id: 10, description: "Read-only access to Cloud Object Storage (COS)" },
    { name: "QcloudCLSFullAccess", id: 11, description: "Full access to Cloud Log Service (CLS)" },
    { name: "QcloudCLSReadOnlyAccess", id: 12, description: "Read-only access to Cloud Log Service (CLS)" },
    { name: "QcloudCDBFullAccess", id: 13, description: "Full access to TencentDB for MySQL (CDB)" },
    { name: "QcloudCDBReadOnlyAccess", id: 14, description: "Read-only access to TencentDB for MySQL (CDB)" },
    { name: "QcloudTKEFullAccess", id: 15, description: "Full access to Tencent Kubernetes Engine (TKE)" },
    { name: "QcloudTKEReadOnlyAccess", id: 16, description: "Read-only access to Tencent Kubernetes Engine (TKE)" },
    { name: "QcloudCLBFullAccess", id: 17, description: "Full access to Cloud Load Balancer (CLB)" },
    { name: "QcloudCLBReadOnlyAccess", id: 18, description: "Read-only access to Cloud Load Balancer (CLB)" },
    { name: "QcloudSSLFullAccess", id: 19, description: "Full access to SSL Certificates" },
    { name: "QcloudOrganizationFullAccess", id: 20, description: "Full access to Tencent Cloud Organization" },
    { name: "QcloudCloudAuditFullAccess", id: 21, description: "Full access to CloudAudit" },
    { name: "QcloudFinanceFullAccess", id: 22, description: "Full access to billing and finance" },
  ],
  ram: [
    { name: "AdministratorAccess", description: "Permissions to manage all Alibaba Cloud resources" },
    { name: "ReadOnlyAccess", description: "Read-only access to all Alibaba Cloud resources" },
    { name: "AliyunRAMFullAccess", description: "Permissions to manage Resource Access Management (RAM)" },
    { name: "AliyunRAMReadOnlyAccess", description: "Read-only access to Resource Access Management (RAM)" },
    { name: "AliyunECSFullAccess", description: "Permissions to manage Elastic Compute Service (ECS)" },
    { name: "AliyunECSReadOnlyAccess", description: "Read-only access to Elastic Compute Service (ECS)" },
    { name: "AliyunVPCFullAccess", description: "Permissions to manage Virtual Private Cloud (VPC)" },
    { name: "AliyunVPCReadOnlyAccess", description: "Read-only access to Virtual Private Cloud (VPC)" },
    { name: "AliyunOSSFullAccess", description: "Permissions to manage Object Storage Service (OSS)" },
    { name: "AliyunOSSReadOnlyAccess", description: "Read-only access to Object Storage Service (OSS)" },
    { name: "AliyunLogFullAccess", description: "Permissions to manage Simple Log Service (SLS)" },
    { name: "AliyunLogReadOnlyAccess", description: "Read-only access to Simple Log Service (SLS)" },
    { name: "AliyunRDSFullAccess", description: "Permissions to manage ApsaraDB RDS" },
    { name: "AliyunRDSReadOnlyAccess", description: "Read-only access to ApsaraDB RDS" },
    { name: "AliyunCSFullAccess", description: "Permissions to manage Container Service for Kubernetes (ACK)" },
    { name: "AliyunCSReadOnlyAccess", description: "Read-only access to Container Service for Kubernetes (ACK)" },
    { name: "AliyunSLBFullAccess", description: "Permissions to manage Server Load Balancer (SLB)" },
    { name: "AliyunSLBReadOnlyAccess", description: "Read-only access to Server Load Balancer (SLB)" },
    { name: "AliyunBSSFullAccess", description: "Permissions to manage billing (BSS)" },
    { name: "AliyunActionTrailFullAccess", description: "Permissions to manage ActionTrail" },
    { name: "AliyunCloudSSOFullAccess", description: "Permissions to manage CloudSSO" },
    { name: "AliyunResourceDirectoryFullAccess", description: "Permissions to manage Resource Directory" },
  ],
};

/** What a catalogue file holds: more policies per grammar (`{"cam":[{"name","id","description"}], "ram":[…]}`). */
export type CatalogueFile = Partial<Record<PolicyGrammar, SystemPolicy[]>>;

/** The system policies configurations may attach, per cloud, by name (case-insensitive) and CAM id. */
export class PolicyCatalogue {
  private readonly byName = new Map<string, SystemPolicy>();
  private readonly byId = new Map<number, SystemPolicy>();

  constructor(extra: CatalogueFile = {}) {
    for (const grammar of POLICY_GRAMMARS) {
      for (const p of [...BUILT_IN[grammar], ...(extra[grammar] ?? [])]) {
        // A file's entry of a built-in name replaces it (another id, a better description).
        const old = this.byName.get(key(grammar, p.name));
        if (old?.id !== undefined) this.byId.delete(old.id);
        this.byName.set(key(grammar, p.name), p);
        if (grammar === "cam" && p.id !== undefined) this.byId.set(p.id, p);
      }
    }
  }

  byPolicyName(grammar: PolicyGrammar, name: string): SystemPolicy | undefined {
    return this.byName.get(key(grammar, name));
  }

  /** CAM policies only: RAM policies have no numeric ids. */
  byPolicyId(id: number): SystemPolicy | undefined {
    return this.byId.get(id);
  }
}

const key = (grammar: PolicyGrammar, name: string) => `${grammar}:${name.toLowerCase()}`;

/** Reads a catalogue file (OPENCIC_POLICY_CATALOGUE); anything malformed stops the start with a clear message. */
export function loadCatalogueFile(path: string): CatalogueFile {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`policy catalogue ${path}: ${(err as Error).message}`);
  }
  const bad = (what: string): never => {
    throw new Error(`policy catalogue ${path}: ${what}`);
  };
  if (!isObject(data)) return bad('expected an object {"cam": [...], "ram": [...]}');
  const out: CatalogueFile = {};
  for (const [grammar, list] of Object.entries(data)) {
    if (grammar !== "cam" && grammar !== "ram") bad(`unknown key "${grammar}" (known: cam, ram)`);
    if (!Array.isArray(list)) return bad(`"${grammar}" must be a list`);
    out[grammar as PolicyGrammar] = list.map((p, i) => {
      const at = `${grammar}[${i}]`;
      if (!isObject(p)) return bad(`${at} must be an object`);
      if (typeof p.name !== "string" || !SYSTEM_POLICY_NAME.test(p.name)) bad(`${at}.name must be 1-128 letters, digits, '-', '_' or '.'`);
      if (p.description !== undefined && typeof p.description !== "string") bad(`${at}.description must be text`);
      if (grammar === "cam" && (!Number.isSafeInteger(p.id) || (p.id as number) <= 0)) bad(`${at}.id must be a positive integer (CAM policy ids are numbers)`);
      if (grammar === "ram" && p.id !== undefined) bad(`${at}.id: RAM policies have no numeric id`);
      return { name: p.name as string, id: grammar === "cam" ? (p.id as number) : undefined, description: (p.description as string | undefined) ?? "" };
    });
  }
  return out;
}

const SYSTEM_POLICY_NAME = /^[A-Za-z0-9._-]{1,128}$/;

// ---- inline documents ----

/** Characters of an inline document (CustomPolicyDocument, InlinePolicyDocument: 4096). */
export const MAX_POLICY_DOCUMENT = 4096;
/** Characters of an inline policy's name (RolePolicyNames, PermissionPolicyName: 32). */
export const MAX_POLICY_NAME = 32;
const INLINE_POLICY_NAME = /^[A-Za-z0-9._-]+$/;

export function checkInlinePolicyName(name: string): void {
  if (name === "") fail("access.policy_name_invalid", "the policy name is empty", "policyName");
  if (textLength(name) > MAX_POLICY_NAME) fail("access.policy_name_too_long", `policy names are at most ${MAX_POLICY_NAME} characters`, "policyName");
  if (!INLINE_POLICY_NAME.test(name)) fail("access.policy_name_invalid", "policy names are letters, digits, '.', '_' and '-'", "policyName");
}

/**
 * The two policy languages, which differ in spelling only: CAM writes lower-case keys, version "2.0"
 * and effects `allow`/`deny`; RAM writes capitalized keys, Version "1" and `Allow`/`Deny`.
 */
const LANGUAGES = {
  cam: {
    version: "version",
    versions: ["2.0"],
    statement: "statement",
    effect: "effect",
    effects: ["allow", "deny"],
    action: "action",
    resource: "resource",
    statementKeys: ["effect", "action", "resource", "condition", "principal", "sid"],
    topKeys: ["version", "statement"],
    // `cvm:RunInstances`, `name/cos:GetObject`, `cvm:Describe*`, `*`
    actionPattern: /^(\*|(name\/)?[a-z][a-z0-9_-]*:[A-Za-z0-9*_-]+)$/,
  },
  ram: {
    version: "Version",
    versions: ["1"],
    statement: "Statement",
    effect: "Effect",
    effects: ["Allow", "Deny"],
    action: "Action",
    resource: "Resource",
    statementKeys: ["Effect", "Action", "Resource", "Condition", "NotAction", "NotResource", "Sid"],
    topKeys: ["Version", "Statement"],
    // `ecs:DescribeInstances`, `oss:Get*`, `*`
    actionPattern: /^(\*|[a-z][a-z0-9_-]*:[A-Za-z0-9*_-]+)$/,
  },
} as const;

/**
 * Checks an inline document against its cloud's grammar: JSON, the documented version, a non-empty
 * statement list whose statements have an effect, actions of the `service:Action` form and resources.
 * The error names what is wrong; nothing is stored unless it passes.
 */
export function checkPolicyDocument(grammar: PolicyGrammar, document: string | undefined): string {
  if (document === undefined || document.trim() === "") return fail("access.policy_document_missing", "the policy document is empty", "policyDocument");
  if (textLength(document) > MAX_POLICY_DOCUMENT) fail("access.policy_document_invalid", `policy documents are at most ${MAX_POLICY_DOCUMENT} characters`, "policyDocument");
  const l = LANGUAGES[grammar];
  const invalid = (why: string): never => fail("access.policy_document_invalid", `the policy document is invalid: ${why}`, "policyDocument");
  let doc: unknown;
  try {
    doc = JSON.parse(document);
  } catch {
    return invalid("it is not JSON");
  }
  if (!isObject(doc)) return invalid("it must be a JSON object");
  for (const k of Object.keys(doc)) if (!(l.topKeys as readonly string[]).includes(k)) invalid(`unknown element "${k}"`);
  const version = doc[l.version];
  if (typeof version !== "string" || !(l.versions as readonly string[]).includes(version)) invalid(`"${l.version}" must be "${l.versions.join('" or "')}"`);
  const raw = doc[l.statement];
  const statements = Array.isArray(raw) ? raw : isObject(raw) ? [raw] : invalid(`"${l.statement}" must be a list of statements`);
  if (statements.length === 0) invalid(`"${l.statement}" is empty`);
  statements.forEach((s: unknown, i: number) => {
    const at = `${l.statement}[${i}]`;
    if (!isObject(s)) return invalid(`${at} must be an object`);
    for (const k of Object.keys(s)) if (!(l.statementKeys as readonly string[]).includes(k)) invalid(`${at} has an unknown element "${k}"`);
    const effect = s[l.effect];
    if (typeof effect !== "string" || !(l.effects as readonly string[]).includes(effect)) invalid(`${at}.${l.effect} must be "${l.effects.join('" or "')}"`);
    const actionKey = grammar === "ram" && s.Action === undefined && s.NotAction !== undefined ? "NotAction" : l.action;
    for (const a of stringList(s[actionKey], `${at}.${actionKey}`, invalid)) {
      if (!l.actionPattern.test(a)) invalid(`${at}.${actionKey} "${a}" is not an action ("service:Action" or "*")`);
    }
    const resourceKey = grammar === "ram" && s.Resource === undefined && s.NotResource !== undefined ? "NotResource" : l.resource;
    stringList(s[resourceKey], `${at}.${resourceKey}`, invalid);
    const condition = s[grammar === "cam" ? "condition" : "Condition"];
    if (condition !== undefined && !isObject(condition)) invalid(`${at}'s condition must be an object`);
  });
  return document;
}

/** A string or a non-empty list of non-empty strings. */
function stringList(value: unknown, at: string, invalid: (why: string) => never): string[] {
  const list = typeof value === "string" ? [value] : Array.isArray(value) ? value : invalid(`${at} must be a string or a list of strings`);
  if (list.length === 0) invalid(`${at} is empty`);
  for (const v of list) if (typeof v !== "string" || v === "") invalid(`${at} must hold non-empty strings`);
  return list as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
