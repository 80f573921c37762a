import type { Kysely } from "kysely";

/**
 * A provisioning's annotations: opaque notes a door keeps with it (a JSON object of strings), which
 * the core stores and returns without reading. They replace the two strategy-spelling columns, a wire
 * concern in the core's schema: the Alibaba door now keeps the spellings its clients sent (Terraform's
 * "Takeover") as annotations under its own keys, and existing spellings move there.
 */
const SPELLING_KEYS = { duplication_spelling: "cloudsso.DuplicationStrategy", deletion_spelling: "cloudsso.DeletionStrategy" } as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("provisionings").addColumn("annotations", "text", (c) => c.notNull().defaultTo("{}")).execute();
  const spelled = await db
    .selectFrom("provisionings")
    .select(["provisioning_id", "duplication_spelling", "deletion_spelling"])
    .where((eb) => eb.or([eb("duplication_spelling", "is not", null), eb("deletion_spelling", "is not", null)]))
    .execute();
  for (const row of spelled) {
    const annotations: Record<string, string> = {};
    if (row.duplication_spelling !== null) annotations[SPELLING_KEYS.duplication_spelling] = row.duplication_spelling;
    if (row.deletion_spelling !== null) annotations[SPELLING_KEYS.deletion_spelling] = row.deletion_spelling;
    await db.updateTable("provisionings").set({ annotations: JSON.stringify(annotations) }).where("provisioning_id", "=", row.provisioning_id).execute();
  }
  await db.schema.alterTable("provisionings").dropColumn("duplication_spelling").execute();
  await db.schema.alterTable("provisionings").dropColumn("deletion_spelling").execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("provisionings").addColumn("duplication_spelling", "text").execute();
  await db.schema.alterTable("provisionings").addColumn("deletion_spelling", "text").execute();
  const annotated = await db.selectFrom("provisionings").select(["provisioning_id", "annotations"]).where("annotations", "!=", "{}").execute();
  for (const row of annotated) {
    const annotations = JSON.parse(row.annotations) as Record<string, string>;
    await db
      .updateTable("provisionings")
      .set({ duplication_spelling: annotations[SPELLING_KEYS.duplication_spelling] ?? null, deletion_spelling: annotations[SPELLING_KEYS.deletion_spelling] ?? null })
      .where("provisioning_id", "=", row.provisioning_id)
      .execute();
  }
  await db.schema.alterTable("provisionings").dropColumn("annotations").execute();
}
