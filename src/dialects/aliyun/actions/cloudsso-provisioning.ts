/** CloudSSO 2021-05-15 provisioning actions (spec §3). */
import type { ActionTable } from "../action.js";

export const cloudssoProvisioningActions: ActionTable = {};
