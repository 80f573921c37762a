/** The console's types of the native API must be exactly what the API's OpenAPI document generates (`npm run generate:console`). */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { generate, OUTPUT } from "../../scripts/generate-console-types.js";

test("console/src/generated/native-api.ts matches the native API's OpenAPI document", async () => {
  const generated = await generate();
  assert.equal(readFileSync(OUTPUT, "utf8"), generated, "stale console types: run `npm run generate:console`");
  // What the console reads is there, as the API declares it (a field the views rely on, an enum, a nullable).
  assert.match(generated, /TimelineDecision: \{[^]*?decision: "created" \| "adopted" \| "reused" \| "updated" \| "held" \|/);
  assert.match(generated, /breaker: \{[^]*?holdId: string \| null;[^]*?\} \| null;/);
  assert.match(generated, /SignIn: \{[^]*?201: \{[^]*?csrfToken: string;/);
});
