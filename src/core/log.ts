/**
 * The core's logger: pino's call shape (fields first, then the message), so the server's pino logger
 * (fastify's `app.log`) is passed in as it is, and the core needs no logging library of its own.
 */
export interface Log {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

const ignore = () => {};
export const silentLog: Log = { debug: ignore, info: ignore, warn: ignore, error: ignore };

/**
 * A logger to hand to the core before the one it should write to exists (the server's logger is made
 * after the core it serves): lines go nowhere until `attach`, then to the attached logger.
 */
export function deferredLog(): Log & { attach(target: Log): void } {
  let target = silentLog;
  return {
    debug: (obj, msg) => target.debug(obj, msg),
    info: (obj, msg) => target.info(obj, msg),
    warn: (obj, msg) => target.warn(obj, msg),
    error: (obj, msg) => target.error(obj, msg),
    attach: (t) => {
      target = t;
    },
  };
}
