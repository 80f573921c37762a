/**
 * Work kept for the end of the event-loop turn, and the yield long work takes between its slices.
 *
 * The turn's requests run here, together (server/pipeline.ts), and their answers are then written
 * together (server/reply-batch.ts), in a `setImmediate`. Long work (a reconcile's write batches, the
 * worker between keys) yields with `setImmediate` too, and immediates run in the order they were queued: a slice that yielded during
 * the last turn would run before the answers this turn's requests made, and they would wait a whole
 * slice (measured: GetProvisioningTaskStatus during a 10,000-user fan-out, p50 13 → 24–31 ms). So the
 * yield runs what waits for the turn's end before it hands back to the long work. Tasks must not
 * throw: a group commit runs them just before its COMMIT.
 */
let tasks: Array<() => void> = [];
/** Whether `runTurnEnd` is running: work it queues meanwhile runs in the same run. */
let running = false;

/** Runs `task` at the end of this turn (before any long work resumes). */
export function atTurnEnd(task: () => void): void {
  if (tasks.length === 0 && !running) setImmediate(runTurnEnd);
  tasks.push(task);
}

/**
 * Runs the turn's end work now, and whatever that work queues for the turn's end (the pipeline's
 * requests queue their answers). For callbacks that resume long work themselves (a group commit's
 * COMMIT resolves the transactions that wait on it, and their code runs on): the answers go first.
 */
export function runTurnEnd(): void {
  if (running) return;
  running = true;
  try {
    while (tasks.length > 0) {
      const due = tasks;
      tasks = [];
      for (const task of due) task();
    }
  } finally {
    running = false;
    // A task broke its promise not to throw: what it left queued still runs, next turn.
    if (tasks.length > 0) setImmediate(runTurnEnd);
  }
}

/** Lets the event loop serve I/O, then runs the turn's end work, then resumes the caller. */
export function yieldTurn(): Promise<void> {
  return new Promise<void>((resolve) =>
    setImmediate(() => {
      runTurnEnd();
      resolve();
    }),
  );
}
