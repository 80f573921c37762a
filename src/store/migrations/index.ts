import type { Migration, MigrationProvider } from "kysely";
import * as m001 from "./001-accounts-organizations-subusers.js";
import * as m002 from "./002-directory.js";

/** Versioned migrations, applied in key order at start on both engines. */
const MIGRATIONS: Record<string, Migration> = {
  "001-accounts-organizations-subusers": m001,
  "002-directory": m002,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
