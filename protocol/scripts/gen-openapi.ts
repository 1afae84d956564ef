/**
 * Writes coordinator/openapi.yaml: the hand-written prose of protocol/openapi/*.yaml (the
 * header, every route with its description and error codes, the shared responses) and
 * the schemas, generated from the zod schemas the coordinator validates with and clients
 * take their types from (protocol/src/api). `--check` writes nothing and fails when the
 * committed document differs from what it would write.
 *
 *   npm run gen:openapi          # regenerate
 *   npm run gen:openapi:check    # CI: the document matches the schemas
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { parse, stringify } from "yaml";
import { z } from "zod";

import { REQUESTS } from "../src/api/requests";
import "../src/api/responses";

const ROOT = join(__dirname, "..", "..");
const TARGET = join(ROOT, "coordinator", "openapi.yaml");
const PARTS = ["document.yaml", "paths-system.yaml", "paths-jobs.yaml", "paths-nodes.yaml"].map((name) =>
  join(__dirname, "..", "openapi", name),
);
const REF = "#/components/schemas/";

/** The request schemas' component names (the replies name theirs with `.meta({ id })`). */
const REQUEST_IDS: Record<keyof typeof REQUESTS, string | null> = {
  quote: "QuoteRequest",
  job: "JobRequest",
  node: "NodeRegistration",
  heartbeat: "Heartbeat",
  report: "Report",
  checkpoint: "CheckpointRequest",
  fail: "Fail",
  cancel: null,
};

/** The order the components are listed in; any other follows, by name. */
const ORDER = [
  "Error",
  "Amount",
  "JobId",
  "Wallet",
  "Cid",
  "GpuModel",
  "Priority",
  "Health",
  "QuoteRequest",
  "Quote",
  "JobRequest",
  "CheckpointRequest",
  "CheckpointAccepted",
  "Cancelled",
  "SubmittedJob",
  "JobStatus",
  "Transition",
  "ProofVerdict",
  "Job",
  "JobList",
  "Report",
  "Fail",
  "GaveUp",
  "ReportAccepted",
  "NodeRegistration",
  "Node",
  "Earnings",
  "Payout",
  "NodeWithEarnings",
  "NodeDetail",
  "NodeList",
  "SettlementRecord",
  "Stats",
  "Heartbeat",
  "HeartbeatReply",
];

type JsonSchema = Record<string, unknown>;

/** Drops what says nothing: the safe-integer bounds zod gives every z.int(), and each component's $id. */
function tidy(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(tidy);
  if (typeof value !== "object" || value === null) return value;
  const out: JsonSchema = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === "$id" || key === "$schema") continue;
    if (key === "minimum" && child === Number.MIN_SAFE_INTEGER) continue;
    if (key === "maximum" && child === Number.MAX_SAFE_INTEGER) continue;
    out[key] = tidy(child);
  }
  return out;
}

function schemas(): Record<string, JsonSchema> {
  for (const [name, id] of Object.entries(REQUEST_IDS)) {
    const schema = REQUESTS[name as keyof typeof REQUESTS];
    if (id !== null && z.globalRegistry.get(schema)?.id !== id) z.globalRegistry.add(schema, { ...z.globalRegistry.get(schema), id });
  }
  const generated = z.toJSONSchema(z.globalRegistry, {
    target: "draft-2020-12",
    io: "input",
    uri: (id) => `${REF}${id}`,
    unrepresentable: "any",
    override: (ctx) => {
      // A JSON object passed on as is (a job's config): z.custom has no JSON Schema of its own.
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string } } })._zod.def;
      if (def.type === "custom") ctx.jsonSchema.type = "object";
    },
  }).schemas as Record<string, JsonSchema>;
  const rank = (name: string) => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length);
  const names = Object.keys(generated).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return Object.fromEntries(names.map((name) => [name, tidy(generated[name]) as JsonSchema]));
}

/** Every `$ref` under `value`. */
function refs(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const item of value) refs(item, found);
  } else if (typeof value === "object" && value !== null) {
    for (const [key, child] of Object.entries(value)) {
      if (key === "$ref" && typeof child === "string") found.push(child);
      else refs(child, found);
    }
  }
  return found;
}

export function openApiDocument(): string {
  const [document, ...pathParts] = PARTS.map((file) => parse(readFileSync(file, "utf8")) as JsonSchema);
  const paths = Object.assign({}, ...pathParts.map((part) => part.paths as JsonSchema)) as JsonSchema;
  const components: Record<string, JsonSchema> = { ...(document.components as Record<string, JsonSchema>), schemas: schemas() };
  const out = { ...document, paths, components };
  const known = new Set(Object.keys(components.schemas).map((name) => `${REF}${name}`));
  for (const [kind, names] of Object.entries({ parameters: components.parameters, responses: components.responses })) {
    for (const name of Object.keys(names as JsonSchema)) known.add(`#/components/${kind}/${name}`);
  }
  const dangling = [...new Set(refs(out))].filter((ref) => !known.has(ref));
  if (dangling.length > 0) throw new Error(`protocol/openapi refers to schemas the API does not define: ${dangling.join(", ")}`);
  // The note goes after the first line: the document starts with its OpenAPI version.
  const note =
    "# Generated by protocol/scripts/gen-openapi.ts from protocol/openapi/*.yaml and the zod schemas\n# in protocol/src/api: edit those and run `npm run gen:openapi`, not this file.\n";
  const text = stringify(out, { lineWidth: 0, aliasDuplicateObjects: false });
  const firstLine = text.indexOf("\n") + 1;
  return text.slice(0, firstLine) + note + text.slice(firstLine);
}

function main(): void {
  const text = openApiDocument();
  if (process.argv.includes("--check")) {
    if (readFileSync(TARGET, "utf8") !== text) {
      process.stderr.write("coordinator/openapi.yaml is not what the schemas generate: run `npm run gen:openapi` and commit it\n");
      process.exit(1);
    }
    process.stdout.write("coordinator/openapi.yaml matches the schemas\n");
    return;
  }
  writeFileSync(TARGET, text);
  process.stdout.write(`wrote ${TARGET}\n`);
}

if (require.main === module) main();
