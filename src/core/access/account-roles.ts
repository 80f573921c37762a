/**
 * What deployments land in an account: the role per configuration, the policies attached to it, and
 * the identity provider per directory. The deployment reconcile (reconcile.ts) is the only writer;
 * the account reads them with its own key (CAM GetRole…, RAM GetRole…), and every change it asks for
 * is refused: they belong to the identity center, as on both clouds.
 */
import type { Kysely } from "kysely";
import { all, containsText, exec, first } from "../../store/database.js";
import type { AccountRole, AccountRolePolicy, Database } from "../../store/schema.js";
import type { Caller } from "../accounts.js";
import type { Clock } from "../clock.js";
import { fail } from "../errors.js";
import { randomDigits } from "../ids.js";
import type { RolePolicySpec, RoleSpec } from "./spec.js";
import { checkSearchText } from "../text.js";
import type { AccountRolePolicyView, AccountRoleView, AccountSamlProviderView, PolicyType } from "./views.js";

export class AccountRoles {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
  ) {}

  // ---- the account's own reads ----

  async roles(caller: Caller): Promise<AccountRoleView[]> {
    const rows = await all(this.db, this.db.selectFrom("account_roles").selectAll().where("account_uin", "=", caller.accountUin).orderBy("created_at").orderBy("role_id"));
    return rows.map(roleView);
  }

  /** The role a configuration named `configurationName` landed in the caller's account (names compared without regard to case). */
  async roleByConfigurationName(caller: Caller, configurationName: string): Promise<AccountRoleView> {
    const row = await first(this.db, this.db.selectFrom("account_roles").selectAll().where("account_uin", "=", caller.accountUin).where("name_key", "=", configurationName.toLowerCase()));
    return row ? roleView(row) : roleNotFound(configurationName);
  }

  async roleById(caller: Caller, roleId: string): Promise<AccountRoleView> {
    const row = await first(this.db, this.db.selectFrom("account_roles").selectAll().where("account_uin", "=", caller.accountUin).where("role_id", "=", roleId));
    return row ? roleView(row) : roleNotFound(roleId);
  }

  /** The policies on a role of the caller's account; `q` narrows them to a type and to names containing `search` (without regard to case). */
  async policies(caller: Caller, configurationId: string, q: { type?: PolicyType; search?: string } = {}): Promise<AccountRolePolicyView[]> {
    checkSearchText(q.search, "search");
    let query = this.db.selectFrom("account_role_policies").selectAll().where("account_uin", "=", caller.accountUin).where("configuration_id", "=", configurationId);
    if (q.type) query = query.where("policy_type", "=", q.type);
    if (q.search) query = query.where(containsText("policy_name", q.search));
    const rows = await all(this.db, query.orderBy("policy_type", "desc").orderBy("attached_at").orderBy("policy_name"));
    return rows.map(rolePolicyView);
  }

  async samlProviders(caller: Caller): Promise<AccountSamlProviderView[]> {
    const rows = await all(this.db, this.db.selectFrom("account_saml_providers").selectAll().where("account_uin", "=", caller.accountUin).orderBy("created_at"));
    return rows.map((r) => ({ accountUin: Number(r.account_uin), directoryId: r.directory_id, createdAt: Number(r.created_at), updatedAt: Number(r.updated_at) }));
  }

  async samlProvider(caller: Caller, directoryId: string): Promise<AccountSamlProviderView> {
    const found = (await this.samlProviders(caller)).find((p) => p.directoryId === directoryId);
    return found ?? fail("account.saml_provider_not_found", `the account has no identity provider of directory ${directoryId}`, "name");
  }

  /** A change the account asked for to something the identity center deployed: always refused. */
  refuseChange(what: string): never {
    return fail("account.managed_by_identity_center", `${what} was deployed by the identity center and can only be changed through it`, "name");
  }

  // ---- the deployment reconcile's writes (inside its transaction) ----

  async role(trx: Kysely<Database>, accountUin: number, configurationId: string): Promise<AccountRole | undefined> {
    return first(trx, trx.selectFrom("account_roles").selectAll().where("account_uin", "=", accountUin).where("configuration_id", "=", configurationId));
  }

  async attached(trx: Kysely<Database>, accountUin: number, configurationId: string): Promise<RolePolicySpec[]> {
    const rows = await all(trx, trx.selectFrom("account_role_policies").selectAll().where("account_uin", "=", accountUin).where("configuration_id", "=", configurationId));
    return rows.map((r) => ({ type: r.policy_type, name: r.policy_name, grammar: r.grammar, policyId: r.policy_id === null ? null : Number(r.policy_id), document: r.document }));
  }

  /** Another configuration's role in the account with the same name (a name taken without regard to case), if any. */
  async nameTakenBy(trx: Kysely<Database>, accountUin: number, configurationId: string, configurationName: string): Promise<string | undefined> {
    const row = await first(
      trx,
      trx.selectFrom("account_roles").select("configuration_id").where("account_uin", "=", accountUin).where("name_key", "=", configurationName.toLowerCase()).where("configuration_id", "!=", configurationId),
    );
    return row?.configuration_id;
  }

  /** Creates the role or brings its description and session in line; true when it was created. */
  async putRole(trx: Kysely<Database>, accountUin: number, configurationId: string, directoryId: string, spec: RoleSpec): Promise<{ created: boolean; updated: boolean }> {
    const now = this.clock.now();
    const have = await this.role(trx, accountUin, configurationId);
    if (!have) {
      await exec(
        trx,
        trx.insertInto("account_roles").values({
          account_uin: accountUin,
          configuration_id: configurationId,
          directory_id: directoryId,
          role_id: "46" + randomDigits(17),
          configuration_name: spec.configurationName,
          name_key: spec.configurationName.toLowerCase(),
          description: spec.description,
          session_duration: spec.sessionDuration,
          created_at: now,
          updated_at: now,
        }),
      );
      return { created: true, updated: false };
    }
    if (have.description === spec.description && Number(have.session_duration) === spec.sessionDuration) return { created: false, updated: false };
    await exec(
      trx,
      trx.updateTable("account_roles").set({ description: spec.description, session_duration: spec.sessionDuration, updated_at: now }).where("account_uin", "=", accountUin).where("configuration_id", "=", configurationId),
    );
    return { created: false, updated: true };
  }

  async attach(trx: Kysely<Database>, accountUin: number, configurationId: string, policies: readonly RolePolicySpec[]): Promise<void> {
    if (policies.length === 0) return;
    const now = this.clock.now();
    const rows: AccountRolePolicy[] = policies.map((p) => ({ account_uin: accountUin, configuration_id: configurationId, policy_type: p.type, policy_name: p.name, grammar: p.grammar, policy_id: p.policyId, document: p.document, attached_at: now }));
    await exec(trx, trx.insertInto("account_role_policies").values(rows).onConflict((oc) => oc.columns(["account_uin", "configuration_id", "policy_type", "policy_name"]).doNothing()));
  }

  async detach(trx: Kysely<Database>, accountUin: number, configurationId: string, policies: readonly { type: string; name: string }[]): Promise<void> {
    for (const p of policies) {
      await exec(
        trx,
        trx
          .deleteFrom("account_role_policies")
          .where("account_uin", "=", accountUin)
          .where("configuration_id", "=", configurationId)
          .where("policy_type", "=", p.type as "System" | "Inline")
          .where("policy_name", "=", p.name),
      );
    }
  }

  /** Removes the role with its policies; idempotent. */
  async removeRole(trx: Kysely<Database>, accountUin: number, configurationId: string): Promise<boolean> {
    await exec(trx, trx.deleteFrom("account_role_policies").where("account_uin", "=", accountUin).where("configuration_id", "=", configurationId));
    return (await exec(trx, trx.deleteFrom("account_roles").where("account_uin", "=", accountUin).where("configuration_id", "=", configurationId))) > 0;
  }

  /** The directory's identity provider in the account: made with its first role; true when made now. */
  async ensureProvider(trx: Kysely<Database>, accountUin: number, directoryId: string): Promise<boolean> {
    const now = this.clock.now();
    return (
      (await exec(
        trx,
        trx.insertInto("account_saml_providers").values({ account_uin: accountUin, directory_id: directoryId, created_at: now, updated_at: now }).onConflict((oc) => oc.columns(["account_uin", "directory_id"]).doNothing()),
      )) > 0
    );
  }

  /** Removes the directory's identity provider from the account once none of its roles is left; true when removed now. */
  async removeProviderIfUnused(trx: Kysely<Database>, accountUin: number, directoryId: string): Promise<boolean> {
    const used = await first(trx, trx.selectFrom("account_roles").select("role_id").where("account_uin", "=", accountUin).where("directory_id", "=", directoryId).limit(1));
    if (used) return false;
    return (await exec(trx, trx.deleteFrom("account_saml_providers").where("account_uin", "=", accountUin).where("directory_id", "=", directoryId))) > 0;
  }

  /** Everything a directory landed in an account goes (the account left the organization). */
  async removeAll(trx: Kysely<Database>, accountUin: number, directoryId: string): Promise<void> {
    const roles = await all(trx, trx.selectFrom("account_roles").select("configuration_id").where("account_uin", "=", accountUin).where("directory_id", "=", directoryId));
    for (const r of roles) await this.removeRole(trx, accountUin, r.configuration_id);
    await exec(trx, trx.deleteFrom("account_saml_providers").where("account_uin", "=", accountUin).where("directory_id", "=", directoryId));
  }
}

const roleNotFound = (name: string): never => fail("account.role_not_found", `the account has no role ${name}`, "name");

function roleView(r: AccountRole): AccountRoleView {
  return {
    accountUin: Number(r.account_uin),
    roleId: r.role_id,
    configurationId: r.configuration_id,
    configurationName: r.configuration_name,
    directoryId: r.directory_id,
    description: r.description,
    sessionDuration: Number(r.session_duration),
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
  };
}

function rolePolicyView(r: AccountRolePolicy): AccountRolePolicyView {
  return { type: r.policy_type, name: r.policy_name, grammar: r.grammar, policyId: r.policy_id === null ? undefined : Number(r.policy_id), document: r.document ?? undefined, attachedAt: Number(r.attached_at) };
}
