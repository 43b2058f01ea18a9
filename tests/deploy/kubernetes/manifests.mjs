// Reads the manifests of a folder: every document of every *.yaml file, named by
// file and index so that each problem found later can say where it is.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";

// Returns { docs: [{ where, object }], problems: [string] }; YAML errors are problems.
export function load_folder(folder) {
  const docs = [];
  const problems = [];
  const files = readdirSync(folder).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml")).sort();
  for (const file of files) {
    // YAML 1.1, as kubectl reads it: there `yes` and `on` are booleans, not strings.
    const text = readFileSync(join(folder, file), "utf8");
    const parsed = parseAllDocuments(text, { uniqueKeys: true, version: "1.1" });
    parsed.forEach((doc, i) => {
      const where = `${file}#${i}`;
      for (const error of doc.errors) problems.push(`${where}: YAML: ${error.message}`);
      const object = doc.toJS();
      if (object !== null && object !== undefined) docs.push({ where, object });
    });
  }
  if (files.length === 0) problems.push(`${folder}: no *.yaml files`);
  return { docs, problems };
}
