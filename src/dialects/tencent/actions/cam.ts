/** cam 2019-01-16: sub-users of the calling account. Translation only; rules live in core/subusers. */
import type * as Sdk from "tencentcloud-sdk-nodejs/tencentcloud/services/cam/v20190116/cam_models.js";
import { then } from "../../../lib/maybe-promise.js";
import type { SubUserView } from "../../../core/subusers.js";
import { type ActionTable, action } from "../action.js";
import { tencentTime } from "../format.js";

const fields = (req: Sdk.UpdateUserRequest) => ({
  remark: req.Remark,
  consoleLogin: req.ConsoleLogin,
  password: req.Password,
  needResetPassword: req.NeedResetPassword,
  phoneNum: req.PhoneNum,
  countryCode: req.CountryCode,
  email: req.Email,
});

function subAccountInfo(u: SubUserView): Sdk.SubAccountInfo {
  return {
    Uin: u.uin,
    Name: u.name,
    Uid: u.uid,
    Remark: u.remark,
    ConsoleLogin: u.consoleLogin,
    PhoneNum: u.phoneNum,
    CountryCode: u.countryCode,
    Email: u.email,
    CreateTime: tencentTime(u.createdAt),
    NickName: u.name,
  };
}

export const camActions: ActionTable = {
  AddUser: action<Sdk.AddUserRequest, Sdk.AddUserResponse>(async ({ core, caller }, req) => {
    const { user, generatedPassword, key } = await core.subUsers.create(caller, { name: req.Name, useApi: req.UseApi, ...fields(req) });
    return {
      Uin: user.uin,
      Name: user.name,
      Uid: user.uid,
      Password: generatedPassword ?? null,
      SecretId: key?.secretId ?? null,
      SecretKey: key?.secretKey ?? null,
    };
  }),

  GetUser: action<Sdk.GetUserRequest, Sdk.GetUserResponse>(({ core, caller }, req) =>
    then(core.subUsers.get(caller, req.Name), (u) => ({
      Uin: u.uin,
      Name: u.name,
      Uid: u.uid,
      Remark: u.remark || null,
      ConsoleLogin: u.consoleLogin,
      PhoneNum: u.phoneNum,
      CountryCode: u.countryCode,
      Email: u.email,
      RecentlyLoginIP: null,
      RecentlyLoginTime: null,
    })),
  ),

  ListUsers: action<Sdk.ListUsersRequest, Sdk.ListUsersResponse>(async ({ core, caller }) => ({
    Data: (await core.subUsers.list(caller)).map(subAccountInfo),
  })),

  UpdateUser: action<Sdk.UpdateUserRequest, Sdk.UpdateUserResponse>(async ({ core, caller }, req) => {
    await core.subUsers.update(caller, req.Name, fields(req));
    return {};
  }),

  DeleteUser: action<Sdk.DeleteUserRequest, Sdk.DeleteUserResponse>(async ({ core, caller }, req) => {
    await core.subUsers.delete(caller, req.Name, req.Force ?? 0);
    return {};
  }),
};
