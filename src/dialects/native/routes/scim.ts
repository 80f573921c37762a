/** The directory's SCIM side: the bearer credentials SCIM clients use (the secret shown once) and the synchronization switch. */
import { SCIM_LIFETIME } from "../../../core/directory/scim-credentials.js";
import { arr, int, obj, oneOfValues, optional, ref } from "../schema.js";
import { type NativeRoute, route } from "../route.js";
import { id, inDirectory } from "./common.js";

type InDirectory = { directoryId: string };
type Status = "Enabled" | "Disabled";
const status = oneOfValues(["Enabled", "Disabled"]);
const credentialId = id("The SCIM credential (`scimcred-…`).");

export const scimRoutes: NativeRoute[] = [
  route<InDirectory>({
    method: "GET",
    path: "/directories/{directoryId}/scim/credentials",
    name: "ListScimCredentials",
    summary: "The directory's SCIM credentials (never their secrets)",
    tag: "scim",
    params: inDirectory(),
    response: { status: 200, schema: obj({ items: arr(ref("ScimCredential")), totalCount: int() }) },
    run: async ({ core, caller }, { params }) => {
      const items = await core.scimCredentials.list(caller, params.directoryId);
      return { items, totalCount: items.length };
    },
  }),
  route<InDirectory, unknown, { lifetimeSeconds?: number }>({
    method: "POST",
    path: "/directories/{directoryId}/scim/credentials",
    name: "CreateScimCredential",
    summary: "Issues a SCIM bearer credential (at most two a directory); its secret is shown this once",
    tag: "scim",
    params: inDirectory(),
    body: optional({ lifetimeSeconds: int({ minimum: SCIM_LIFETIME.minSeconds, maximum: SCIM_LIFETIME.maxSeconds, description: "How long it is valid; a year unless given." }) }),
    response: { status: 201, schema: ref("NewScimCredential") },
    run: async ({ core, caller }, { params, body }) => {
      const { credential, secret } = await core.scimCredentials.create(caller, params.directoryId, body.lifetimeSeconds);
      return { ...credential, secret };
    },
  }),
  route<InDirectory & { credentialId: string }, unknown, { status: Status }>({
    method: "PATCH",
    path: "/directories/{directoryId}/scim/credentials/{credentialId}",
    name: "UpdateScimCredential",
    summary: "Disables or enables a SCIM credential (a disabled one authenticates nothing)",
    tag: "scim",
    params: inDirectory({ credentialId }),
    body: obj({ status }),
    response: { status: 200, schema: ref("ScimCredential") },
    run: ({ core, caller }, { params, body }) => core.scimCredentials.setStatus(caller, params.directoryId, params.credentialId, body.status),
  }),
  route<InDirectory & { credentialId: string }>({
    method: "DELETE",
    path: "/directories/{directoryId}/scim/credentials/{credentialId}",
    name: "DeleteScimCredential",
    summary: "Deletes a SCIM credential",
    tag: "scim",
    params: inDirectory({ credentialId }),
    response: { status: 204 },
    run: async ({ core, caller }, { params }) => {
      await core.scimCredentials.delete(caller, params.directoryId, params.credentialId);
      return undefined;
    },
  }),
  route<InDirectory>({
    method: "GET",
    path: "/directories/{directoryId}/scim/synchronization",
    name: "GetScimSynchronization",
    summary: "Whether SCIM clients may change the directory",
    tag: "scim",
    params: inDirectory(),
    response: { status: 200, schema: ref("ScimSynchronization") },
    run: async ({ core, caller }, { params }) => ({ status: await core.scimCredentials.syncStatus(caller, params.directoryId) }),
  }),
  route<InDirectory, unknown, { status: Status }>({
    method: "PUT",
    path: "/directories/{directoryId}/scim/synchronization",
    name: "SetScimSynchronization",
    summary: "Turns SCIM synchronization on or off (off: SCIM requests are refused)",
    tag: "scim",
    params: inDirectory(),
    body: obj({ status }),
    response: { status: 200, schema: ref("ScimSynchronization") },
    run: async ({ core, caller }, { params, body }) => {
      await core.scimCredentials.setSyncStatus(caller, params.directoryId, body.status);
      return { status: await core.scimCredentials.syncStatus(caller, params.directoryId) };
    },
  }),
];
