/**
 * IMS 2019-08-15: the SAML identity providers of the calling account. A member account sees the one
 * CloudSSO deployed there per directory, `AliyunReservedSSO-<DirectoryId>` (access spec §1.2, §3.7),
 * made with the directory's first role in the account and gone with its last; changes are refused.
 * Translation only, over core.accountRoles.
 */
import type { Caller } from "../../../core/accounts.js";
import type { AccountSamlProviderView } from "../../../core/access/views.js";
import { fail } from "../../../core/errors.js";
import type { Core } from "../../../core/index.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { directoryIdIn } from "../ids.js";
import { RESERVED_PREFIX, samlProviderName } from "./cloudsso-deployments.js";
import { markerPage } from "./ram-roles.js";

const FIELDS = { name: "SAMLProviderName", marker: "Marker", maxItems: "MaxItems" };
const DESCRIPTION = "The identity provider of CloudSSO, for role-based single sign-on";

/** The provider a name names: `AliyunReservedSSO-` and a directory id as CloudSSO writes it (any case for the prefix). */
function providerNamed(core: Core, caller: Caller, name: string): Promise<AccountSamlProviderView> {
  const reserved = name.toLowerCase().startsWith(RESERVED_PREFIX.toLowerCase());
  const directoryId = name.slice(RESERVED_PREFIX.length);
  return reserved && directoryId !== "" ? core.accountRoles.samlProvider(caller, directoryIdIn(directoryId)) : fail("account.saml_provider_not_found", `the identity provider ${name} does not exist`, "name");
}

function providerObject(p: AccountSamlProviderView) {
  const name = samlProviderName(p.directoryId);
  return { SAMLProviderName: name, Arn: `acs:ram::${p.accountUin}:saml-provider/${name}`, Description: DESCRIPTION, CreateDate: aliyunTime(p.createdAt), UpdateDate: aliyunTime(p.updatedAt) };
}

const refuseChange = <A extends "UpdateSAMLProvider" | "DeleteSAMLProvider">() =>
  action<"ims", A>(async ({ core, caller }, p) => {
  const provider = await providerNamed(core, caller, p.SAMLProviderName!);
  return core.accountRoles.refuseChange(`the identity provider ${samlProviderName(provider.directoryId)}`);
}, FIELDS);

export const imsActions = actions("ims", {
  GetSAMLProvider: action(async ({ core, caller }, p) => ({ SAMLProvider: providerObject(await providerNamed(core, caller, p.SAMLProviderName)) }), FIELDS),

  ListSAMLProviders: action(async ({ core, caller }, p) => {
    const { page, ...paging } = markerPage(await core.accountRoles.samlProviders(caller), p.Marker, p.MaxItems);
    return { ...paging, SAMLProviders: { SAMLProvider: page.map(providerObject) } };
  }, FIELDS),

  UpdateSAMLProvider: refuseChange(),
  DeleteSAMLProvider: refuseChange(),
});
