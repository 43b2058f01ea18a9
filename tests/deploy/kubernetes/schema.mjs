// Checks each manifest against the Kubernetes API schemas that the npm package
// kubernetes-models carries (generated from the API's OpenAPI spec, so no network).
// Its validate() catches wrong types, missing required fields and bad formats, but
// lets unknown fields through, as the OpenAPI schemas do; a misspelled field would
// then be dropped silently by the API server's non-strict decoding. So each manifest
// is also compiled as a TypeScript object literal of the model's interface: excess
// property checks reject any field the API does not have.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const ts = require("typescript");
const kHere = dirname(fileURLToPath(import.meta.url));

// "apps/v1" + "Deployment" -> "kubernetes-models/apps/v1/Deployment"; core "v1" has no group.
function model_path({ apiVersion, kind }) {
  if (typeof apiVersion !== "string" || typeof kind !== "string" || !/^[A-Za-z]+$/.test(kind)) return null;
  return `kubernetes-models/${apiVersion}/${kind}`;
}

// Returns the problems, and the manifests whose model was found (the only ones typed).
async function check_with_models(docs) {
  const problems = [];
  const known = [];
  for (const { where, object } of docs) {
    const path = model_path(object);
    let model;
    try {
      model = path && (await import(path))[object.kind];
    } catch {
      model = undefined;
    }
    if (!model) {
      problems.push(`${where}: unknown apiVersion/kind ${object.apiVersion} ${object.kind}`);
      continue;
    }
    known.push({ where, object });
    try {
      new model(object).validate();
    } catch (error) {
      problems.push(`${where}: schema: ${error.message}`);
    }
  }
  return { problems, known };
}

// One virtual source file, `const docN: IKind = <the manifest as JSON>;` per manifest,
// compiled in memory; the file is "in" this folder so that node_modules resolves.
function check_with_typescript(known) {
  if (known.length === 0) return [];
  const lines = [];
  const first_line = [];
  known.forEach(({ object }, i) => {
    lines.push(`import type { I${object.kind} as T${i} } from "${model_path(object)}";`);
  });
  known.forEach(({ object }, i) => {
    first_line.push(lines.length);
    lines.push(...`export const doc${i}: T${i} = ${JSON.stringify(object, null, 2)};`.split("\n"));
  });
  const virtual = join(kHere, "manifests.virtual.ts");
  const text = lines.join("\n");
  const options = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
  };
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => f === virtual || fileExists.call(host, f);
  host.readFile = (f) => (f === virtual ? text : readFile.call(host, f));
  host.getSourceFile = (f, language, ...rest) =>
    f === virtual ? ts.createSourceFile(f, text, language, true) : getSourceFile.call(host, f, language, ...rest);
  const program = ts.createProgram([virtual], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (d.file?.fileName !== virtual) return `typescript: ${message}`;
    const line = d.file.getLineAndCharacterOfPosition(d.start).line;
    const index = first_line.findLastIndex((l) => l <= line);
    const where = index >= 0 ? known[index].where : "import";
    return `${where}: schema: ${message} (at: ${lines[line].trim()})`;
  });
}

// Returns the problems found, as strings naming the file and document.
export async function check_schema(docs) {
  const { problems, known } = await check_with_models(docs);
  return [...problems, ...check_with_typescript(known)];
}
