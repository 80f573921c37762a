/**
 * RAM 2015-05-01 users: the sub-users of the calling account, the same store the CAM actions serve.
 * Translation only; rules live in core/subusers. RAM's DisplayName is the sub-user's remark (what
 * provisioning fills from the directory user's display name), Comments its description, and
 * MobilePhone `<country code>-<number>` its two phone fields.
 */
import { CoreError } from "../../../core/errors.js";
import type { SubUserInput, SubUserView } from "../../../core/subusers.js";
import { action, actions } from "../action.js";
import { aliyunTime } from "../format.js";
import { ramRoleActions } from "./ram-roles.js";

/** Wire names of the neutral fields the core may name in an error. */
const FIELDS = { name: "UserName", newName: "NewUserName", remark: "DisplayName", description: "Comments", email: "Email", phoneNum: "MobilePhone", countryCode: "MobilePhone", limit: "MaxItems", nextToken: "Marker" };
const NEW_FIELDS = { ...FIELDS, remark: "NewDisplayName", description: "NewComments", email: "NewEmail", phoneNum: "NewMobilePhone", countryCode: "NewMobilePhone" };

/** `86-18600008888` → country code and number; "" clears both. */
function mobilePhone(value: string | undefined, param: string): Pick<SubUserInput, "phoneNum" | "countryCode"> {
  if (value === undefined) return {};
  if (value === "") return { phoneNum: "", countryCode: "" };
  const dash = value.indexOf("-");
  if (dash <= 0) throw new CoreError("request.invalid_value", `The format of ${param} is incorrect: expected <country code>-<number>, e.g. 86-18600008888.`, param);
  return { countryCode: value.slice(0, dash), phoneNum: value.slice(dash + 1) };
}

function user(u: SubUserView, withUpdate = true) {
  return {
    UserId: String(u.uin),
    UserName: u.name,
    DisplayName: u.remark || undefined,
    MobilePhone: u.phoneNum ? (u.countryCode ? `${u.countryCode.replace(/^\+/, "")}-${u.phoneNum}` : u.phoneNum) : undefined,
    Email: u.email || undefined,
    Comments: u.description || undefined,
    CreateDate: aliyunTime(u.createdAt),
    UpdateDate: withUpdate ? aliyunTime(u.updatedAt) : undefined,
  };
}

export const ramUserActions = actions("ram", {
  CreateUser: action(
    async ({ core, caller }, p) => {
      const { user: u } = await core.subUsers.create(caller, {
        name: p.UserName,
        remark: p.DisplayName,
        description: p.Comments,
        email: p.Email,
        ...mobilePhone(p.MobilePhone, "MobilePhone"),
      });
      return { User: user(u, false) };
    },
    FIELDS,
  ),

  GetUser: action(
    async ({ core, caller }, p) => ({ User: user(await core.subUsers.get(caller, p.UserName)) }),
    FIELDS,
  ),

  ListUsers: action(
    async ({ core, caller }, p) => {
      const page = await core.subUsers.page(caller, { limit: p.MaxItems, marker: p.Marker || undefined });
      return { IsTruncated: page.marker !== undefined, Marker: page.marker, Users: { User: page.items.map((u) => user(u)) } };
    },
    FIELDS,
  ),

  UpdateUser: action(
    async ({ core, caller }, p) => {
      await core.subUsers.update(caller, p.UserName, {
        newName: p.NewUserName || undefined,
        remark: p.NewDisplayName,
        description: p.NewComments,
        email: p.NewEmail,
        ...mobilePhone(p.NewMobilePhone, "NewMobilePhone"),
      });
      return { User: user(await core.subUsers.get(caller, p.NewUserName || p.UserName)) };
    },
    NEW_FIELDS,
  ),

  DeleteUser: action(
    async ({ core, caller }, p) => {
      await core.subUsers.delete(caller, p.UserName);
      return {};
    },
    FIELDS,
  ),
});

/** Every RAM action OpenCIC serves: the account's users, and the roles CloudSSO deployed into it (ram-roles.ts). */
export const ramActions = { ...ramUserActions, ...ramRoleActions };
