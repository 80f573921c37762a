/**
 * Discovery (RFC 7644 §4): what the endpoint implements, said exactly. The ServiceProviderConfig
 * needs no credential (Tencent documents this); /ResourceTypes and /Schemas do.
 */
import { ScimError } from "./protocol/errors.js";
import { listResponse, MAX_PAGE_SIZE } from "./protocol/list.js";
import { resourceTypeDocuments, schemaDocuments } from "./protocol/schemas.js";
import { BULK_LIMITS } from "./bulk.js";
import type { ScimReply, ScimRequest } from "./resources.js";

const SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";

export function serviceProviderConfig(r: ScimRequest): ScimReply {
  return {
    status: 200,
    body: {
      schemas: [SPC_SCHEMA],
      documentationUri: "https://www.rfc-editor.org/rfc/rfc7644",
      patch: { supported: true },
      bulk: { supported: true, maxOperations: BULK_LIMITS.maxOperations, maxPayloadSize: BULK_LIMITS.maxPayloadSize },
      filter: { supported: true, maxResults: MAX_PAGE_SIZE },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      // RFC 9865 §4: index paging by default (what Entra and Okta use), cursors on request; cursors do not expire.
      pagination: { cursor: true, index: true, defaultPaginationMethod: "index", defaultPageSize: MAX_PAGE_SIZE, maxPageSize: MAX_PAGE_SIZE },
      authenticationSchemes: [
        {
          type: "oauthbearertoken",
          name: "OAuth Bearer Token",
          description: "Authentication with a SCIM credential of the directory, sent as Authorization: Bearer <credential>",
          specUri: "https://www.rfc-editor.org/rfc/rfc6750",
          primary: true,
        },
      ],
      meta: { resourceType: "ServiceProviderConfig", location: `${r.base}/ServiceProviderConfig` },
    },
  };
}

export function resourceTypes(r: ScimRequest): ScimReply {
  const docs = resourceTypeDocuments(r.base);
  return { status: 200, body: listResponse(docs, docs.length, 1, docs.length) };
}

export function resourceType(r: ScimRequest): ScimReply {
  const doc = resourceTypeDocuments(r.base).find((d) => String(d.id).toLowerCase() === r.id!.toLowerCase());
  if (!doc) throw new ScimError(404, undefined, `no resource type ${r.id!.slice(0, 100)}`);
  return { status: 200, body: doc };
}

export function schemas(r: ScimRequest): ScimReply {
  const docs = schemaDocuments(r.base);
  return { status: 200, body: listResponse(docs, docs.length, 1, docs.length) };
}

export function schema(r: ScimRequest): ScimReply {
  const doc = schemaDocuments(r.base).find((d) => String(d.id).toLowerCase() === r.id!.toLowerCase());
  if (!doc) throw new ScimError(404, undefined, `no schema ${r.id!.slice(0, 100)}`);
  return { status: 200, body: doc };
}
