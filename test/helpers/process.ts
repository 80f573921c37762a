/** `opencic` as separate processes: the server (`serve`) and the admin commands. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * The command line of `opencic`: the build (`node dist/cli.js`, as `npm start` runs it) when it is
 * newer than every source file, as in CI, where `npm ci` builds it; otherwise the TypeScript sources
 * through tsx, so an edit is never tested through a stale build. A tsx start transpiles the whole
 * import graph and costs about a second more a process, and these suites start dozens.
 */
export const CLI: readonly string[] = (() => {
  const built = join("dist", "cli.js");
  if (existsSync(built) && newestIn("src") <= statSync(built).mtimeMs) return [built];
  return ["--import", "tsx", "src/cli.ts"];
})();

function newestIn(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestIn(path) : statSync(path).mtimeMs);
  }
  return newest;
}
const run = promisify(execFile);

export interface Served {
  proc: ChildProcess;
  endpoint: string;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

const dirs: string[] = [];

export function removeTempDirs(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "opencic-proc-"));
  dirs.push(d);
  return d;
}

export function baseEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, OPENCIC_RATE_LIMITS: "off", ...extra };
  for (const k of ["OPENCIC_SECRET_ID", "OPENCIC_SECRET_KEY", "DATABASE_URL", "OPENCIC_MASTER_KEY", "PORT", "OPENCIC_LIMITS", "OPENCIC_WORKER_BATCH_PAUSE_MS", "OPENCIC_WORKER_MAX_ATTEMPTS", "OPENCIC_DEPLOYMENT_FAULTS"]) if (!(k in extra)) delete env[k];
  return env;
}

export async function serve(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const proc = spawn(process.execPath, [...CLI, "serve", "--port", "0", ...args], { env: baseEnv(env), stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  proc.stdout!.on("data", (d) => (out += d));
  proc.stderr!.on("data", (d) => (out += d));
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 20_000);
    const check = () => {
      const m = /serving on http:\/\/([\d.]+:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on("data", check);
    proc.on("exit", () => reject(new Error(`server exited:\n${out}`)));
  });
  return {
    proc,
    endpoint,
    output: () => out,
    stop: (signal = "SIGTERM") =>
      new Promise((resolve) => {
        proc.once("exit", (code) => resolve(code));
        proc.kill(signal);
      }),
  };
}

export async function cli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run(process.execPath, [...CLI, ...args], { env: baseEnv(env) });
  return stdout;
}

