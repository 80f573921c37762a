/**
 * The OpenAPI document and its rendered reference page (Swagger UI, served from the installed
 * swagger-ui-dist package: no CDN, no network at run time). Anyone may read them.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { openApiDocument } from "../openapi.js";
import { NATIVE_PREFIX, type NativeRoute, type RawBody, route } from "../route.js";
import { obj, oneOfValues, type Schema } from "../schema.js";

const ASSETS: Record<string, string> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "init.js": "text/javascript; charset=utf-8",
};

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>OpenCIC native admin API</title>
<link rel="stylesheet" href="${NATIVE_PREFIX}/docs/swagger-ui.css">
</head>
<body>
<div id="reference"></div>
<script src="${NATIVE_PREFIX}/docs/swagger-ui-bundle.js"></script>
<script src="${NATIVE_PREFIX}/docs/init.js"></script>
</body>
</html>
`;

// A file of its own rather than an inline script, so that a strict Content-Security-Policy can serve the page.
const INIT = `window.ui = SwaggerUIBundle({ url: "${NATIVE_PREFIX}/openapi.json", dom_id: "#reference", deepLinking: true });\n`;

const assetCache = new Map<string, string>();
function asset(name: string): string {
  let text = assetCache.get(name);
  if (text === undefined) {
    if (name === "init.js") text = INIT;
    else {
      const dist = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
      text = readFileSync(join(dist, name), "utf8");
    }
    assetCache.set(name, text);
  }
  return text;
}

/** The routes that describe `documented` (and themselves). */
export function metaRoutes(documented: readonly NativeRoute[]): NativeRoute[] {
  let doc: Schema | undefined;
  const meta: NativeRoute[] = [
    route({
      method: "GET",
      path: "/openapi.json",
      name: "GetOpenApiDocument",
      summary: "This API's OpenAPI 3.1 document",
      tag: "meta",
      auth: false,
      response: { status: 200, schema: { type: "object", description: "An OpenAPI 3.1 document." } },
      run: () => (doc ??= openApiDocument([...documented, ...meta])),
    }),
    route({
      method: "GET",
      path: "/docs",
      name: "GetReferencePage",
      summary: "The rendered API reference",
      tag: "meta",
      auth: false,
      response: { status: 200, contentType: "text/html", schema: { type: "string" } },
      run: (): RawBody => ({ raw: PAGE, contentType: "text/html; charset=utf-8" }),
    }),
    route<{ asset: string }>({
      method: "GET",
      path: "/docs/{asset}",
      name: "GetReferenceAsset",
      summary: "A file of the reference page",
      tag: "meta",
      auth: false,
      params: obj({ asset: oneOfValues(Object.keys(ASSETS)) }),
      response: { status: 200, contentType: "text/javascript", schema: { type: "string" }, description: "The file: JavaScript, or CSS for `swagger-ui.css`" },
      run: (_ctx, { params }): RawBody => ({ raw: asset(params.asset), contentType: ASSETS[params.asset]! }),
    }),
  ];
  return meta;
}
