/**
 * Parameters of an Alibaba RPC request (spec §1.2): the query and, for form bodies, the body, decoded
 * and merged into one flat map; lists arrive repeat-flattened (`Tag.1.Key`, `UserName.2`). Each action
 * declares its parameters (ParamRules); `checkParams` checks and coerces them. Unknown parameters are
 * ignored, as the real gateway does (§1.2 rule 5).
 */
import { CoreError } from "../../core/errors.js";
import { hasControlCharacters, isWellFormedText, MAX_LIST_ITEMS, MAX_TEXT_LENGTH } from "../../core/text.js";
import type { ParamRule, ParamRules } from "./action.js";

export function isForm(contentType: string | undefined): boolean {
  return (contentType ?? "").toLowerCase().startsWith("application/x-www-form-urlencoded");
}

/**
 * The query plus, when the body is a form, the body's parameters, decoded (`+` is a space, UTF-8
 * percent-escapes). No real client sends a name twice; one given twice with different values (in the
 * query, the body, or both) is ambiguous and refused, whichever value a signature covered.
 */
export function mergedParams(rawQuery: string, body: Buffer, contentType: string | undefined): Record<string, string> {
  // No prototype: a parameter named __proto__ is a parameter like any other.
  const out = Object.create(null) as Record<string, string>;
  const parts = [rawQuery, isForm(contentType) && body.length > 0 ? body.toString("utf8") : ""];
  for (const part of parts) {
    for (const [name, value] of new URLSearchParams(part)) {
      if (Object.hasOwn(out, name) && out[name] !== value) {
        throw new CoreError("request.invalid_value", `${name} is given more than once, with different values.`, name);
      }
      out[name] = value;
    }
  }
  return out;
}

/** Highest list position accepted (`X.1000`); it bounds the work a hostile request can ask for. */
const MAX_LIST_INDEX = MAX_LIST_ITEMS;
/** Characters in a value whose parameter declares no length of its own: well above every documented limit. */
const DEFAULT_MAX_LENGTH = MAX_TEXT_LENGTH;

type Tree = { leaf?: string; children: Map<string, Tree> };

/**
 * Nests the flattened keys under `name`: `name.1=a&name.2=b` → ["a","b"], `name.1.Key=k` → [{Key:"k"}],
 * deeper levels likewise (`A.1.B.2`). Positions are 1-based and kept in numeric order.
 */
function unflattenList(name: string, flat: Record<string, string>): unknown[] | undefined {
  const root: Tree = { children: new Map() };
  let found = false;
  for (const [key, value] of Object.entries(flat)) {
    if (!key.startsWith(name + ".")) continue;
    found = true;
    let node = root;
    for (const seg of key.slice(name.length + 1).split(".")) {
      let next = node.children.get(seg);
      if (!next) node.children.set(seg, (next = { children: new Map() }));
      node = next;
    }
    node.leaf = value;
  }
  if (!found) return undefined;
  return toList(name, root);
}

/** Errors name the declared parameter (`Tag`), the message the exact position. */
const paramOf = (path: string) => path.split(".")[0]!;

/** Positions are written as clients write them (`1`, not `01`) and run from 1 without a gap, as the clients number them. */
function toList(path: string, node: Tree): unknown[] {
  const items: [number, unknown][] = [];
  for (const [seg, child] of node.children) {
    if (!/^[1-9]\d*$/.test(seg) || Number(seg) > MAX_LIST_INDEX) {
      throw new CoreError("request.invalid_value", `${path}.${seg}: list positions are 1 to ${MAX_LIST_INDEX}.`, paramOf(path));
    }
    items.push([Number(seg), toValue(`${path}.${seg}`, child)]);
  }
  items.sort((a, b) => a[0] - b[0]);
  const gap = items.findIndex(([pos], i) => pos !== i + 1);
  if (gap >= 0) throw new CoreError("request.invalid_value", `${path}.${gap + 1} is missing: list positions run from 1 without gaps.`, paramOf(path));
  return items.map(([, v]) => v);
}

function toValue(path: string, node: Tree): unknown {
  if (node.children.size === 0) return checkText(paramOf(path), node.leaf ?? "", DEFAULT_MAX_LENGTH);
  if (node.leaf !== undefined) throw new CoreError("request.invalid_value", `${path} is given both as a value and as a list or object.`, paramOf(path));
  if ([...node.children.keys()].every((k) => /^\d+$/.test(k))) return toList(path, node);
  const obj: Record<string, unknown> = {};
  for (const [seg, child] of node.children) obj[seg] = toValue(`${path}.${seg}`, child);
  return obj;
}

const invalid = (name: string, message: string) => new CoreError("request.invalid_value", message, name);

/** Every text value: at most `maxLength` characters, and no control characters (core/text.ts). */
function checkText(name: string, text: string, maxLength: number): string {
  if ([...text].length > maxLength) throw invalid(name, `The length of ${name} exceeds ${maxLength} characters.`);
  if (hasControlCharacters(text)) throw invalid(name, `${name} contains a control character.`);
  if (!isWellFormedText(text)) throw invalid(name, `${name} is not well-formed Unicode text.`);
  return text;
}

/** The strings inside a decoded JSON value, checked as text. */
function checkJsonText(name: string, value: unknown): void {
  if (typeof value === "string") checkText(name, value, DEFAULT_MAX_LENGTH);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) checkJsonText(name, v);
}

function checkOne(name: string, rule: ParamRule, raw: string): unknown {
  switch (rule.type) {
    case "string": {
      checkText(name, raw, rule.maxLength ?? DEFAULT_MAX_LENGTH);
      if (rule.enum && !rule.enum.some((v) => v.toLowerCase() === raw.toLowerCase())) {
        throw invalid(name, `The value of ${name} must be one of ${rule.enum.join(", ")}.`);
      }
      return raw;
    }
    case "integer": {
      if (!/^-?\d{1,15}$/.test(raw.trim())) throw invalid(name, `The value of ${name} must be an integer.`);
      const n = Number(raw.trim());
      if ((rule.min !== undefined && n < rule.min) || (rule.max !== undefined && n > rule.max)) {
        throw invalid(name, `The value of ${name} must be ${rule.min !== undefined && rule.max !== undefined ? `from ${rule.min} to ${rule.max}` : rule.min !== undefined ? `at least ${rule.min}` : `at most ${rule.max}`}.`);
      }
      return n;
    }
    case "boolean": {
      const b = raw.trim().toLowerCase();
      if (b !== "true" && b !== "false") throw invalid(name, `The value of ${name} must be true or false.`);
      return b === "true";
    }
    case "json":
    case "list": {
      checkText(name, raw, DEFAULT_MAX_LENGTH);
      let v: unknown;
      try {
        v = JSON.parse(raw) as unknown;
      } catch {
        throw invalid(name, rule.type === "json" ? `The value of ${name} is not valid JSON.` : `${name} must be a list (${name}.1, ${name}.2, …).`);
      }
      // A list may come as one JSON-encoded string (some hand-written clients send that).
      if (rule.type === "list" && !Array.isArray(v)) throw invalid(name, `${name} must be a list (${name}.1, ${name}.2, …).`);
      checkJsonText(name, v);
      return v;
    }
  }
}

/**
 * Checks the flat wire parameters against an action's rules and returns the typed object the handler
 * gets: missing → `Missing{Param}`, bad value → `InvalidParameter.{Param}`, unknown → ignored.
 */
export function checkParams<P>(rules: ParamRules, flat: Record<string, string>): P {
  const out: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(rules)) {
    let value: unknown;
    if (rule.type === "list") {
      value = unflattenList(name, flat) ?? (flat[name] !== undefined && flat[name] !== "" ? checkOne(name, rule, flat[name]!) : undefined);
      if (Array.isArray(value) && rule.maxLength !== undefined && value.length > rule.maxLength) {
        throw invalid(name, `${name} takes at most ${rule.maxLength} items.`);
      }
      if (Array.isArray(value) && value.length === 0) value = undefined;
    } else {
      const raw = flat[name];
      // An empty string is "not given", except for free-text strings, where it may clear a field.
      const absent = raw === undefined || (raw === "" && (rule.required || rule.type !== "string" || rule.enum !== undefined));
      value = absent ? undefined : checkOne(name, rule, raw);
    }
    if (value === undefined) {
      if (rule.required) throw new CoreError("request.missing_parameter", `${name} is mandatory for this action.`, name);
      continue;
    }
    out[name] = value;
  }
  return out as P;
}
