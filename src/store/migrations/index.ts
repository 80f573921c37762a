import type { Migration, MigrationProvider } from "kysely";
import * as m001 from "./001-accounts-organizations-subusers.js";
import * as m002 from "./002-directory.js";
import * as m003 from "./003-provisioning-engine.js";
import * as m004 from "./004-events-and-nonces.js";
import * as m005 from "./005-directory-service.js";
import * as m006 from "./006-subuser-description.js";
import * as m007 from "./007-directory-user-tags.js";
import * as m008 from "./008-subuser-count-and-queue-parking.js";
import * as m009 from "./009-cluster-processes.js";
import * as m010 from "./010-request-nonce-log.js";
import * as m011 from "./011-provisioning-annotations.js";
import * as m012 from "./012-org-members-page.js";
import * as m013 from "./013-organization-member-count.js";
import * as m014 from "./014-scim.js";
import * as m015 from "./015-access-configurations.js";
import * as m016 from "./016-sub-users-by-directory-user.js";
import * as m017 from "./017-access-deployments.js";
import * as m018 from "./018-console-sessions.js";
import * as m019 from "./019-provisioning-timeline.js";
import * as m020 from "./020-deletion-holds.js";

/** Versioned migrations, applied in key order at start on both engines. */
const MIGRATIONS: Record<string, Migration> = {
  "001-accounts-organizations-subusers": m001,
  "002-directory": m002,
  "003-provisioning-engine": m003,
  "004-events-and-nonces": m004,
  "005-directory-service": m005,
  "006-subuser-description": m006,
  "007-directory-user-tags": m007,
  "008-subuser-count-and-queue-parking": m008,
  "009-cluster-processes": m009,
  "010-request-nonce-log": m010,
  "011-provisioning-annotations": m011,
  "012-org-members-page": m012,
  "013-organization-member-count": m013,
  "014-scim": m014,
  "015-access-configurations": m015,
  "016-sub-users-by-directory-user": m016,
  "017-access-deployments": m017,
  "018-console-sessions": m018,
  "019-provisioning-timeline": m019,
  "020-deletion-holds": m020,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => MIGRATIONS,
};
