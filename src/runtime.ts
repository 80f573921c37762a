/** Opens everything a process needs: store, master key, core. Used by the server and by the CLI's admin commands. */
import type { Config } from "./config.js";
import { sqliteFileIn } from "./config.js";
import { type Clock, systemClock } from "./core/clock.js";
import { Core } from "./core/index.js";
import type { Limits } from "./core/limits.js";
import type { Log } from "./core/log.js";
import type { TimelineOptions } from "./core/provisioning/timeline.js";
import { SecretBox, loadOrCreateMasterKey } from "./core/secrets.js";
import { openStore, type Store } from "./store/database.js";

export interface Runtime {
  store: Store;
  core: Core;
  close(): Promise<void>;
}

export async function openRuntime(
  config: Pick<Config, "dataDir" | "databaseUrl" | "masterKey"> & Partial<Pick<Config, "limits" | "workerBatchPauseMs" | "workerMaxAttempts" | "workerConcurrency" | "policyCatalogue" | "deploymentFaults" | "emulator" | "deletionBreaker" | "timelineRetentionDays">>,
  extra: { clock?: Clock; limits?: Partial<Limits>; log?: Log; timeline?: Partial<TimelineOptions> } = {},
): Promise<Runtime> {
  const box = new SecretBox(loadOrCreateMasterKey(config.dataDir, config.masterKey));
  const store = await openStore({ databaseUrl: config.databaseUrl, sqliteFile: sqliteFileIn(config.dataDir) });
  try {
    const worker = {
      batchPauseMs: config.workerBatchPauseMs ?? 0,
      ...(config.workerMaxAttempts !== undefined ? { maxAttempts: config.workerMaxAttempts } : {}),
      ...(config.workerConcurrency !== undefined ? { concurrency: config.workerConcurrency } : {}),
    };
    const core = new Core({ store, clock: extra.clock ?? systemClock, box, limits: { ...config.limits, ...extra.limits }, log: extra.log, worker, policyCatalogue: config.policyCatalogue, deploymentFaults: config.deploymentFaults, emulator: config.emulator, deletionBreaker: config.deletionBreaker, timeline: { ...(config.timelineRetentionDays !== undefined ? { retentionDays: config.timelineRetentionDays } : {}), ...extra.timeline } });
    await core.accounts.checkMasterKey();
    return {
      store,
      core,
      close: async () => {
        // The one-process nonce ledger's last accepted uses, so that a replay after the restart is refused.
        await core.replayGuard.flush();
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
