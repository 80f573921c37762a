/** Every CloudSSO 2021-05-15 action OpenCIC serves, by wire name. */
import type { ActionTable } from "../action.js";
import { cloudssoAccessActions } from "./cloudsso-access.js";
import { cloudssoDeploymentActions } from "./cloudsso-deployments.js";
import { cloudssoDirectoryActions } from "./cloudsso-directory.js";
import { cloudssoGroupsActions } from "./cloudsso-groups.js";
import { cloudssoProvisioningActions } from "./cloudsso-provisioning.js";
import { cloudssoScimActions } from "./cloudsso-scim.js";
import { cloudssoUsersActions } from "./cloudsso-users.js";

export const cloudssoActions: ActionTable = { ...cloudssoDirectoryActions, ...cloudssoUsersActions, ...cloudssoGroupsActions, ...cloudssoProvisioningActions, ...cloudssoScimActions, ...cloudssoAccessActions, ...cloudssoDeploymentActions };
