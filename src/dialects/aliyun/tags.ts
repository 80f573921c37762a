/** Alibaba's tag shape on the wire (`Tags.N.Key`/`Tags.N.Value`, `{Key, Value}` out) ↔ the core's tags. */
import { CoreError } from "../../core/errors.js";
import type { Tag } from "../../core/tags.js";

export const wireTags = (tags: Tag[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));

type WireTag = { Key?: string; Value?: string };

/** `<param>.N.Key`/`<param>.N.Value` items (or the same as one JSON list): anything else in an item is not a tag. */
export function neutralTags(tags: unknown[] | undefined, param: string): Tag[] | undefined {
  return tags?.map((t) => {
    const { Key, Value } = (t ?? {}) as WireTag;
    if (t === null || typeof t !== "object" || Array.isArray(t) || typeof Key !== "string" || (Value !== undefined && typeof Value !== "string")) {
      throw new CoreError("request.invalid_value", `Each ${param} item is a Key and a Value (${param}.N.Key, ${param}.N.Value), both text.`, param);
    }
    return { key: Key, value: Value ?? "" };
  });
}
