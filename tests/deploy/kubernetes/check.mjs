// The validator's command line: `node check.mjs FOLDER` checks every manifest there
// (schema, then policy), prints each problem, and exits 1 if there is any.
import { pathToFileURL } from "node:url";
import { load_folder } from "./manifests.mjs";
import { check_policy } from "./policy.mjs";
import { check_schema } from "./schema.mjs";

// Every problem of a folder: YAML, then the API schemas, then the project's policy.
export async function check_folder(folder) {
  const { docs, problems } = load_folder(folder);
  return [...problems, ...(await check_schema(docs)), ...check_policy(docs)];
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const folder = process.argv[2];
  if (!folder) {
    console.error("usage: node check.mjs FOLDER");
    process.exit(2);
  }
  const problems = await check_folder(folder);
  for (const problem of problems) console.error(`check-kubernetes: ${problem}`);
  if (problems.length > 0) process.exit(1);
  console.log(`check-kubernetes: ${folder} passes the API schemas and the policy`);
}
