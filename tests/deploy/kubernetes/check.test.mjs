// The validator against deploy/kubernetes/ and against broken copies of it: each broken
// copy must be rejected for the reason its test names, and the real one must pass.
// Run by tests/deploy/check-kubernetes (ctest deploy.kubernetes) through `node --test`.
import assert from "node:assert/strict";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { check_folder } from "./check.mjs";
import { load_folder } from "./manifests.mjs";
import { check_policy, parse_args } from "./policy.mjs";
import { check_schema } from "./schema.mjs";

const kManifests = new URL("../../../deploy/kubernetes/", import.meta.url).pathname;

function ours() {
  const { docs, problems } = load_folder(kManifests);
  assert.deepEqual(problems, []);
  return docs;
}

const find = (docs, kind) => docs.find(({ object }) => object.kind === kind).object;
const echo_container = (docs) => find(docs, "Deployment").spec.template.spec.containers[0];

// Applies `mutate` to a fresh copy of ours and expects exactly the problems matching `reason`.
async function expect_rejected(check, mutate, reason) {
  const docs = ours();
  mutate(docs);
  const problems = await check(docs);
  assert.ok(problems.length > 0, "the broken manifests passed");
  for (const problem of problems) assert.match(problem, reason);
}

test("our manifests pass the schemas and the policy", async () => {
  assert.deepEqual(await check_folder(kManifests), []);
  const kinds = ours().map(({ object }) => object.kind).sort();
  assert.deepEqual(kinds, ["Deployment", "PodDisruptionBudget", "Service"]);
});

// Checks a copy of our folder whose deployment.yaml had `line` replaced by `broken`.
async function check_edited_copy(line, broken) {
  const folder = mkdtempSync(join(tmpdir(), "check-kubernetes-"));
  try {
    cpSync(kManifests, folder, { recursive: true });
    const file = join(folder, "deployment.yaml");
    const text = readFileSync(file, "utf8");
    assert.match(text, line);
    writeFileSync(file, text.replace(line, broken));
    return await check_folder(folder);
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

test("a file with a misspelled field is rejected, naming the field", async () => {
  const problems = await check_edited_copy(/^( {10})readinessProbe:$/m, "$1readinesProbe:");
  assert.ok(problems.some((p) => /deployment\.yaml#0: schema: .*'"readinesProbe"' does not exist in type 'IContainer'/.test(p)), problems.join("\n"));
});

test("YAML is read as kubectl reads it: an unquoted yes is a boolean, not a string", async () => {
  const problems = await check_edited_copy(/^( {8}prometheus\.io\/scrape:) "true"$/m, "$1 yes");
  assert.ok(problems.some((p) => /deployment\.yaml#0: schema: .*annotations.*(string|boolean)/i.test(p)), problems.join("\n"));
});

test("schema: a nested unknown field is rejected", () =>
  expect_rejected(check_schema, (docs) => { find(docs, "Deployment").spec.replicaz = 2; },
    /deployment\.yaml#0: schema: .*'"replicaz"' does not exist in type 'IDeploymentSpec'/));

test("schema: a wrong type is rejected", () =>
  expect_rejected(check_schema, (docs) => { find(docs, "Service").spec.ports[0].port = "seven"; },
    /service\.yaml#0: schema: (data\/spec\/ports\/0\/port must be integer|Type 'string' is not assignable to type 'number')/));

test("schema: a missing required field is rejected", () =>
  expect_rejected(check_schema, (docs) => { delete find(docs, "Deployment").spec.selector; },
    /deployment\.yaml#0: schema: .*(required property selector|Property '"?selector"?' is missing)/));

test("schema: an unknown kind is rejected", () =>
  expect_rejected(check_schema, (docs) => { find(docs, "PodDisruptionBudget").apiVersion = "policy/v1beta7"; },
    /poddisruptionbudget\.yaml#0: unknown apiVersion\/kind policy\/v1beta7 PodDisruptionBudget/));

const kPolicyCases = [
  ["the readiness probe gets /readyz", (d) => { echo_container(d).readinessProbe.httpGet.path = "/healthz"; }, /readinessProbe must be an httpGet of \/readyz/],
  ["the readiness probe reaches --metrics", (d) => { echo_container(d).readinessProbe.httpGet.port = 7007; }, /readinessProbe must reach the --metrics port/],
  ["liveness does not use /readyz", (d) => { echo_container(d).livenessProbe.httpGet.path = "/readyz"; }, /livenessProbe must get \/healthz/],
  ["runAsNonRoot", (d) => { find(d, "Deployment").spec.template.spec.securityContext.runAsNonRoot = false; echo_container(d).securityContext.runAsNonRoot = false; }, /runAsNonRoot must be true/],
  ["runAsUser is not root", (d) => { find(d, "Deployment").spec.template.spec.securityContext.runAsUser = 0; }, /runAsUser must be a non-zero uid/],
  ["a read-only root filesystem", (d) => { echo_container(d).securityContext.readOnlyRootFilesystem = false; }, /readOnlyRootFilesystem must be true/],
  ["no privilege escalation", (d) => { delete echo_container(d).securityContext.allowPrivilegeEscalation; }, /allowPrivilegeEscalation must be false/],
  ["capabilities dropped", (d) => { echo_container(d).securityContext.capabilities = { add: ["NET_BIND_SERVICE"] }; }, /capabilities must (drop ALL|add none)/],
  ["seccomp RuntimeDefault", (d) => { find(d, "Deployment").spec.template.spec.securityContext.seccompProfile.type = "Unconfined"; }, /seccompProfile must be RuntimeDefault/],
  ["resources limited", (d) => { delete echo_container(d).resources.limits.memory; }, /resources\.limits\.memory must be set/],
  ["grace covers drain-delay + drain-timeout", (d) => { find(d, "Deployment").spec.template.spec.terminationGracePeriodSeconds = 20; }, /terminationGracePeriodSeconds 20 < preStop sleep 5 \+ --drain-delay 5 \+ --drain-timeout 20/],
  ["grace covers the preStop sleep too", (d) => { find(d, "Deployment").spec.template.spec.terminationGracePeriodSeconds = 29; }, /terminationGracePeriodSeconds 29 < preStop sleep 5 \+ --drain-delay 5 \+ --drain-timeout 20/],
  ["no service links", (d) => { delete find(d, "Deployment").spec.template.spec.enableServiceLinks; }, /enableServiceLinks must be false/],
  ["preStop is required", (d) => { delete echo_container(d).lifecycle; }, /a preStop sleep as long as --drain-delay is required/],
  ["preStop matches drain-delay", (d) => { echo_container(d).lifecycle.preStop.sleep.seconds = 3; }, /the preStop sleep \(3 s\) must match --drain-delay \(5 s\)/],
  ["preStop needs no shell", (d) => { echo_container(d).lifecycle = { preStop: { exec: { command: ["sh", "-c", "sleep 1"] } } }; }, /a preStop hook must be a sleep/],
  ["drain-delay outlasts the readiness probe", (d) => { echo_container(d).readinessProbe.periodSeconds = 10; }, /--drain-delay 5 < 11 s the readiness probe takes/],
  ["metrics not on loopback", (d) => { const a = echo_container(d).args; a[a.indexOf("--metrics=tcp://0.0.0.0:9100")] = "--metrics=tcp://127.0.0.1:9100"; }, /--metrics must not bind loopback/],
  ["no privileged port", (d) => { const a = echo_container(d).args; a[a.indexOf("--listen=tcp://0.0.0.0:7007")] = "--listen=tcp://0.0.0.0:7"; }, /a port below 1024 needs CAP_NET_BIND_SERVICE|has no containerPort 7\/TCP/],
  ["the Service selects the pods", (d) => { find(d, "Service").spec.selector = { app: "other" }; }, /the Service's selector must match/],
  ["the Service targets a container port", (d) => { find(d, "Service").spec.ports[1].targetPort = "echo-tcp"; }, /Service port echo-udp: targetPort echo-tcp is no UDP port/],
  ["the budget selects the pods", (d) => { find(d, "PodDisruptionBudget").spec.selector.matchLabels = { app: "other" }; }, /PodDisruptionBudget's selector must match/],
  ["the budget lets a pod go", (d) => { find(d, "PodDisruptionBudget").spec.maxUnavailable = 0; }, /must let one of 3 pods go/],
];

for (const [name, mutate, reason] of kPolicyCases) {
  test(`policy: ${name}`, () => expect_rejected(check_policy, mutate, reason));
}

test("parse_args takes --name=value and --name value, repeated", () => {
  const options = parse_args(["--listen=a", "--listen", "b", "--drain-delay", "3", "--quiet"]);
  assert.deepEqual(options.get("listen"), ["a", "b"]);
  assert.deepEqual(options.get("drain-delay"), ["3"]);
  assert.deepEqual(options.get("quiet"), [""]);
});
