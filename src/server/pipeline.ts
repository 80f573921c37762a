/**
 * The one request pipeline. Every request of every door runs these steps, in this order:
 *
 *   read → authenticate → guard replay → route → fault → admit → decode → handle → encode
 *
 * `fault` is the emulator's: a matching fault rule (core/emulator/faults.ts) delays the call or answers
 * it with an error before it is admitted, so a faulted call changes nothing and uses no rate limit.
 * Emulator control routes are exempt (DoorAction.faultExempt), so a rule cannot lock a test out.
 *
 * then the answer (or the door's rendering of whatever error a step raised) is sent, and the request
 * gets one log line and its metrics. A door supplies only its codec (door.ts).
 *
 * A step answers with a value when it has one at once and with a promise only when it must wait (a
 * key or a row the store cannot read synchronously): a request that never waits goes through every
 * step in one run, without a turn of the microtask queue per step. That is the fast path, and it is
 * the same for every action of every door. The requests read in one event-loop turn take it together
 * at the turn's end, step by step (`runTurn`), and their answers leave together (reply-batch.ts).
 */
import type { FastifyReply, FastifyRequest } from "fastify";
import { CoreError } from "../core/errors.js";
import type { Core } from "../core/index.js";
import { isPromise, type MaybePromise, then } from "../lib/maybe-promise.js";
import { RequestContext } from "./context.js";
import type { Answer, Authenticated, Door, DoorAction } from "./door.js";
import type { RateLimiter } from "./rate-limit.js";
import { ReplyBatch } from "./reply-batch.js";
import { atTurnEnd } from "../lib/turn-end.js";

/** What the pipeline reports each finished request to (metrics.ts binds it to Prometheus). */
export interface RequestObserver {
  observe(door: string, action: string, code: string, seconds: number): void;
}

/** pino's call shape; fastify's logger is one. */
export interface RequestLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface PipelineDeps {
  core: Core;
  /** The door's own counters: the same action name in two doors (GetUser) is two APIs. */
  limiter: RateLimiter;
  log: RequestLog;
  observer: RequestObserver;
  /** True while the server shuts down: answers then ask the client to close the connection. */
  isClosing(): boolean;
}

/** One of a turn's requests: its flight, its reply, and whether it still goes step by step with the turn. */
interface TurnRequest<A extends DoorAction, W> {
  f: Flight<A, W>;
  reply: FastifyReply;
  running: boolean;
}

/** The request's progress, on top of what the context carries. */
interface Flight<A extends DoorAction, W> {
  ctx: RequestContext<W>;
  replay: Authenticated["replay"];
  action: A | undefined;
  params: unknown;
  payload: object | undefined;
  answer: Answer | undefined;
  /** What a step raised, when the answer renders an error. */
  error: unknown;
}

type Step<A extends DoorAction, W> = (f: Flight<A, W>) => MaybePromise<void>;

export interface DoorHandlers {
  /** The route handler: runs the pipeline for one request. */
  handle(req: FastifyRequest, reply: FastifyReply): void;
  /** Errors raised before the pipeline ran (the body was too large or could not be read), in the door's envelope. */
  refuseEarly(req: FastifyRequest, reply: FastifyReply, err: CoreError): void;
}

export function pipeline<A extends DoorAction, W>(door: Door<A, W>, deps: PipelineDeps): DoorHandlers {
  const { core, limiter } = deps;
  const replies = new ReplyBatch<Flight<A, W>>(
    (f) => report(f),
    (f, err) => deps.log.error({ requestId: f.ctx.requestId, err }, "answering failed"),
  );

  const steps: Step<A, W>[] = [
    function read({ ctx }) {
      if (Buffer.byteLength(ctx.raw.rawQuery) > door.maxQueryBytes) {
        throw new CoreError("request.too_large", `The query string exceeds ${door.maxQueryBytes} bytes.`);
      }
    },
    function authenticate(f) {
      return then(door.authenticate(f.ctx), (a) => {
        f.ctx.caller = a.caller;
        f.ctx.wire = a.wire;
        f.replay = a.replay;
      });
    },
    // After the signature checked out, so a forger cannot burn another key's nonces.
    function guardReplay({ replay }) {
      if (replay) return core.replayGuard.use(replay.keyId, replay.nonce, replay.expiresAt);
    },
    function route(f) {
      f.action = door.route(f.ctx);
    },
    function fault({ action }) {
      const faults = core.faults;
      if (faults !== undefined && action!.faultExempt !== true) return faults.onRequest(door.name, action!.name);
    },
    function admit({ ctx, action }) {
      const caller = ctx.caller!;
      core.authorize(caller, action!.name);
      const key = door.rateLimitKey ? door.rateLimitKey(ctx, action!) : { subject: caller.accountUin, counter: action!.name, holder: "account" };
      if (!limiter.take(key.subject, key.counter)) {
        throw new CoreError("throttled", `Request rate for ${key.counter} exceeds ${limiter.limitFor(key.counter)} per second for this ${key.holder}.`);
      }
    },
    function decode(f) {
      f.params = door.decode(f.ctx, f.action!);
    },
    function handle(f) {
      const out = f.action!.run({ core, caller: f.ctx.caller!, requestId: f.ctx.requestId }, f.params as never);
      return then(out, (payload) => {
        f.payload = payload;
      });
    },
    function encode(f) {
      f.answer = door.encode(f.ctx, f.action!, f.payload!);
    },
  ];

  /** Runs the steps from `i` on: at once while they answer at once, then after each promise. */
  function runFrom(f: Flight<A, W>, i: number): MaybePromise<void> {
    for (; i < steps.length; i++) {
      const done = steps[i]!(f);
      if (isPromise(done)) return done.then(() => runFrom(f, i + 1));
    }
  }

  /** `later`: with the turn's other answers (reply-batch.ts); otherwise at once. */
  function send(f: Flight<A, W>, reply: FastifyReply, answer: Answer, later: boolean, err?: unknown): void {
    reply.code(answer.status).headers(answer.headers);
    if (deps.isClosing()) reply.header("connection", "close");
    f.answer = answer;
    f.error = err;
    if (later) return replies.send(reply, answer.body, f);
    reply.send(answer.body);
    report(f);
  }

  /** The request's log line and metrics, once its answer is written: its latency is until then. */
  function report(f: Flight<A, W>): void {
    const { ctx, action, answer, error } = f;
    const seconds = (performance.now() - ctx.startedAt) / 1000;
    deps.observer.observe(door.name, action?.name ?? "-", answer!.code, seconds);
    const line = { requestId: ctx.requestId, door: door.name, action: action?.name, uin: ctx.caller?.principalUin, code: answer!.code, ms: Math.round(seconds * 1e4) / 10 };
    if (error !== undefined && !(error instanceof CoreError && error.reason !== "internal")) deps.log.error({ ...line, err: error }, "request failed");
    else deps.log.info(line, "request");
  }

  function refuse(f: Flight<A, W>, reply: FastifyReply, err: unknown, later: boolean): void {
    let answer: Answer;
    try {
      answer = door.encodeError(f.ctx, err, f.action);
    } catch (renderErr) {
      // An error that cannot be rendered (a bug): render a plain internal error instead, and keep both.
      deps.log.error({ requestId: f.ctx.requestId, err: renderErr }, "error rendering failed");
      answer = door.encodeError(f.ctx, new CoreError("internal", "internal error"), undefined);
    }
    send(f, reply, answer, later, err);
  }

  /** A request that never waited: its answer leaves with the turn's others. */
  function finish(f: Flight<A, W>, reply: FastifyReply): void {
    send(f, reply, f.answer!, true);
  }

  function flight(req: FastifyRequest): Flight<A, W> {
    const body = Buffer.isBuffer(req.body) ? req.body : EMPTY;
    const url = req.raw.url ?? "/";
    const ctx = new RequestContext<W>(door.newRequestId(), { method: req.method, path: pathOf(url), headers: req.headers, rawQuery: rawQueryOf(url), body, remoteAddress: req.ip, encrypted: req.protocol === "https" }, performance.now());
    return { ctx, replay: undefined, action: undefined, params: undefined, payload: undefined, answer: undefined, error: undefined };
  }

  /**
   * The turn's requests, run together at its end (`runTurn`). Each request's code is cold when one
   * request goes through every step before the next starts: the steps' code (a signature's hashing,
   * SQLite, a serializer) and data are out of the CPU's caches by the time the next request needs
   * them. A TC3 check took 7.9 µs in the server under load against 2.8 µs in a loop. Run step by step
   * over the turn's requests, each step's code stays warm from one request to the next: point reads
   * went from 0.45–0.57 to 0.55–0.77 of the baseline, measured alternately (BENCHMARKS.md).
   */
  let turn: TurnRequest<A, W>[] = [];

  /**
   * Every step for each of the turn's requests before the next step, in arrival order, so two
   * requests' handlers still run in the order the requests came. A request whose step raised is
   * answered with the error; one whose step waits goes on alone once its wait ends (`runFrom`); the
   * rest answer with the turn's batch.
   */
  function runTurn(): void {
    const flights = turn;
    turn = [];
    for (let i = 0; i < steps.length; i++) {
      for (const r of flights) {
        if (!r.running) continue;
        try {
          const done = steps[i]!(r.f);
          if (isPromise(done)) {
            r.running = false;
            answerLater(r.f, r.reply, done.then(() => runFrom(r.f, i + 1)));
          }
        } catch (err) {
          r.running = false;
          settle(r, () => refuse(r.f, r.reply, err, true));
        }
      }
    }
    for (const r of flights) if (r.running) settle(r, () => finish(r.f, r.reply));
  }

  /**
   * Answers one of the turn's requests. An answer that cannot be written (a door's bug, such as a
   * status fastify refuses) fails that request alone, as an internal error: the turn's other requests
   * are still answered, as reply-batch.ts does for the writes themselves.
   */
  function settle(r: TurnRequest<A, W>, answer: () => void): void {
    try {
      answer();
    } catch (err) {
      try {
        refuse(r.f, r.reply, err, true);
      } catch (again) {
        // Not even the internal error could be written: close the connection rather than leave the client waiting.
        deps.log.error({ requestId: r.f.ctx.requestId, err: again }, "answering failed");
        r.reply.raw.destroy();
      }
    }
  }

  /**
   * An answer that waited is written when the wait ends: the answers a group commit releases leave
   * in one burst anyway, and batching them would hold them behind whatever long work (a reconcile's
   * next slice) resumes in the same callback.
   */
  function answerLater(f: Flight<A, W>, reply: FastifyReply, done: Promise<void>): void {
    done
      .then(
        () => send(f, reply, f.answer!, false),
        (err: unknown) => refuse(f, reply, err, false),
      )
      .catch((err: unknown) => deps.log.error({ requestId: f.ctx.requestId, err }, "answering failed"));
  }

  return {
    // Returns nothing: fastify leaves the reply to the pipeline (a handler's promise that resolved
    // before the answer went out would make fastify send an empty one).
    handle(req, reply) {
      if (turn.length === 0) atTurnEnd(runTurn);
      turn.push({ f: flight(req), reply, running: true });
    },

    // At once: fastify's error handler expects the reply sent when it returns.
    refuseEarly(req, reply, err) {
      refuse(flight(req), reply, err, false);
    },
  };
}

const EMPTY = Buffer.alloc(0);

/** The query string exactly as sent (signatures are computed over it, so it is never re-encoded). */
export function rawQueryOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? "" : url.slice(q + 1);
}

export function pathOf(url: string): string {
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}
