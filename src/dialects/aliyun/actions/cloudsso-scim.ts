/**
 * CloudSSO 2021-05-15 SCIM credentials and the directory's SCIM synchronization switch (spec §3.7).
 * The same credentials and switch the Tencent door shows for the zone. Translation only; the rules
 * live in core/directory/scim-credentials.ts.
 */
import type { ScimCredentialView } from "../../../core/directory/scim-credentials.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { directoryIdIn, directoryIdOut } from "../ids.js";
import { canonical, STATUSES } from "./cloudsso-common.js";

/** A credential as CloudSSO answers it; the secret is added by CreateSCIMServerCredential alone. */
function credentialObject(c: ScimCredentialView) {
  return {
    CredentialId: c.credentialId,
    CredentialType: c.type,
    DirectoryId: directoryIdOut(c.directoryId),
    Status: c.status,
    CreateTime: aliyunTime(c.createdAt),
    ExpireTime: aliyunTime(c.expiresAt),
  };
}

export const cloudssoScimActions = actions("cloudsso", {
  CreateSCIMServerCredential: action(async ({ core, caller }, p) => {
    // CloudSSO takes no lifetime: a credential lives the default year.
    const { credential, secret } = await core.scimCredentials.create(caller, directoryIdIn(p.DirectoryId));
    return { SCIMServerCredential: { ...credentialObject(credential), CredentialSecret: secret } };
  }),

  ListSCIMServerCredentials: action(async ({ core, caller }, p) => {
    const list = await core.scimCredentials.list(caller, directoryIdIn(p.DirectoryId));
    return { SCIMServerCredentials: list.map(credentialObject), TotalCounts: list.length };
  }),

  UpdateSCIMServerCredentialStatus: action(async ({ core, caller }, p) => ({
    SCIMServerCredential: credentialObject(await core.scimCredentials.setStatus(caller, directoryIdIn(p.DirectoryId), p.CredentialId, canonical(p.NewStatus, STATUSES)!)),
  })),

  DeleteSCIMServerCredential: action(async ({ core, caller }, p) => {
    await core.scimCredentials.delete(caller, directoryIdIn(p.DirectoryId), p.CredentialId);
    return {};
  }),

  GetSCIMSynchronizationStatus: action(async ({ core, caller }, p) => ({
    SCIMSynchronizationStatus: await core.scimCredentials.syncStatus(caller, directoryIdIn(p.DirectoryId)),
  })),

  SetSCIMSynchronizationStatus: action(async ({ core, caller }, p) => {
    await core.scimCredentials.setSyncStatus(caller, directoryIdIn(p.DirectoryId), canonical(p.SCIMSynchronizationStatus, STATUSES)!);
    return {};
  }),
});
