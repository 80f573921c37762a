/** CloudSSO 2021-05-15 groups actions (spec §3). */
import type { ActionTable } from "../action.js";

export const cloudssoGroupsActions: ActionTable = {};
