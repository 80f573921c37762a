/** Key/value tags, as organizations (members) and directory users carry them. */
import { fail, type Reason } from "./errors.js";

export interface Tag {
  key: string;
  value: string;
}

export interface TagRules {
  max: number;
  keyMax: number;
  valueMax: number;
  reason: Reason;
}

/** Checks a tag set against an entity's rules: count, lengths, keys unique. */
export function checkTags(tags: Tag[], rules: TagRules): Tag[] {
  if (tags.length > rules.max) fail(rules.reason, `at most ${rules.max} tags are allowed`, "tags");
  const keys = new Set<string>();
  for (const t of tags) {
    if (typeof t.key !== "string" || typeof t.value !== "string" || t.key.length < 1 || t.key.length > rules.keyMax || t.value.length > rules.valueMax) {
      fail(rules.reason, `tag keys are 1-${rules.keyMax} characters and values at most ${rules.valueMax}`, "tags");
    }
    if (keys.has(t.key)) fail(rules.reason, `tag key "${t.key}" is given twice`, "tags");
    keys.add(t.key);
  }
  return tags;
}
