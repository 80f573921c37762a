/** The neutral core: every rule lives here once, whichever wire dialect asked. */
import type { Store } from "../store/database.js";
import { Accounts, type Caller } from "./accounts.js";
import type { Clock } from "./clock.js";
import { Directories } from "./directory/directories.js";
import { Groups } from "./directory/groups.js";
import { PageTokens } from "./directory/paging.js";
import { Users } from "./directory/users.js";
import { fail } from "./errors.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import { Organizations } from "./organizations.js";
import { Provisionings } from "./provisioning/provisionings.js";
import { Reconciler } from "./provisioning/reconcile.js";
import { ReplayGuard } from "./replay-guard.js";
import { DEFAULT_WORKER_OPTIONS, Worker, type WorkerLog, type WorkerOptions } from "./provisioning/worker.js";
import type { SecretBox } from "./secrets.js";
import { SubUsers } from "./subusers.js";

export interface CoreOptions {
  store: Store;
  clock: Clock;
  box: SecretBox;
  limits?: Partial<Limits>;
  worker?: Partial<WorkerOptions>;
  log?: WorkerLog;
}

export class Core {
  readonly accounts: Accounts;
  readonly organizations: Organizations;
  readonly subUsers: SubUsers;
  /** The request-nonce ledger signature schemes with nonces use (Alibaba's SignatureNonce). */
  readonly replayGuard: ReplayGuard;
  readonly directories: Directories;
  readonly users: Users;
  readonly groups: Groups;
  readonly provisionings: Provisionings;
  readonly worker: Worker;
  readonly limits: Limits;

  constructor(readonly opts: CoreOptions) {
    const { db } = opts.store;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    this.accounts = new Accounts(db, opts.clock, opts.box);
    this.organizations = new Organizations(db, opts.clock, this.accounts, this.limits);
    const tokens = new PageTokens((data) => opts.box.mac(data));
    this.subUsers = new SubUsers(db, opts.clock, this.accounts, this.limits, tokens);
    // Several processes serve a PostgreSQL database; one serves an SQLite file (its worker assumes so too).
    this.replayGuard = new ReplayGuard(db, opts.clock, opts.store.engine === "postgres");
    this.directories = new Directories(db, opts.clock, this.organizations, this.limits);
    this.users = new Users(db, opts.clock, this.directories, tokens);
    this.groups = new Groups(db, opts.clock, this.directories, this.users, tokens);
    this.provisionings = new Provisionings(db, opts.clock, this.organizations, this.directories, this.users, this.groups, tokens, this.limits);
    const workerOptions = { ...DEFAULT_WORKER_OPTIONS, ...opts.worker };
    const reconciler = new Reconciler(db, opts.clock, this.accounts, this.limits, workerOptions.batchPauseMs);
    this.worker = new Worker(db, opts.store.engine, opts.clock, reconciler, workerOptions, opts.log);
    this.provisionings.onDirty = () => this.worker.wake();
    this.groups.onProvisioningDirty = () => this.worker.wake();
    this.users.onProvisioningDirty = () => this.worker.wake();
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
