/**
 * The CLI's client of a running server's native API (/api/v1): the commands that act on what a
 * server holds in memory (emulator controls) or that an administrator runs against a live server
 * (plans, held deletions) go through it, with an account's key, like any other API client.
 */

/** The options every such command takes. */
export const NATIVE_API_OPTIONS = {
  endpoint: { type: "string" },
  "secret-id": { type: "string" },
  "secret-key": { type: "string" },
  json: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

export const NATIVE_API_USAGE = `  --endpoint URL    the server (default http://127.0.0.1:8080)
  --secret-id ID, --secret-key KEY
                    an account's key (default OPENCIC_SECRET_ID / OPENCIC_SECRET_KEY)
  --json            print the API's JSON answer instead of lines`;

export type NativeApi = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** The client the parsed options name. */
export function nativeApiFrom(values: { endpoint?: string; "secret-id"?: string; "secret-key"?: string }): NativeApi {
  const endpoint = values.endpoint ?? "http://127.0.0.1:8080";
  if (!/^https?:\/\/[^/]+/.test(endpoint)) throw new Error(`--endpoint must be an http(s) URL, not "${endpoint}"`);
  return client(endpoint, values["secret-id"] ?? process.env.OPENCIC_SECRET_ID, values["secret-key"] ?? process.env.OPENCIC_SECRET_KEY);
}

/** One call of the native API; a refusal becomes an error that says what the server said. */
function client(endpoint: string, secretId: string | undefined, secretKey: string | undefined): NativeApi {
  if (!secretId || !secretKey) throw new Error("give an account's key: --secret-id and --secret-key, or OPENCIC_SECRET_ID and OPENCIC_SECRET_KEY");
  const base = endpoint.replace(/\/+$/, "");
  return async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = { authorization: `Bearer ${secretId}:${secretKey}` };
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${base}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (err) {
      throw new Error(`cannot reach ${base}: ${(err as { cause?: { message?: string } }).cause?.message ?? String(err)}`);
    }
    const text = await res.text();
    if (!res.ok) {
      let problem: { reason?: string; detail?: string } = {};
      try {
        problem = JSON.parse(text) as typeof problem;
      } catch {
        // Not problem details: the status alone says it.
      }
      throw new Error(`${method} ${path}: ${res.status} ${problem.reason ?? ""}${problem.detail ? `: ${problem.detail}` : ""}`.trim());
    }
    return (text === "" ? undefined : JSON.parse(text)) as T;
  };
}

