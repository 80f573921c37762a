/**
 * Permission configurations (Tencent role configurations, Alibaba access configurations) of a
 * directory, and the policies they hold: names, session duration, landing page, the system policies
 * from the catalogue and the one inline document; quotas and guards. Where a configuration is
 * assigned and deployed is deployments.ts's: a deployed or assigned configuration is not deleted, and
 * a policy change marks its deployments for redeployment (`policiesChanged` below is the one place).
 */
import { type Kysely, sql } from "kysely";
import { all, containsText, exec, first, isUniqueViolation, lockRow, matchesText } from "../../store/database.js";
import type { AccessConfiguration, AccessConfigurationPolicy, Database } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import type { Directories } from "../directory/directories.js";
import { FilterValues, listPage, type Page, type PageRequest, type PageTokens, scopeOf } from "../directory/paging.js";
import type { TextMatch } from "../directory/views.js";
import { fail } from "../errors.js";
import { isNumericId, prefixedId } from "../ids.js";
import type { Limits } from "../limits.js";
import { type MaybePromise, then } from "../../lib/maybe-promise.js";
import { checkSearchText, textLength } from "../text.js";
import type { AccessDeployments } from "./deployments.js";
import { checkInlinePolicyName, checkPolicyDocument, type PolicyCatalogue, type PolicyGrammar } from "./policies.js";
import { type ConfigurationPolicyView, type ConfigurationView, configurationView, type PolicyType, policyView } from "./views.js";

/** Letters, digits and '-' (both clouds); 128 is Tencent's limit, Alibaba's door holds its own 32. */
const CONFIGURATION_NAME = /^[A-Za-z0-9-]{1,128}$/;
const MAX_DESCRIPTION = 1024;
export const MIN_SESSION_DURATION = 900;
export const MAX_SESSION_DURATION = 43200;
export const DEFAULT_SESSION_DURATION = 3600;
/** No cloud documents a length; a console address is far shorter. */
const MAX_RELAY_STATE = 1024;
/**
 * A relay state is a page of a cloud console (Tencent: "a Tencent Cloud console page"; Alibaba: an
 * Alibaba Cloud console URL). A configuration is shared by both doors, so either cloud's console is
 * accepted: these hosts and their subdomains, over https.
 */
const CONSOLE_HOSTS = ["console.cloud.tencent.com", "console.tencentcloud.com", "console.intl.cloud.tencent.com", "console.aliyun.com", "console.alibabacloud.com"];

export interface NewConfiguration {
  name: string;
  description?: string;
  sessionDuration?: number;
  relayState?: string;
}

export interface ConfigurationChanges {
  description?: string;
  sessionDuration?: number;
  relayState?: string;
}

export interface ConfigurationQuery extends PageRequest {
  /** Case-insensitive substring of the name or the description (Tencent's Filter). */
  filter?: string;
  /** The name, without regard to case: equal to, or starting with, a value (Alibaba's Filter). */
  name?: TextMatch;
  /** Only configurations whose deployments differ from them (Alibaba's StatusNotifications ReprovisionRequired). */
  redeployRequired?: boolean;
  /**
   * Marks each listed configuration `selected` when it is assigned on one of these accounts (to this
   * principal, when one is named). A principal alone selects nothing, so it is refused (Tencent documents
   * PrincipalId "must be set together with FilterTargets").
   */
  selection?: { targetUins?: number[]; principalId?: string };
}

/** A policy to attach: a system policy by catalogue id or name, or an inline document under a name. */
export type NewPolicy = { type: "System"; name?: string; policyId?: number } | { type: "Inline"; name: string; document: string | undefined };

/** Which attached policy: by type and name, or (CAM system policies) by id. */
export interface PolicyRef {
  type: PolicyType;
  name?: string;
  policyId?: number;
}

export interface AccessQuotas {
  configurations: number;
  systemPoliciesPerConfiguration: number;
  inlinePoliciesPerConfiguration: number;
}

export class AccessConfigurations {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly directories: Directories,
    private readonly catalogue: PolicyCatalogue,
    private readonly tokens: PageTokens,
    private readonly limits: Limits,
    private readonly deployments: AccessDeployments,
  ) {}

  quotas(): AccessQuotas {
    return {
      configurations: this.limits.accessConfigurationsPerDirectory,
      systemPoliciesPerConfiguration: this.limits.systemPoliciesPerConfiguration,
      inlinePoliciesPerConfiguration: this.limits.inlinePoliciesPerConfiguration,
    };
  }

  async create(caller: Caller, directoryId: string, input: NewConfiguration): Promise<ConfigurationView> {
    await this.directories.scope(caller, directoryId);
    checkName(input.name);
    checkChanges(input);
    const now = this.clock.now();
    const row: AccessConfiguration = {
      configuration_id: prefixedId("rc-"),
      directory_id: directoryId,
      name: input.name,
      name_key: input.name.toLowerCase(),
      description: input.description ?? "",
      session_duration: input.sessionDuration ?? DEFAULT_SESSION_DURATION,
      relay_state: input.relayState ?? "",
      created_at: now,
      updated_at: now,
    };
    try {
      await this.db.transaction().execute(async (trx) => {
        // The directory's row orders creations, so the count below is exact.
        await this.directories.lock(trx, directoryId);
        const counted = await first(trx, trx.selectFrom("access_configurations").select((eb) => eb.fn.countAll<number>().as("n")).where("directory_id", "=", directoryId));
        const n = Number(counted?.n ?? 0);
        const quota = this.limits.accessConfigurationsPerDirectory;
        if (n >= quota) fail("access.configuration_quota", `the directory already has ${n} configurations (quota ${quota})`);
        const taken = await first(trx, trx.selectFrom("access_configurations").select("configuration_id").where("directory_id", "=", directoryId).where("name_key", "=", row.name_key));
        if (taken) nameTaken(input.name);
        await exec(trx, trx.insertInto("access_configurations").values(row));
      });
    } catch (err) {
      if (isUniqueViolation(err)) nameTaken(input.name);
      throw err;
    }
    return configurationView(row);
  }

  get(caller: Caller, directoryId: string, configurationId: string): MaybePromise<ConfigurationView> {
    return then(this.directories.scope(caller, directoryId), () =>
      then(this.find(this.db, directoryId, configurationId), async (c) => configurationView(c, (await this.deployments.needingRedeploy([c.configuration_id])).has(c.configuration_id))),
    );
  }

  list(caller: Caller, directoryId: string, q: ConfigurationQuery): MaybePromise<Page<ConfigurationView>> {
    return then(this.directories.scope(caller, directoryId), () => {
      checkSearchText(q.filter, "filter");
      checkSearchText(q.name?.value, "name");
      const selection = checkSelection(q.selection);
      const filter = q.filter || undefined;
      const name = q.name;
      const prefix = name?.prefix === true;
      const f = new FilterValues(directoryId);
      const filterAt = f.at(filter);
      const nameAt = f.at(name?.value);
      const page = listPage(
        this.db,
        {
          key: `access_configurations ${filterAt >= 0} ${name ? (prefix ? "sw" : "eq") : "-"} ${q.redeployRequired === true}`,
          values: f.values,
          rows: (slot) => {
            let base = this.db.selectFrom("access_configurations").selectAll().where("directory_id", "=", slot.value<string>(0));
            if (filterAt >= 0) {
              // Two text matches over one value: each binds its own parameter (see Slots.text).
              base = base.where(sql<boolean>`(${slot.text(filterAt, (text) => containsText("name", text))} or ${slot.text(filterAt, (text) => containsText("description", text))})`);
            }
            if (nameAt >= 0) base = base.where(slot.text(nameAt, (text) => matchesText("name", { value: text, prefix })));
            if (q.redeployRequired) base = base.where((eb) => eb.exists(eb.selectFrom("access_deployments").select("deployment_id").whereRef("access_deployments.configuration_id", "=", "access_configurations.configuration_id").where("redeploy_required", "=", 1).where("removing", "=", 0)));
            return base;
          },
        },
        {
          timeColumn: "created_at",
          idColumn: "configuration_id",
          tokens: this.tokens,
          scope: () => scopeOf("access_configurations", directoryId, { filter, name, desc: q.descending === true, r: q.redeployRequired === true }),
          request: q,
        },
      );
      return then(page, async (p) => {
        const ids = p.items.map((c) => c.configuration_id);
        const redeploy = ids.length ? await this.deployments.needingRedeploy(ids) : new Set<string>();
        const selected = selection && ids.length ? await this.deployments.assignedOn(ids, selection) : undefined;
        return { ...p, items: p.items.map((c) => ({ ...configurationView(c, redeploy.has(c.configuration_id)), ...(selected ? { selected: selected.has(c.configuration_id) } : {}) })) };
      });
    });
  }

  /** Changes the description, session duration or landing page; the name never changes (the role is named after it). */
  async update(caller: Caller, directoryId: string, configurationId: string, changes: ConfigurationChanges): Promise<ConfigurationView> {
    await this.directories.scope(caller, directoryId);
    checkChanges(changes);
    return this.db.transaction().execute(async (trx) => {
      const row = await this.lock(trx, directoryId, configurationId);
      const patch = {
        description: changes.description ?? row.description,
        session_duration: changes.sessionDuration ?? row.session_duration,
        relay_state: changes.relayState ?? row.relay_state,
        updated_at: this.clock.now(),
      };
      await exec(trx, trx.updateTable("access_configurations").set(patch).where("configuration_id", "=", configurationId));
      return configurationView({ ...row, ...patch }, (await this.deployments.needingRedeploy([configurationId], trx)).has(configurationId));
    });
  }

  /**
   * Deletes a configuration. Refused while it holds policies, unless `forceRemovePolicies` (Alibaba's
   * ForceRemovePermissionPolicies) removes them with it.
   */
  async delete(caller: Caller, directoryId: string, configurationId: string, opts: { forceRemovePolicies?: boolean } = {}): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx, directoryId, configurationId);
      // Existence, then where it is deployed or assigned, then its policies (Tencent documents this order of refusals).
      await this.deployments.checkConfigurationUnused(trx, configurationId);
      const held = await first(trx, trx.selectFrom("access_configuration_policies").select("policy_name").where("configuration_id", "=", configurationId).limit(1));
      if (held && !opts.forceRemovePolicies) fail("access.configuration_has_policies", "the configuration still holds policies; remove them first", "configurationId");
      await exec(trx, trx.deleteFrom("access_configuration_policies").where("configuration_id", "=", configurationId));
      await exec(trx, trx.deleteFrom("access_configurations").where("configuration_id", "=", configurationId));
    });
  }

  /**
   * Attaches policies, all or none: system policies from `grammar`'s catalogue (by CAM id, else by
   * name), inline documents checked against `grammar`. Refused when one is attached already or a quota
   * would be passed.
   */
  async addPolicies(caller: Caller, directoryId: string, configurationId: string, grammar: PolicyGrammar, policies: NewPolicy[]): Promise<void> {
    await this.directories.scope(caller, directoryId);
    // Which configuration first: an unknown one is told as such whatever else the request holds.
    await this.find(this.db, directoryId, configurationId);
    if (policies.length === 0) fail("access.field_invalid", "no policy was given", "policyName");
    const now = this.clock.now();
    const rows: AccessConfigurationPolicy[] = policies.map((p) => this.resolvePolicy(configurationId, grammar, p, now));
    const seen = new Set<string>();
    for (const r of rows) {
      const k = `${r.policy_type}:${r.policy_name.toLowerCase()}`;
      if (seen.has(k)) fail("access.policy_already_attached", `policy ${r.policy_name} is named twice`, "policyName");
      seen.add(k);
    }
    try {
      await this.db.transaction().execute(async (trx) => {
        await this.lock(trx, directoryId, configurationId);
        const held = await this.policyRows(trx, configurationId);
        for (const r of rows) {
          const same = held.find((h) => h.policy_type === r.policy_type && h.policy_name.toLowerCase() === r.policy_name.toLowerCase());
          if (same) fail("access.policy_already_attached", `policy ${same.policy_name} is already attached to the configuration`, "policyName");
        }
        const count = (type: PolicyType, list: { policy_type: PolicyType }[]) => list.filter((p) => p.policy_type === type).length;
        const system = count("System", held) + count("System", rows);
        if (count("System", rows) > 0 && system > this.limits.systemPoliciesPerConfiguration) {
          fail("access.system_policy_quota", `a configuration holds at most ${this.limits.systemPoliciesPerConfiguration} system policies`);
        }
        const inline = count("Inline", held) + count("Inline", rows);
        if (count("Inline", rows) > 0 && inline > this.limits.inlinePoliciesPerConfiguration) {
          fail("access.inline_policy_quota", `a configuration holds at most ${this.limits.inlinePoliciesPerConfiguration} inline policies`);
        }
        await exec(trx, trx.insertInto("access_configuration_policies").values(rows));
        await this.policiesChanged(trx, configurationId, now);
      });
    } catch (err) {
      if (isUniqueViolation(err)) fail("access.policy_already_attached", "the policy is already attached to the configuration", "policyName");
      throw err;
    }
  }

  /** Detaches one policy, named by type and name, or by id (CAM system policies; an id of 0 means "by name", as Terraform sends it). */
  async removePolicy(caller: Caller, directoryId: string, configurationId: string, ref: PolicyRef): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.find(this.db, directoryId, configurationId);
    const byId = ref.policyId !== undefined && ref.policyId !== 0;
    if (byId && !isNumericId(ref.policyId!)) fail("access.field_invalid", "policy ids are positive integers", "policyId");
    if (!byId && !ref.name) fail("access.field_invalid", "name the policy to remove by its name or its id", "policyName");
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx, directoryId, configurationId);
      const held = await this.policyRows(trx, configurationId);
      const match = held.find(
        (h) =>
          h.policy_type === ref.type &&
          (byId ? h.policy_id !== null && Number(h.policy_id) === ref.policyId : h.policy_name.toLowerCase() === ref.name!.toLowerCase()) &&
          (!byId || !ref.name || h.policy_name.toLowerCase() === ref.name.toLowerCase()),
      );
      if (!match) return fail("access.policy_not_found", `the configuration holds no ${ref.type} policy ${byId ? ref.policyId : ref.name}`, "policyName");
      await exec(
        trx,
        trx.deleteFrom("access_configuration_policies").where("configuration_id", "=", configurationId).where("policy_type", "=", match.policy_type).where("policy_name", "=", match.policy_name),
      );
      await this.policiesChanged(trx, configurationId, this.clock.now());
    });
  }

  /** Replaces the document of the configuration's inline policy `name`; the new one is checked against `grammar`. */
  async updateInlinePolicy(caller: Caller, directoryId: string, configurationId: string, grammar: PolicyGrammar, name: string, document: string | undefined): Promise<void> {
    await this.directories.scope(caller, directoryId);
    await this.db.transaction().execute(async (trx) => {
      await this.lock(trx, directoryId, configurationId);
      const held = await this.policyRows(trx, configurationId);
      const inline = held.find((h) => h.policy_type === "Inline" && h.policy_name.toLowerCase() === name.toLowerCase());
      if (!inline) {
        if (held.some((h) => h.policy_name.toLowerCase() === name.toLowerCase())) fail("access.policy_not_inline", `${name} is a system policy; only inline policies have a document to change`, "policyName");
        fail("access.policy_not_found", `the configuration holds no inline policy ${name}`, "policyName");
      }
      // Which policy first, then its new document: a wrong name is told as such whatever the document.
      const checked = checkPolicyDocument(grammar, document);
      const now = this.clock.now();
      await exec(
        trx,
        trx.updateTable("access_configuration_policies").set({ document: checked, grammar, added_at: inline!.added_at }).where("configuration_id", "=", configurationId).where("policy_type", "=", "Inline").where("policy_name", "=", inline!.policy_name),
      );
      await this.policiesChanged(trx, configurationId, now);
    });
  }

  async listPolicies(caller: Caller, directoryId: string, configurationId: string, q: { type?: PolicyType; filter?: string } = {}): Promise<ConfigurationPolicyView[]> {
    await this.directories.scope(caller, directoryId);
    checkSearchText(q.filter, "filter");
    await this.find(this.db, directoryId, configurationId);
    const needle = q.filter?.toLowerCase();
    return (await this.policyRows(this.db, configurationId))
      .filter((p) => (q.type === undefined || p.policy_type === q.type) && (!needle || p.policy_name.toLowerCase().includes(needle)))
      .map(policyView);
  }

  /** A policy change: the configuration's update time moves, and its deployments need redeploying (DeployedRequired / ReprovisionRequired). */
  private async policiesChanged(trx: Kysely<Database>, configurationId: string, now: number): Promise<void> {
    await exec(trx, trx.updateTable("access_configurations").set({ updated_at: now }).where("configuration_id", "=", configurationId));
    await this.deployments.policiesChanged(trx, configurationId);
  }

  private resolvePolicy(configurationId: string, grammar: PolicyGrammar, p: NewPolicy, now: number): AccessConfigurationPolicy {
    if (p.type === "Inline") {
      checkInlinePolicyName(p.name);
      return { configuration_id: configurationId, policy_type: "Inline", policy_name: p.name, grammar, policy_id: null, document: checkPolicyDocument(grammar, p.document), added_at: now };
    }
    const byId = p.policyId !== undefined && p.policyId !== 0;
    if (byId && grammar !== "cam") fail("access.system_policy_unknown", "only CAM system policies have numeric ids", "policyId");
    if (!byId && !p.name) fail("access.field_invalid", "name the system policy by its name or its id", "policyName");
    const found = byId ? this.catalogue.byPolicyId(p.policyId!) : this.catalogue.byPolicyName(grammar, p.name!);
    if (!found) return fail("access.system_policy_unknown", `there is no system policy ${byId ? `with id ${p.policyId}` : p.name}`, byId ? "policyId" : "policyName");
    if (byId && p.name && p.name.toLowerCase() !== found.name.toLowerCase()) fail("access.system_policy_unknown", `system policy ${p.policyId} is ${found.name}, not ${p.name}`, "policyName");
    return { configuration_id: configurationId, policy_type: "System", policy_name: found.name, grammar, policy_id: found.id ?? null, document: null, added_at: now };
  }

  private policyRows(db: Kysely<Database>, configurationId: string): Promise<AccessConfigurationPolicy[]> {
    return configurationPolicies(db, configurationId);
  }

  private find(db: Kysely<Database>, directoryId: string, configurationId: string): Promise<AccessConfiguration> {
    return findConfiguration(db, directoryId, configurationId);
  }

  private lock(trx: Kysely<Database>, directoryId: string, configurationId: string): Promise<AccessConfiguration> {
    return lockConfiguration(trx, directoryId, configurationId);
  }
}

/** A configuration's policies: system ones first, then the inline one; each in the order attached (by name within one millisecond). */
export async function configurationPolicies(db: Kysely<Database>, configurationId: string): Promise<AccessConfigurationPolicy[]> {
  return await all(db, db.selectFrom("access_configuration_policies").selectAll().where("configuration_id", "=", configurationId).orderBy("policy_type", "desc").orderBy("added_at").orderBy("policy_name"));
}

/** A configuration of this directory, or configuration_not_found (another directory's ids included). */
async function findConfiguration(db: Kysely<Database>, directoryId: string, configurationId: string): Promise<AccessConfiguration> {
  const row = await first(db, db.selectFrom("access_configurations").selectAll().where("configuration_id", "=", configurationId).where("directory_id", "=", directoryId));
  return row ?? notFound(configurationId);
}

/**
 * Locks a configuration for the rest of `trx` (writers of one configuration queue, its policies and
 * deployments alike) and reads it fresh; configuration_not_found when the directory has no such one.
 */
export async function lockConfiguration(trx: Kysely<Database>, directoryId: string, configurationId: string): Promise<AccessConfiguration> {
  await findConfiguration(trx, directoryId, configurationId);
  await lockRow(trx, "access_configurations", "configuration_id", configurationId);
  return findConfiguration(trx, directoryId, configurationId);
}

const notFound = (configurationId: string): never => fail("access.configuration_not_found", `configuration ${configurationId} does not exist`, "configurationId");
const nameTaken = (name: string): never => fail("access.configuration_name_taken", `a configuration named "${name}" already exists`, "name");

function checkName(name: string): void {
  if (!CONFIGURATION_NAME.test(name)) fail("access.configuration_name_invalid", "configuration names are 1-128 letters, digits and '-'", "name");
}

function checkSelection(s: ConfigurationQuery["selection"]): { targetUins: number[]; principalId?: string } | undefined {
  if (!s) return undefined;
  const targetUins = s.targetUins ?? [];
  const principalId = s.principalId || undefined;
  if (principalId && targetUins.length === 0) fail("access.selection_needs_targets", "a principal selects configurations only together with target accounts", "principalId");
  return targetUins.length ? { targetUins, principalId } : undefined;
}

function checkChanges(c: ConfigurationChanges): void {
  if (c.description !== undefined && textLength(c.description) > MAX_DESCRIPTION) fail("access.field_invalid", `description is longer than ${MAX_DESCRIPTION} characters`, "description");
  if (c.sessionDuration !== undefined && (!Number.isInteger(c.sessionDuration) || c.sessionDuration < MIN_SESSION_DURATION || c.sessionDuration > MAX_SESSION_DURATION)) {
    fail("access.field_invalid", `the session duration is ${MIN_SESSION_DURATION} to ${MAX_SESSION_DURATION} seconds`, "sessionDuration");
  }
  if (c.relayState !== undefined && c.relayState !== "") checkRelayState(c.relayState);
}

function checkRelayState(url: string): void {
  const invalid = () => fail("access.field_invalid", `the relay state must be an https address of a cloud console page (${CONSOLE_HOSTS.join(", ")} or a subdomain)`, "relayState");
  if (textLength(url) > MAX_RELAY_STATE) invalid();
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid();
  }
  if (parsed.protocol !== "https:" || parsed.username !== "" || parsed.password !== "" || parsed.port !== "") invalid();
  const host = parsed.hostname.toLowerCase();
  if (!CONSOLE_HOSTS.some((h) => host === h || host.endsWith(`.${h}`))) invalid();
}
