/** CloudSSO 2021-05-15 directory actions (spec §3). */
import type { ActionTable } from "../action.js";

export const cloudssoDirectoryActions: ActionTable = {};
