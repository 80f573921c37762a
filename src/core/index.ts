/** The neutral core: every rule lives here once, whichever wire dialect asked. */
import type { Store } from "../store/database.js";
import { AccountRoles } from "./access/account-roles.js";
import { AccessConfigurations } from "./access/configurations.js";
import { AccessDeployments } from "./access/deployments.js";
import { DeploymentReconciler } from "./access/reconcile.js";
import { type CatalogueFile, PolicyCatalogue } from "./access/policies.js";
import { Accounts, type Caller } from "./accounts.js";
import { Announcer } from "./announcements.js";
import type { Clock } from "./clock.js";
import { type ConsoleSessionOptions, ConsoleSessions } from "./console-sessions.js";
import { Directories } from "./directory/directories.js";
import { Groups } from "./directory/groups.js";
import { PageTokens } from "./directory/paging.js";
import { ScimCredentials } from "./directory/scim-credentials.js";
import { Users } from "./directory/users.js";
import { type QueueStats, ReconcileQueue } from "./engine/queue.js";
import { ReconcilerRouter } from "./engine/router.js";
import { DEFAULT_WORKER_OPTIONS, type EngineObserver, Worker, type WorkerOptions } from "./engine/worker.js";
import { type FaultRuleInput, FaultRules } from "./emulator/faults.js";
import { Emulator } from "./emulator/index.js";
import { fail } from "./errors.js";
import { DEFAULT_LIMITS, type Limits } from "./limits.js";
import { type Log, silentLog } from "./log.js";
import { Organizations } from "./organizations.js";
import { Provisionings } from "./provisioning/provisionings.js";
import { type BreakerSetting, DEFAULT_BREAKER, DeletionHolds } from "./provisioning/breaker.js";
import type { WantedUser } from "./provisioning/plan.js";
import { ProvisioningPlanner } from "./provisioning/planner.js";
import { ProvisioningReconciler } from "./provisioning/reconcile.js";
import { Timeline, type TimelineOptions } from "./provisioning/timeline.js";
import { ReplayGuard } from "./replay-guard.js";
import type { SecretBox } from "./secrets.js";
import { SubUsers } from "./subusers.js";

export interface CoreOptions {
  store: Store;
  clock: Clock;
  box: SecretBox;
  limits?: Partial<Limits>;
  worker?: Partial<WorkerOptions>;
  /** Where the core logs (pino's call shape; the server passes its own logger). */
  log?: Log;
  /** Told of every reconcile and give-up (metrics); more can be added with `worker.observe`. */
  observer?: EngineObserver;
  /** System policies beyond the built-in catalogue (OPENCIC_POLICY_CATALOGUE). */
  policyCatalogue?: CatalogueFile;
  /** Accounts into which deployments fail, with their reasons (OPENCIC_DEPLOYMENT_FAULTS). */
  deploymentFaults?: ReadonlyMap<number, string>;
  /** Console session lifetimes and the sign-in rate (defaults in console-sessions.ts). */
  consoleSessions?: Partial<ConsoleSessionOptions>;
  /** Emulator controls on (`--emulator`): the core then reads time from the emulator's clock. */
  emulator?: boolean;
  /** The server's deletion circuit breaker (OPENCIC_DELETION_BREAKER; default more than 20 and more than 10 %). */
  deletionBreaker?: BreakerSetting;
  /** The provisioning timeline's retention (OPENCIC_TIMELINE_RETENTION_DAYS), and whether it records at all (off only for a benchmark's baseline). */
  timeline?: Partial<TimelineOptions>;
}

export class Core {
  readonly opts: CoreOptions;
  readonly accounts: Accounts;
  readonly organizations: Organizations;
  readonly subUsers: SubUsers;
  /** The request-nonce ledger signature schemes with nonces use (Alibaba's SignatureNonce). */
  readonly replayGuard: ReplayGuard;
  /** Console sign-in: sessions, their anti-forgery tokens, one-time links. */
  readonly consoleSessions: ConsoleSessions;
  readonly directories: Directories;
  readonly users: Users;
  readonly groups: Groups;
  /** SCIM bearer credentials and each directory's synchronization switch. */
  readonly scimCredentials: ScimCredentials;
  readonly provisionings: Provisionings;
  /** What the reconciler would do, before it does it (dry runs of provisionings and proposed changes). */
  readonly plans: ProvisioningPlanner;
  /** Deletions the circuit breaker held, and an administrator's approval or rejection of them. */
  readonly deletionHolds: DeletionHolds;
  /** Every decision the provisioning reconciler made about a sub-user, and why, for the retention period. */
  readonly timeline: Timeline;
  /** The system policies configurations may attach, per cloud. */
  readonly policyCatalogue: PolicyCatalogue;
  /** Permission configurations (Tencent role configurations, Alibaba access configurations) and their policies. */
  readonly accessConfigurations: AccessConfigurations;
  /** Assignments, deployments (a configuration's role in an account) and their tasks. */
  readonly accessDeployments: AccessDeployments;
  /** What deployments landed in accounts, as each account reads it. */
  readonly accountRoles: AccountRoles;
  /** The durable reconcile queue; `stats()` gives its depth and the age of its oldest due key. */
  readonly queue: ReconcileQueue;
  /** The one reconcile worker: provisionings (`up-` keys) and deployments (`dp-` keys). */
  readonly worker: Worker;
  readonly limits: Limits;
  /** Clock, state and fault controls of a server started with --emulator; undefined otherwise. */
  readonly emulator: Emulator | undefined;
  /** What every service reads time from: the given clock, or the emulator's over it. */
  readonly clock: Clock;
  /**
   * The fault rules the pipeline, the reconcilers and the worker consult: the emulator's, or without
   * an emulator a table of only the deployment faults OPENCIC_DEPLOYMENT_FAULTS seeds; undefined when
   * there is neither (then nothing is consulted).
   */
  readonly faults: FaultRules | undefined;

  constructor(opts: CoreOptions) {
    const { db } = opts.store;
    // OPENCIC_DEPLOYMENT_FAULTS is one kind of fault rule, seeded at start.
    const seeds: FaultRuleInput[] = [...(opts.deploymentFaults ?? [])].map(([accountId, reason]) => ({ kind: "deployment", accountId, reason }));
    this.emulator = opts.emulator ? new Emulator(opts.clock, seeds) : undefined;
    // Caches measure their freshness in real time: an emulator's clock may stand still for ever.
    const cacheClock = opts.clock;
    this.clock = this.emulator?.clock ?? opts.clock;
    this.faults = this.emulator?.faults ?? (seeds.length > 0 ? new FaultRules(this.clock, seeds) : undefined);
    const faults = this.faults;
    // Every service below gets the core's clock, so the emulator's moves all of them.
    opts = { ...opts, clock: this.clock };
    this.opts = opts;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    // How services tell each other of changes without importing each other (see announcements.ts).
    const announcer = new Announcer();
    this.accounts = new Accounts(db, opts.clock, opts.box, cacheClock);
    this.organizations = new Organizations(db, opts.clock, this.accounts, this.limits, announcer);
    const tokens = new PageTokens((data) => opts.box.mac(data));
    this.subUsers = new SubUsers(db, opts.clock, this.accounts, this.limits, tokens);
    // Several processes serve a PostgreSQL database; one serves an SQLite file (its worker assumes so too).
    this.replayGuard = new ReplayGuard(db, opts.clock, opts.store.engine === "postgres");
    this.consoleSessions = new ConsoleSessions(db, opts.clock, opts.box, this.accounts, opts.consoleSessions);
    this.directories = new Directories(db, opts.clock, this.organizations, this.limits);
    this.users = new Users(db, opts.clock, this.directories, tokens, announcer);
    this.groups = new Groups(db, opts.clock, this.directories, this.users, tokens, announcer);
    this.scimCredentials = new ScimCredentials(db, opts.clock, opts.box, this.directories, cacheClock);
    this.queue = new ReconcileQueue(db, opts.store.engine, opts.clock, announcer);
    this.timeline = new Timeline(db, opts.clock, this.directories, tokens, opts.timeline);
    this.provisionings = new Provisionings(db, opts.clock, this.organizations, this.directories, this.users, this.groups, tokens, this.limits, this.subUsers, this.queue, announcer, this.timeline);
    this.policyCatalogue = new PolicyCatalogue(opts.policyCatalogue);
    this.accountRoles = new AccountRoles(db, opts.clock);
    this.accessDeployments = new AccessDeployments(db, opts.clock, this.directories, this.organizations, this.users, this.groups, this.queue, announcer, tokens, this.accountRoles);
    // Listeners run in the order added: a departing member's deployments are locked before its
    // provisionings and account (the deployment reconcile locks deployment, then account).
    this.accessDeployments.listen();
    this.provisionings.listen();
    this.accessConfigurations = new AccessConfigurations(db, opts.clock, this.directories, this.policyCatalogue, tokens, this.limits, this.accessDeployments);
    const workerOptions: WorkerOptions = { ...DEFAULT_WORKER_OPTIONS, ...opts.worker };
    const breaker = opts.deletionBreaker ?? DEFAULT_BREAKER;
    const injectedUnitFailure = faults && ((account: number, user: WantedUser) => faults.unitFailure(account, user));
    this.deletionHolds = new DeletionHolds(db, opts.clock, this.directories, this.provisionings, announcer);
    this.plans = new ProvisioningPlanner(db, this.directories, this.organizations, this.users, this.groups, this.provisionings, this.deletionHolds, this.limits, { batchSize: workerOptions.batchSize, breaker, injectedUnitFailure });
    const reconciler = new ReconcilerRouter({
      "up-": new ProvisioningReconciler(db, opts.clock, this.subUsers, this.limits, this.deletionHolds, {
        batchPauseMs: workerOptions.batchPauseMs,
        batchSize: workerOptions.batchSize,
        breaker,
        faults: workerOptions.faults,
        injectedUnitFailure,
        timeline: this.timeline,
      }),
      "dp-": new DeploymentReconciler(db, opts.clock, this.accountRoles, {
        batchPauseMs: workerOptions.batchPauseMs,
        faults: workerOptions.faults,
        injectedFailure: faults && ((account) => faults.deploymentFailure(account)),
      }),
    });
    if (faults) {
      // Pacing rules hold keys back; a key's account is read only while a rule names one.
      const work = {
        kindOf: (key: string) => reconciler.kindOf(key),
        accountOf: async (key: string) => {
          const row = reconciler.kindOf(key) === "deployment"
            ? await db.selectFrom("access_deployments").select("target_uin").where("deployment_id", "=", key).executeTakeFirst()
            : await db.selectFrom("provisionings").select("target_uin").where("provisioning_id", "=", key).executeTakeFirst();
          return row === undefined ? undefined : Number(row.target_uin);
        },
      };
      workerOptions.hold = (entry) => faults.holdUntil(entry, work);
    }
    this.worker = new Worker(db, this.queue, reconciler, workerOptions, opts.log ?? silentLog);
    if (opts.observer) this.worker.observe(opts.observer);
    // Expired decisions go while the worker has nothing else to do.
    this.worker.whenIdle(() => this.timeline.pruneIfDue());
    // A key marked by this process starts at once instead of at the worker's next poll.
    announcer.afterCommit("queue.marked", () => this.worker.wake());
    if (this.emulator) this.wireEmulator(this.emulator, opts.store);
  }

  /** What the emulator's reset, restore and clock moves must reach in the core. */
  private wireEmulator(emulator: Emulator, store: Store): void {
    emulator.attach(store, this.worker);
    // What mirrors or counts against the database in memory is stale once the database was replaced.
    emulator.onStateReplaced(async () => {
      this.accounts.forgetAll();
      this.scimCredentials.forgetAll();
      this.replayGuard.forget();
      this.consoleSessions.forgetAttempts();
      await this.queue.releaseAll();
    });
    emulator.onClockMoved(async (deltaMs) => {
      if (deltaMs < 0) await this.queue.clockMovedBack(-deltaMs);
      // A key backing off may be due now: the worker need not wait for its next poll.
      this.worker.wake();
    });
  }

  /**
   * The reconcile queue as one tenant sees it: only the keys of its directory's provisionings and
   * deployments (an account without a directory has none). Metrics read the whole queue instead.
   */
  async workStats(caller: Caller): Promise<QueueStats> {
    const dir = await this.directories.find(caller);
    const directoryId = dir?.directoryId ?? "";
    const { db } = this.opts.store;
    return this.queue.stats(
      db
        .selectFrom("provisionings")
        .select("provisioning_id as key")
        .where("directory_id", "=", directoryId)
        .union(db.selectFrom("access_deployments").select("deployment_id as key").where("directory_id", "=", directoryId)),
    );
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
