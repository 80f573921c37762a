/**
 * The resource schemas as data (RFC 7643 §4, §8.7): User (core + enterprise extension) and Group, with
 * each attribute's characteristics. Discovery (/Schemas, /ResourceTypes) is written from these, and
 * the filter, patch, projection and input code reads them for names (case-insensitive), types,
 * caseExact, mutability and returned. Attribute lookup is the one place that turns a wire name
 * ("USERNAME", "name.givenName", "urn:…:enterprise:2.0:User:manager.value") into a definition.
 */

export const USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema";
export const RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";

export type AttributeType = "string" | "boolean" | "decimal" | "integer" | "dateTime" | "reference" | "complex" | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";
export type Returned = "always" | "never" | "default" | "request";
export type Uniqueness = "none" | "server" | "global";

export interface AttributeDef {
  name: string;
  type: AttributeType;
  multiValued: boolean;
  description: string;
  required: boolean;
  caseExact: boolean;
  mutability: Mutability;
  returned: Returned;
  uniqueness: Uniqueness;
  canonicalValues?: string[];
  referenceTypes?: string[];
  subAttributes?: AttributeDef[];
}

export interface SchemaDef {
  id: string;
  name: string;
  description: string;
  attributes: AttributeDef[];
}

/** A resource type with its core schema and extensions; the `schema` argument of every protocol function. */
export interface ResourceType {
  id: "User" | "Group";
  name: string;
  endpoint: string;
  description: string;
  schema: SchemaDef;
  extensions: { schema: SchemaDef; required: boolean }[];
}

type Opts = Partial<Omit<AttributeDef, "name" | "type">>;

function attr(name: string, type: AttributeType, description: string, opts: Opts = {}): AttributeDef {
  return {
    name,
    type,
    multiValued: false,
    description,
    required: false,
    caseExact: false,
    mutability: "readWrite",
    returned: "default",
    uniqueness: "none",
    ...opts,
  };
}

const str = (name: string, description: string, opts: Opts = {}) => attr(name, "string", description, opts);
const complex = (name: string, description: string, subAttributes: AttributeDef[], opts: Opts = {}) =>
  attr(name, "complex", description, { subAttributes, ...opts });

/** The usual sub-attributes of a multi-valued attribute (RFC 7643 §2.4). */
function multi(name: string, description: string, value: AttributeDef, types: string[], opts: Opts = {}): AttributeDef {
  return complex(
    name,
    description,
    [
      value,
      str("display", "A human-readable name, primarily used for display purposes."),
      str("type", "A label indicating the attribute's function.", { canonicalValues: types }),
      attr("primary", "boolean", "A Boolean value indicating the 'primary' or preferred attribute value."),
    ],
    { multiValued: true, ...opts },
  );
}

/** RFC 7643 §3.1 common attributes: part of every resource, not of any schema document. */
export const COMMON_ATTRIBUTES: AttributeDef[] = [
  str("id", "Unique identifier for the SCIM resource as defined by the service provider.", {
    caseExact: true,
    mutability: "readOnly",
    returned: "always",
    uniqueness: "server",
  }),
  str("externalId", "Identifier for the resource as defined by the provisioning client.", { caseExact: true }),
  complex(
    "meta",
    "Resource metadata.",
    [
      str("resourceType", "The name of the resource type of the resource.", { caseExact: true, mutability: "readOnly" }),
      attr("created", "dateTime", "The date and time the resource was added to the service provider.", { mutability: "readOnly" }),
      attr("lastModified", "dateTime", "The most recent date and time the resource was modified.", { mutability: "readOnly" }),
      attr("location", "reference", "The URI of the resource being returned.", {
        caseExact: true,
        mutability: "readOnly",
        referenceTypes: ["uri"],
      }),
      str("version", "The version (ETag) of the resource.", { caseExact: true, mutability: "readOnly" }),
    ],
    { mutability: "readOnly" },
  ),
];

/** `schemas` is on every resource and always returned (RFC 7643 §3). */
export const SCHEMAS_ATTRIBUTE: AttributeDef = attr("schemas", "reference", "The schema URIs of the resource.", {
  multiValued: true,
  caseExact: true,
  mutability: "readOnly",
  returned: "always",
  referenceTypes: ["uri"],
});

const USER_ATTRIBUTES: AttributeDef[] = [
  str("userName", "Unique identifier for the User, typically used by the user to directly authenticate to the service provider.", {
    required: true,
    uniqueness: "server",
  }),
  complex("name", "The components of the user's real name.", [
    str("formatted", "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display."),
    str("familyName", "The family name of the User, or last name."),
    str("givenName", "The given name of the User, or first name."),
    str("middleName", "The middle name(s) of the User."),
    str("honorificPrefix", "The honorific prefix(es) of the User."),
    str("honorificSuffix", "The honorific suffix(es) of the User."),
  ]),
  str("displayName", "The name of the User, suitable for display to end-users."),
  str("nickName", "The casual way to address the user in real life."),
  attr("profileUrl", "reference", "A fully qualified URL pointing to a page representing the User's online profile.", {
    referenceTypes: ["external"],
  }),
  str("title", "The user's title, such as \"Vice President\"."),
  str("userType", "Used to identify the relationship between the organization and the user."),
  str("preferredLanguage", "Indicates the User's preferred written or spoken language."),
  str("locale", "Used to indicate the User's default location for purposes of localizing items."),
  str("timezone", "The User's time zone in the 'Olson' time zone database format."),
  attr("active", "boolean", "A Boolean value indicating the User's administrative status."),
  str("password", "The User's cleartext password.", { mutability: "writeOnly", returned: "never" }),
  multi("emails", "Email addresses for the user.", str("value", "Email addresses for the user."), ["work", "home", "other"]),
  multi("phoneNumbers", "Phone numbers for the User.", str("value", "Phone number of the User."), [
    "work",
    "home",
    "mobile",
    "fax",
    "pager",
    "other",
  ]),
  multi("ims", "Instant messaging addresses for the User.", str("value", "Instant messaging address for the User."), [
    "aim",
    "gtalk",
    "icq",
    "xmpp",
    "msn",
    "skype",
    "qq",
    "yahoo",
  ]),
  multi(
    "photos",
    "URLs of photos of the User.",
    attr("value", "reference", "URL of a photo of the User.", { referenceTypes: ["external"] }),
    ["photo", "thumbnail"],
  ),
  complex(
    "addresses",
    "A physical mailing address for this User.",
    [
      str("formatted", "The full mailing address, formatted for display or use with a mailing label."),
      str("streetAddress", "The full street address component."),
      str("locality", "The city or locality component."),
      str("region", "The state or region component."),
      str("postalCode", "The zip code or postal code component."),
      str("country", "The country name component."),
      str("type", "A label indicating the attribute's function.", { canonicalValues: ["work", "home", "other"] }),
      attr("primary", "boolean", "A Boolean value indicating the 'primary' or preferred attribute value."),
    ],
    { multiValued: true },
  ),
  complex(
    "groups",
    "A list of groups to which the user belongs, either through direct membership or through nested groups.",
    [
      str("value", "The identifier of the User's group.", { mutability: "readOnly" }),
      attr("$ref", "reference", "The URI of the corresponding 'Group' resource.", {
        mutability: "readOnly",
        referenceTypes: ["User", "Group"],
      }),
      str("display", "A human-readable name, primarily used for display purposes.", { mutability: "readOnly" }),
      str("type", "A label indicating the attribute's function.", {
        mutability: "readOnly",
        canonicalValues: ["direct", "indirect"],
      }),
    ],
    { multiValued: true, mutability: "readOnly" },
  ),
  multi("entitlements", "A list of entitlements for the User.", str("value", "The value of an entitlement."), []),
  multi("roles", "A list of roles for the User.", str("value", "The value of a role."), []),
  multi(
    "x509Certificates",
    "A list of certificates issued to the User.",
    attr("value", "binary", "The value of an X.509 certificate."),
    [],
  ),
];

const ENTERPRISE_ATTRIBUTES: AttributeDef[] = [
  str("employeeNumber", "Numeric or alphanumeric identifier assigned to a person."),
  str("costCenter", "Identifies the name of a cost center."),
  str("organization", "Identifies the name of an organization."),
  str("division", "Identifies the name of a division."),
  str("department", "Identifies the name of a department."),
  complex("manager", "The User's manager.", [
    str("value", "The id of the SCIM resource representing the User's manager."),
    attr("$ref", "reference", "The URI of the SCIM resource representing the User's manager.", { referenceTypes: ["User"] }),
    str("displayName", "The displayName of the User's manager.", { mutability: "readOnly" }),
  ]),
];

const GROUP_ATTRIBUTES: AttributeDef[] = [
  // RFC 7643 §4.2 says REQUIRED in prose; the §8.7.1 document's `required: false` is a known erratum.
  str("displayName", "A human-readable name for the Group.", { required: true }),
  complex(
    "members",
    "A list of members of the Group.",
    [
      // The member's id, compared like `id` (case-exact).
      str("value", "Identifier of the member of this Group.", { mutability: "immutable", caseExact: true }),
      attr("$ref", "reference", "The URI corresponding to a SCIM resource that is a member of this Group.", {
        mutability: "immutable",
        referenceTypes: ["User", "Group"],
      }),
      str("type", "A label indicating the type of resource, e.g., 'User' or 'Group'.", {
        mutability: "immutable",
        canonicalValues: ["User", "Group"],
      }),
      // Not in the RFC's Group document, but Entra and Okta send it; kept as the member's display name.
      str("display", "A human-readable name for the member.", { mutability: "immutable" }),
    ],
    { multiValued: true },
  ),
];

export const USER_SCHEMA_DEF: SchemaDef = {
  id: USER_SCHEMA,
  name: "User",
  description: "User Account",
  attributes: USER_ATTRIBUTES,
};

export const ENTERPRISE_USER_SCHEMA_DEF: SchemaDef = {
  id: ENTERPRISE_USER_SCHEMA,
  name: "EnterpriseUser",
  description: "Enterprise User",
  attributes: ENTERPRISE_ATTRIBUTES,
};

export const GROUP_SCHEMA_DEF: SchemaDef = {
  id: GROUP_SCHEMA,
  name: "Group",
  description: "Group",
  attributes: GROUP_ATTRIBUTES,
};

export const USER_RESOURCE: ResourceType = {
  id: "User",
  name: "User",
  endpoint: "/Users",
  description: "User Account",
  schema: USER_SCHEMA_DEF,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA_DEF, required: false }],
};

export const GROUP_RESOURCE: ResourceType = {
  id: "Group",
  name: "Group",
  endpoint: "/Groups",
  description: "Group",
  schema: GROUP_SCHEMA_DEF,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceType[] = [USER_RESOURCE, GROUP_RESOURCE];

/**
 * Users' and Groups' attributes together, for a filter or path read before the resource type is
 * known (parseFilter without a resource type). Where both define a name (displayName), the User's
 * definition is used; both are case-insensitive strings.
 */
export const ANY_RESOURCE: ResourceType = {
  id: "User",
  name: "Resource",
  endpoint: "/",
  description: "Users and Groups",
  schema: {
    id: USER_SCHEMA,
    name: "Resource",
    description: "Users and Groups",
    attributes: [...USER_ATTRIBUTES, ...GROUP_ATTRIBUTES.filter((g) => !USER_ATTRIBUTES.some((u) => u.name === g.name))],
  },
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA_DEF, required: false }],
};

// ---------------------------------------------------------------------------------------------
// Discovery documents (RFC 7643 §6, §7)

function attributeDocument(a: AttributeDef): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    name: a.name,
    type: a.type,
    multiValued: a.multiValued,
    description: a.description,
    required: a.required,
    caseExact: a.caseExact,
    mutability: a.mutability,
    returned: a.returned,
    uniqueness: a.uniqueness,
  };
  if (a.canonicalValues && a.canonicalValues.length > 0) doc.canonicalValues = a.canonicalValues;
  if (a.referenceTypes) doc.referenceTypes = a.referenceTypes;
  if (a.subAttributes) doc.subAttributes = a.subAttributes.map(attributeDocument);
  return doc;
}

function trimSlash(baseUrl: string): string {
  return baseUrl.endsWith("/") ? baseUrl.slice(0, -1) : baseUrl;
}

/** The /Schemas documents (RFC 7643 §7); `meta.location` only when a base URL is given. */
export function schemaDocuments(baseUrl?: string): Record<string, unknown>[] {
  return [USER_SCHEMA_DEF, ENTERPRISE_USER_SCHEMA_DEF, GROUP_SCHEMA_DEF].map((s) => {
    const doc: Record<string, unknown> = {
      schemas: [SCHEMA_SCHEMA],
      id: s.id,
      name: s.name,
      description: s.description,
      attributes: s.attributes.map(attributeDocument),
    };
    doc.meta = { resourceType: "Schema", ...(baseUrl ? { location: `${trimSlash(baseUrl)}/Schemas/${s.id}` } : {}) };
    return doc;
  });
}

/** The /ResourceTypes documents (RFC 7643 §6). */
export function resourceTypeDocuments(baseUrl: string): Record<string, unknown>[] {
  return RESOURCE_TYPES.map((rt) => ({
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: rt.id,
    name: rt.name,
    endpoint: rt.endpoint,
    description: rt.description,
    schema: rt.schema.id,
    schemaExtensions: rt.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: "ResourceType", location: `${trimSlash(baseUrl)}/ResourceTypes/${rt.id}` },
  }));
}

// ---------------------------------------------------------------------------------------------
// Attribute lookup

/**
 * A resolved attribute reference. `schema` is the URN the attribute lives under (the core schema for
 * common attributes and for unknown names without a URN prefix); `attr`/`subAttr` are the canonical
 * spellings when the schema defines them, else as written. `path` is the canonical dotted form,
 * URN-prefixed only for extension attributes: "userName", "name.givenName",
 * "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value".
 */
export interface AttrRef {
  schema: string;
  /** True when the attribute lives in an extension schema (stored under the URN key of the resource). */
  extension: boolean;
  attr: string;
  subAttr?: string;
  /** Undefined for attributes the schema does not define (kept, filtered as case-insensitive strings). */
  def?: AttributeDef;
  subDef?: AttributeDef;
  path: string;
}

const ATTR_NAME = /^[A-Za-z$][\w$-]*$/;

const lookups = new WeakMap<readonly AttributeDef[], Map<string, AttributeDef>>();

/** The definition named `name` (any case) in `list`; lists are indexed once, on first use. */
export function findAttribute(list: readonly AttributeDef[] | undefined, name: string): AttributeDef | undefined {
  if (!list) return undefined;
  let index = lookups.get(list);
  if (!index) {
    index = new Map(list.map((a) => [a.name.toLowerCase(), a]));
    lookups.set(list, index);
  }
  return index.get(name.toLowerCase());
}

const coreLists = new WeakMap<SchemaDef, AttributeDef[]>();

/** A core schema's attributes with the common ones (id, externalId, meta) first; one array per schema. */
export function withCommonAttributes(schema: SchemaDef): AttributeDef[] {
  let list = coreLists.get(schema);
  if (!list) {
    list = [...COMMON_ATTRIBUTES, ...schema.attributes];
    coreLists.set(schema, list);
  }
  return list;
}

/** The top-level definitions of a resource's core schema plus the common attributes. */
export function coreAttributes(rt: ResourceType): AttributeDef[] {
  return withCommonAttributes(rt.schema);
}

/** The schema (core or extension) whose URN is `urn`, compared case-insensitively (RFC 7643 §2.1 URNs). */
export function schemaByUrn(rt: ResourceType, urn: string): { schema: SchemaDef; extension: boolean } | undefined {
  const lower = urn.toLowerCase();
  if (rt.schema.id.toLowerCase() === lower) return { schema: rt.schema, extension: false };
  const ext = rt.extensions.find((e) => e.schema.id.toLowerCase() === lower);
  return ext ? { schema: ext.schema, extension: true } : undefined;
}

/**
 * Splits a URN-prefixed attribute path ("urn:…:User:name.givenName") into the schema and the rest,
 * for the resource's known schemas. Returns undefined when the path has no known URN prefix.
 */
export function splitUrnPrefix(rt: ResourceType, path: string): { schema: SchemaDef; extension: boolean; rest: string } | undefined {
  if (!/^urn:/i.test(path)) return undefined;
  const lower = path.toLowerCase();
  for (const candidate of [{ schema: rt.schema, extension: false }, ...rt.extensions.map((e) => ({ schema: e.schema, extension: true }))]) {
    const id = candidate.schema.id.toLowerCase();
    if (lower.startsWith(id + ":") && path.length > id.length + 1) {
      return { ...candidate, rest: path.slice(id.length + 1) };
    }
  }
  return undefined;
}

/**
 * Resolves an attribute path as written on the wire (filter attrPath, patch path without filter,
 * `attributes=` entry): optional schema URN, attribute, optional ".subAttribute". Names are
 * case-insensitive (RFC 7643 §2.1). Returns undefined when the text is not an attribute path or names
 * an unknown URN; an unknown attribute name under a known schema resolves with `def` undefined.
 */
export function resolveAttrPath(rt: ResourceType, text: string): AttrRef | undefined {
  let schema = rt.schema;
  let extension = false;
  let rest = text;
  const split = splitUrnPrefix(rt, text);
  if (split) {
    schema = split.schema;
    extension = split.extension;
    rest = split.rest;
  } else if (/^urn:/i.test(text)) {
    return undefined;
  }
  const parts = rest.split(".");
  if (parts.length > 2 || parts.some((p) => !ATTR_NAME.test(p))) return undefined;
  const [name, sub] = parts as [string, string | undefined];
  const pool = extension ? schema.attributes : withCommonAttributes(schema);
  const def = findAttribute(pool, name) ?? (!extension && name.toLowerCase() === "schemas" ? SCHEMAS_ATTRIBUTE : undefined);
  const attrName = def?.name ?? name;
  const ref: AttrRef = { schema: schema.id, extension, attr: attrName, path: "" };
  if (def) ref.def = def;
  if (sub !== undefined) {
    const subDef = def ? findAttribute(def.subAttributes, sub) : undefined;
    // A sub-attribute of a simple (non-complex) known attribute is not a path.
    if (def && def.type !== "complex") return undefined;
    ref.subAttr = subDef?.name ?? sub;
    if (subDef) ref.subDef = subDef;
  }
  ref.path = (extension ? schema.id + ":" : "") + attrName + (ref.subAttr !== undefined ? "." + ref.subAttr : "");
  return ref;
}

/** The definition that governs a value at `ref` (the sub-attribute's when there is one). */
export function leafDef(ref: AttrRef): AttributeDef | undefined {
  return ref.subAttr !== undefined ? ref.subDef : ref.def;
}
