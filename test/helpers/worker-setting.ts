/** A worker setting read from an OPENCIC_WORKER_* variable: a whole number from 1, with a default. */
import assert from "node:assert/strict";
import { type Config, loadConfig } from "../../src/config.js";
import { DEFAULT_WORKER_OPTIONS, type WorkerOptions } from "../../src/core/engine/worker.js";
import { openRuntime } from "../../src/runtime.js";
import { removeTempDirs, tempDir } from "./process.js";

/** Checks the default, that a value set in the environment reaches the runtime's worker, and that anything but a whole number from 1 is refused. */
export async function checkWorkerSetting(env: string, configField: keyof Config, workerField: keyof WorkerOptions, fallback: number): Promise<void> {
  assert.equal(DEFAULT_WORKER_OPTIONS[workerField], fallback);
  assert.equal(loadConfig({}, {})[configField], fallback);
  const config = loadConfig({ "data-dir": tempDir() }, { [env]: "3" });
  assert.equal(config[configField], 3);
  const rt = await openRuntime(config);
  try {
    assert.equal(rt.core.opts.worker?.[workerField], 3);
  } finally {
    await rt.close();
    removeTempDirs();
  }
  for (const bad of ["0", "-1", "2.5", "many"]) assert.throws(() => loadConfig({}, { [env]: bad }), new RegExp(env));
}
