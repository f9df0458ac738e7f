#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
// Validates STIX 2.1 JSON against the OASIS STIX 2.1 JSON schemas
// (oasis-open/cti-stix2-json-schemas, draft 2020-12), read from the shared data
// folder: $VG_SHARED_DATA/stix2-json-schemas/schemas, by default
// <repo>/../shared/data/stix2-json-schemas/schemas. The schemas are never
// copied into the repository.
//
// usage: node validate.mjs FILE...
//   Each FILE holds a STIX bundle, a single STIX object, or a JSON array of
//   either. Every object is checked against the schema for its `type`
//   (sdos/, sros/, observables/ and common/ files, mapped by the type each
//   schema declares); a bundle's envelope is checked against common/bundle.json.
//   A type with no schema (custom x- types) gets a note on stderr and is
//   checked against the common properties only (common/core.json when it has
//   created/modified like an SDO or SRO, else common/cyber-observable-core.json).
//
// Output: one line per error of an invalid object,
//   FILE: <id>: <instancePath> <message>
// (instancePath "/" is the object itself).
// Exit: 0 all valid, 1 some object invalid, 2 usage, I/O or JSON error,
//       77 schema folder absent (so a test can skip).
//
// Why not validate a bundle against common/bundle.json as a whole: that
// schema's `objects` list names only some of the STIX 2.1 types (no grouping,
// incident, location, note, opinion, extension-definition) and sends every
// other object to a custom-object branch that requires oneOf(core,
// cyber-observable-core), which any object with created/modified matches
// twice, so a valid note or location would fail. Checking the envelope with
// bundle.json and each object with its own type's schema is the same check
// without that defect.

import { readFileSync, readdirSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { domainToASCII, fileURLToPath } from "node:url";

const EXIT_OK = 0, EXIT_INVALID = 1, EXIT_USAGE = 2, EXIT_SKIP = 77;
const MAX_ERRORS_PER_OBJECT = 10;

const args = process.argv.slice(2);
if (args.length === 0 || args.includes("-h") || args.includes("--help")) {
  process.stderr.write("usage: node validate.mjs FILE...\n" +
    "  validates STIX 2.1 bundles/objects against the OASIS JSON schemas in\n" +
    "  $VG_SHARED_DATA/stix2-json-schemas/schemas (default <repo>/../shared/data)\n");
  process.exit(args.length === 0 ? EXIT_USAGE : EXIT_OK);
}

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "..", "..");
const shared = process.env.VG_SHARED_DATA || join(repo, "..", "shared", "data");
const schemaDir = join(shared, "stix2-json-schemas", "schemas");
if (!isDir(schemaDir)) {
  process.stderr.write(`skip: OASIS STIX 2.1 schema folder ${schemaDir} is absent ` +
    "(set VG_SHARED_DATA to the shared data folder); nothing validated\n");
  process.exit(EXIT_SKIP);
}

let Ajv2020, addFormats, fullFormats;
try {
  Ajv2020 = (await import("ajv/dist/2020.js")).default;
  addFormats = (await import("ajv-formats")).default;
  fullFormats = (await import("ajv-formats/dist/formats.js")).fullFormats;
} catch (e) {
  process.stderr.write(`error: cannot load ajv/ajv-formats (${e.message}); ` +
    "run: npm ci --prefix tests/schema\n");
  process.exit(EXIT_USAGE);
}

// Load every schema file so that each relative $ref resolves against the
// referring schema's $id; map each STIX type to the schema that declares it.
const ajv = new Ajv2020({
  strict: false,
  allErrors: true,
  verbose: true, // errors carry their schema, to explain "not" failures
  unicodeRegExp: false, // some OASIS patterns use "\-", which the u flag rejects
});
addFormats(ajv);
// ajv-formats has no "idn-hostname" (observables/domain-name.json uses it):
// an internationalized host name is valid when its A-label (punycode) form is
// a valid host name.
ajv.addFormat("idn-hostname", {
  type: "string",
  validate: (s) => {
    const ascii = domainToASCII(s);
    return ascii !== "" && fullFormats.hostname.test(ascii);
  },
});

const schemaIdOfType = new Map();
let coreId, observableCoreId, bundleSchema;
try {
  for (const sub of ["common", "sdos", "sros", "observables"]) {
    const d = join(schemaDir, sub);
    if (!isDir(d)) continue;
    for (const name of readdirSync(d).filter((n) => n.endsWith(".json")).sort()) {
      const path = join(d, name);
      const schema = JSON.parse(readFileSync(path, "utf8"));
      if (!schema.$id) throw new Error(`${path}: schema has no $id`);
      ajv.addSchema(schema);
      const stem = name.slice(0, -".json".length);
      if (sub === "common" && stem === "core") coreId = schema.$id;
      if (sub === "common" && stem === "cyber-observable-core") observableCoreId = schema.$id;
      if (sub === "common" && stem === "bundle") bundleSchema = schema;
      const t = declaredType(schema);
      if (t && t === stem && t !== "bundle") schemaIdOfType.set(t, schema.$id);
    }
  }
} catch (e) {
  process.stderr.write(`error: cannot load the OASIS schemas in ${schemaDir}: ${e.message}\n`);
  process.exit(EXIT_USAGE);
}
if (!coreId || !observableCoreId || !bundleSchema || schemaIdOfType.size === 0) {
  process.stderr.write(`error: ${schemaDir} lacks the OASIS STIX 2.1 schemas ` +
    "(common/core.json, common/cyber-observable-core.json, common/bundle.json, sdos/...)\n");
  process.exit(EXIT_USAGE);
}

// The bundle envelope: common/bundle.json without the schema for the items of
// `objects` (each item is checked on its own, see above). Its $id sits beside
// bundle.json so that the relative $refs still resolve.
const envelope = structuredClone(bundleSchema);
envelope.$id = bundleSchema.$id.replace(/bundle\.json$/, "vigie-bundle-envelope.json");
if (envelope.properties?.objects) delete envelope.properties.objects.items;
ajv.addSchema(envelope);

const compiled = new Map();
function validatorFor(id) {
  let v = compiled.get(id);
  if (!v) {
    v = ajv.getSchema(id);
    if (!v) throw new Error(`schema ${id} did not compile`);
    compiled.set(id, v);
  }
  return v;
}

let status = EXIT_OK;
let objects = 0, invalid = 0;
for (const file of args) {
  let doc;
  try {
    doc = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    process.stderr.write(`${file}: error: ${e.code ? e.message : "invalid JSON: " + e.message}\n`);
    status = EXIT_USAGE;
    continue;
  }
  const top = Array.isArray(doc) ? doc.map((o, i) => [o, `[${i}]`]) : [[doc, ""]];
  for (const [item, where] of top) {
    if (isObject(item) && item.type === "bundle") {
      checkObject(file, item, where, envelope.$id, "");
      if (Array.isArray(item.objects)) {
        item.objects.forEach((o, i) => checkObject(file, o, `${where}/objects/${i}`));
      }
    } else {
      checkObject(file, item, where);
    }
  }
}
if (status === EXIT_OK && invalid > 0) status = EXIT_INVALID;
if (process.env.VG_SCHEMA_VERBOSE) {
  process.stderr.write(`${objects} objects checked, ${invalid} invalid\n`);
}
process.exit(status);

// Checks one object against the schema for its type (or schemaId when given)
// and prints one line per error.
function checkObject(file, obj, where, schemaId) {
  objects++;
  const label = isObject(obj) && typeof obj.id === "string" && obj.id !== "" ? obj.id
    : where === "" ? "(top level)" : where;
  const fail = (path, message) => {
    process.stdout.write(`${file}: ${label}: ${path || "/"} ${message}\n`);
  };
  if (!isObject(obj)) {
    invalid++;
    fail("", `must be an object (a STIX object), got ${Array.isArray(obj) ? "array" : typeof obj}`);
    return;
  }
  if (!schemaId) {
    if (typeof obj.type !== "string" || obj.type === "") {
      invalid++;
      fail("", "must have required property 'type' (a string naming the STIX type)");
      return;
    }
    schemaId = schemaIdOfType.get(obj.type);
    if (!schemaId) {
      const sdoLike = "created" in obj || "modified" in obj;
      process.stderr.write(`${file}: ${label}: note: no schema for type '${obj.type}'; ` +
        `checked against the common properties only (common/${sdoLike ? "core" : "cyber-observable-core"}.json)\n`);
      schemaId = sdoLike ? coreId : observableCoreId;
    }
  }
  const validate = validatorFor(schemaId);
  if (validate(obj)) return;
  invalid++;
  const lines = describe(validate.errors);
  for (const [path, message] of lines.slice(0, MAX_ERRORS_PER_OBJECT)) fail(path, message);
  if (lines.length > MAX_ERRORS_PER_OBJECT) {
    fail("", `... and ${lines.length - MAX_ERRORS_PER_OBJECT} more errors`);
  }
}

// Turns Ajv's errors into [instancePath, message] pairs: leaf errors first,
// with the offending property or allowed values spelled out; the summary
// errors of anyOf/oneOf/allOf/not/if only when nothing more precise was said
// about that place; duplicates dropped.
function describe(errors) {
  const out = [];
  const seen = new Set();
  const composite = new Set(["anyOf", "oneOf", "allOf", "not", "if"]);
  const leafPaths = new Set(errors.filter((e) => !composite.has(e.keyword)).map((e) => e.instancePath));
  const add = (path, message) => {
    const k = path + "\0" + message;
    if (!seen.has(k)) { seen.add(k); out.push([path, message]); }
  };
  for (const e of errors) {
    if (composite.has(e.keyword)) continue;
    add(e.instancePath, explain(e));
  }
  for (const e of errors) {
    if (!composite.has(e.keyword)) continue;
    if (e.keyword !== "not" && leafPaths.has(e.instancePath)) continue;
    add(e.instancePath, explain(e));
  }
  return out;
}

function explain(e) {
  const p = e.params || {};
  switch (e.keyword) {
    case "additionalProperties":
      return `must NOT have additional property '${p.additionalProperty}'`;
    case "enum":
      return `must be one of ${JSON.stringify(p.allowedValues)}`;
    case "const":
      return `must be ${JSON.stringify(p.allowedValue)}`;
    case "type":
      return `must be ${p.type}`;
    case "not": {
      const sch = e.schema || {};
      if (Array.isArray(sch.enum)) return `must NOT be one of ${JSON.stringify(sch.enum)}`;
      const props = (sch.anyOf || []).flatMap((x) => x.required || []);
      const present = isObject(e.data) ? props.filter((k) => k in e.data) : [];
      if (present.length > 0) return `must NOT have property ${present.map((k) => `'${k}'`).join(", ")}`;
      return `must NOT match the schema at ${e.schemaPath}`;
    }
    default:
      return e.message;
  }
}

function declaredType(schema) {
  const candidates = [schema.properties?.type];
  for (const part of schema.allOf || []) candidates.push(part?.properties?.type);
  for (const c of candidates) {
    if (c && Array.isArray(c.enum) && c.enum.length === 1) return c.enum[0];
    if (c && typeof c.const === "string") return c.const;
  }
  return undefined;
}

function isObject(v) {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function isDir(p) {
  try { return statSync(p).isDirectory(); } catch { return false; }
}
