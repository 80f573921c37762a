/** The official SDK's own signer (CommonJS default export), for raw requests signed exactly as the SDK signs. */
import * as signModule from "tencentcloud-sdk-nodejs/tencentcloud/common/sign.js";

type SignClass = typeof import("tencentcloud-sdk-nodejs/tencentcloud/common/sign.js").default;
const m = signModule as unknown as { default: SignClass | { default: SignClass } };
export const Sign: SignClass = "sign3" in m.default ? m.default : m.default.default;
