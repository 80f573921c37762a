import type { Kysely } from "kysely";

/**
 * Access by roles, second half.
 *
 * - `access_assignments`: a configuration granted to a user or group on an account (Tencent role
 *   assignment, Alibaba access assignment). Unique per (configuration, account, principal).
 * - `access_deployments`: a configuration deployed into an account (Tencent role-configuration
 *   provisioning, Alibaba access-configuration provisioning), one per (configuration, account). It
 *   carries the desired state of the role: `spec`, the configuration's policies and session as they
 *   were when it was last provisioned (a later policy change marks it `redeploy_required`, and only a
 *   new provision copies it again, as both clouds do), and `removing` once it is to be undeployed.
 *   Like a provisioning it has a generation (bumped by each change) and the generation its last
 *   reconcile saw; the reconcile queue holds its id while work is pending.
 * - `access_tasks`: what clients poll (both clouds' GetTaskStatus), each waiting for a deployment generation.
 * - `account_roles`, `account_role_policies`, `account_saml_providers`: what has landed in the member
 *   accounts (the actual state the deployment reconcile compares against and converges): the role
 *   per (account, configuration), the policies attached to it, and the identity provider per (account,
 *   directory). The doors render their names (`TencentCloudSSO-<name>`, `AliyunReservedSSO-<name>`).
 *
 * The reconcile queue's key column was named for provisionings; it now holds any engine key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("reconcile_queue").renameColumn("provisioning_id", "work_key").execute();

  await db.schema
    .createTable("access_assignments")
    .addColumn("assignment_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("principal_type", "text", (c) => c.notNull())
    .addColumn("principal_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("access_assignments_unique").on("access_assignments").columns(["configuration_id", "target_uin", "principal_type", "principal_id"]).unique().execute();
  await db.schema.createIndex("access_assignments_page").on("access_assignments").columns(["directory_id", "created_at", "assignment_id"]).execute();
  await db.schema.createIndex("access_assignments_principal").on("access_assignments").columns(["principal_id", "principal_type"]).execute();
  await db.schema.createIndex("access_assignments_target").on("access_assignments").columns(["target_uin"]).execute();

  await db.schema
    .createTable("access_deployments")
    .addColumn("deployment_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("spec", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("redeploy_required", "integer", (c) => c.notNull())
    .addColumn("removing", "integer", (c) => c.notNull())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("reconciled_generation", "bigint", (c) => c.notNull())
    .addColumn("failure_reason", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("access_deployments_unique").on("access_deployments").columns(["configuration_id", "target_uin"]).unique().execute();
  await db.schema.createIndex("access_deployments_page").on("access_deployments").columns(["directory_id", "created_at", "deployment_id"]).execute();
  await db.schema.createIndex("access_deployments_target").on("access_deployments").columns(["target_uin"]).execute();

  await db.schema
    .createTable("access_tasks")
    .addColumn("task_id", "text", (c) => c.primaryKey())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("task_type", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("failure_reason", "text", (c) => c.notNull())
    .addColumn("deployment_id", "text", (c) => c.notNull())
    .addColumn("generation", "bigint", (c) => c.notNull())
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("configuration_name", "text", (c) => c.notNull())
    .addColumn("target_type", "text", (c) => c.notNull())
    .addColumn("target_uin", "bigint", (c) => c.notNull())
    .addColumn("principal_type", "text")
    .addColumn("principal_id", "text")
    .addColumn("principal_name", "text")
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .execute();
  await db.schema.createIndex("access_tasks_deployment").on("access_tasks").columns(["deployment_id", "status"]).execute();
  await db.schema.createIndex("access_tasks_page").on("access_tasks").columns(["directory_id", "created_at", "task_id"]).execute();

  await db.schema
    .createTable("account_roles")
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("role_id", "text", (c) => c.notNull())
    .addColumn("configuration_name", "text", (c) => c.notNull())
    .addColumn("name_key", "text", (c) => c.notNull())
    .addColumn("description", "text", (c) => c.notNull())
    .addColumn("session_duration", "integer", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("account_roles_pk", ["account_uin", "configuration_id"])
    .execute();
  await db.schema.createIndex("account_roles_name").on("account_roles").columns(["account_uin", "name_key"]).unique().execute();
  await db.schema.createIndex("account_roles_id").on("account_roles").columns(["role_id"]).unique().execute();

  await db.schema
    .createTable("account_role_policies")
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("configuration_id", "text", (c) => c.notNull())
    .addColumn("policy_type", "text", (c) => c.notNull())
    .addColumn("policy_name", "text", (c) => c.notNull())
    .addColumn("grammar", "text", (c) => c.notNull())
    .addColumn("policy_id", "bigint")
    .addColumn("document", "text")
    .addColumn("attached_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("account_role_policies_pk", ["account_uin", "configuration_id", "policy_type", "policy_name"])
    .execute();

  await db.schema
    .createTable("account_saml_providers")
    .addColumn("account_uin", "bigint", (c) => c.notNull())
    .addColumn("directory_id", "text", (c) => c.notNull())
    .addColumn("created_at", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("account_saml_providers_pk", ["account_uin", "directory_id"])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const t of ["account_saml_providers", "account_role_policies", "account_roles", "access_tasks", "access_deployments", "access_assignments"]) await db.schema.dropTable(t).execute();
  await db.schema.alterTable("reconcile_queue").renameColumn("work_key", "provisioning_id").execute();
}
