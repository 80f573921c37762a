/**
 * ResourceManager 2020-03-31, resource directory and members: the caller's organization (the
 * resource directory), its root node (the Root folder) and member accounts. Translation only; rules
 * live in core/organizations. Ids are the core's numbers in Alibaba's shapes: `rd-<org>`, `r-<node>`.
 */
import { CoreError } from "../../../core/errors.js";
import type { Caller, Core } from "../../../core/index.js";
import type { MemberView } from "../../../core/organizations.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { resourceDirectoryId } from "../ids.js";
import { neutralTags, wireTags } from "../tags.js";

interface Directory {
  id: string;
  rootFolderId: string;
}

const directoryIds = (orgId: number, rootNodeId: number): Directory => ({ id: resourceDirectoryId(orgId), rootFolderId: `r-${rootNodeId}` });

async function directoryOf(core: Core, caller: Caller) {
  const view = await core.organizations.describe(caller);
  return { view, ids: directoryIds(view.orgId, view.rootNodeId) };
}

function resourceDirectory(view: Awaited<ReturnType<Core["organizations"]["describe"]>>, ids: Directory) {
  return {
    ResourceDirectoryId: ids.id,
    MasterAccountId: String(view.managerUin),
    MasterAccountName: view.managerName,
    RootFolderId: ids.rootFolderId,
    CreateTime: aliyunTime(view.createdAt),
  };
}


/** A member as an account; the actions that show tags add them (ListAccounts wraps them as `{Tag: [...]}`, GetAccount gives the list itself). */
function account(m: MemberView, dir: Directory) {
  const created = m.memberType === "Create";
  return {
    AccountId: String(m.uin),
    DisplayName: m.name,
    // Created members sign in as <prefix>@<directory>.aliyunid.com; invited accounts keep their own name.
    AccountName: created ? `${m.accountName}@${dir.id}.aliyunid.com` : m.accountName || undefined,
    Type: created ? "ResourceAccount" : "CloudAccount",
    JoinMethod: created ? "created" : "invited",
    Status: created ? "CreateSuccess" : "InviteSuccess",
    FolderId: dir.rootFolderId,
    ResourceDirectoryId: dir.id,
    ResourceDirectoryPath: `${dir.id}/${dir.rootFolderId}/${m.uin}`,
    JoinTime: aliyunTime(m.joinedAt),
    ModifyTime: aliyunTime(m.updatedAt),
  };
}

/** `r-<n>` is the root folder; other well-formed folder ids name folders that do not exist (the core says so). */
function folderNode(id: string | undefined): number | undefined {
  if (id === undefined || id === "") return undefined;
  const root = /^r-(\d{1,15})$/.exec(id);
  if (root) return Number(root[1]);
  if (/^(r|fd)-[A-Za-z0-9]{1,32}$/.test(id)) return -1;
  throw new CoreError("request.invalid_value", "The ParentFolderId is invalid.", "ParentFolderId");
}

const FIELDS = { memberName: "DisplayName", accountName: "AccountNamePrefix", nodeId: "ParentFolderId", tags: "Tag", memberUin: "AccountId", searchKey: "QueryKeyword" };

export const resourceManagerActions = actions("resourcemanager", {
  // EnableMode can only be CurrentAccount (wire-spec.ts): OpenCIC creates no new sign-in accounts.
  EnableResourceDirectory: action(
    async ({ core, caller }) => {
      await core.organizations.create(caller);
      const { view, ids } = await directoryOf(core, caller);
      return { ResourceDirectory: resourceDirectory(view, ids) };
    },
  ),

  GetResourceDirectory: action(
    async ({ core, caller }) => {
      const { view, ids } = await directoryOf(core, caller);
      return { ResourceDirectory: { ...resourceDirectory(view, ids), ControlPolicyStatus: "Disabled", MemberDeletionStatus: "Disabled" } };
    },
    FIELDS,
    { "organization.not_found": "ResourceDirectoryNotInUse" },
  ),

  CreateResourceAccount: action(
    async ({ core, caller }, p) => {
      const uin = await core.organizations.createMember(caller, {
        name: p.DisplayName,
        accountName: p.AccountNamePrefix || undefined,
        nodeId: folderNode(p.ParentFolderId),
        tags: neutralTags(p.Tag, "Tag"),
      });
      const { ids } = await directoryOf(core, caller);
      return { Account: account(await core.organizations.member(caller, uin), ids) };
    },
    FIELDS,
  ),

  ListAccounts: action(
    async ({ core, caller }, p) => {
      const { ids } = await directoryOf(core, caller);
      const all = await core.organizations.members(caller, { searchKey: p.QueryKeyword || undefined, tags: neutralTags(p.Tag, "Tag") });
      const pageNumber = p.PageNumber ?? 1;
      const pageSize = p.PageSize ?? 10;
      const page = all.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
      return {
        TotalCount: all.length,
        PageNumber: pageNumber,
        PageSize: pageSize,
        Accounts: { Account: page.map((m) => ({ ...account(m, ids), Tags: p.IncludeTags ? { Tag: wireTags(m.tags) } : undefined })) },
      };
    },
    FIELDS,
  ),

  GetAccount: action(
    async ({ core, caller }, p) => {
      if (!/^\d{1,16}$/.test(p.AccountId)) throw new CoreError("request.invalid_value", "The AccountId is invalid.", "AccountId");
      const { ids } = await directoryOf(core, caller);
      const m = await core.organizations.member(caller, Number(p.AccountId));
      return { Account: { ...account(m, ids), Tags: p.IncludeTags ? wireTags(m.tags) : undefined } };
    },
    FIELDS,
  ),
});
