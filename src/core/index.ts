/** The neutral core: every rule lives here once, whichever wire dialect asked. */
import type { Store } from "../store/database.js";
import { Accounts, type Caller } from "./accounts.js";
import type { Clock } from "./clock.js";
import { fail } from "./errors.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import { Organizations } from "./organizations.js";
import type { SecretBox } from "./secrets.js";
import { SubUsers } from "./subusers.js";

export interface CoreOptions {
  store: Store;
  clock: Clock;
  box: SecretBox;
  limits?: Partial<Limits>;
}

export class Core {
  readonly accounts: Accounts;
  readonly organizations: Organizations;
  readonly subUsers: SubUsers;
  readonly limits: Limits;

  constructor(readonly opts: CoreOptions) {
    const { db } = opts.store;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.accounts = new Accounts(db, opts.clock, opts.box);
    this.organizations = new Organizations(db, opts.clock, this.accounts, this.limits);
    this.subUsers = new SubUsers(db, opts.clock, this.accounts, this.limits);
  }

  get clock(): Clock {
    return this.opts.clock;
  }

  /**
   * OpenCIC has no CAM/RAM policy engine yet: a sub-user's key authenticates,
   * but a sub-user holds no permissions, exactly like a fresh sub-user in the cloud.
   */
  authorize(caller: Caller, action: string): void {
    if (caller.isSubUser) fail("auth.not_permitted", `sub-user ${caller.principalUin} is not authorized to perform ${action}`);
  }
}

export type { Caller };
