/** CloudSSO 2021-05-15 users actions (spec §3). */
import type { ActionTable } from "../action.js";

export const cloudssoUsersActions: ActionTable = {};
