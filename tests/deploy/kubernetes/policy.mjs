// The project's own rules for deploy/kubernetes/, beyond what the API accepts: how a
// pod stops (probe, drain delay, grace period), how it is confined, and that the
// Service and PodDisruptionBudget select the Deployment's pods and ports.

// Kubernetes' defaults where a field is left out.
const kDefaultGraceSeconds = 30;
const kProbeDefaults = { periodSeconds: 10, timeoutSeconds: 1, failureThreshold: 3 };
// echo-server's defaults (README, Options).
const kDefaultDrainTimeout = 5;
const kDefaultDrainDelay = 0;

// `--name=value` and `--name value` both, as CLI11 takes them; repeated names kept in order.
export function parse_args(args) {
  const options = new Map();
  for (let i = 0; i < args.length; ++i) {
    const match = /^--([a-z-]+)(?:=(.*))?$/s.exec(args[i]);
    if (!match) continue;
    const value = match[2] ?? (args[i + 1]?.startsWith("--") ? "" : args[++i] ?? "");
    options.set(match[1], [...(options.get(match[1]) ?? []), value]);
  }
  return options;
}

function only(docs, kind, problems) {
  const found = docs.filter(({ object }) => object.kind === kind);
  if (found.length !== 1) problems.push(`policy: want exactly one ${kind}, found ${found.length}`);
  return found[0];
}

function selects(selector, labels) {
  const wanted = Object.entries(selector?.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => labels?.[k] === v);
}

function seconds(text, fallback) {
  return text === undefined ? fallback : Number(text);
}

// "tcp://0.0.0.0:7007" -> { protocol: "TCP", port: 7007 }; unix: listeners have no port.
function listen_port(url) {
  const match = /^(tcp|udp|tls):\/\/.*:(\d+)(?:\?.*)?$/.exec(url);
  return match && { protocol: match[1] === "udp" ? "UDP" : "TCP", port: Number(match[2]) };
}

function check_confinement(where, pod, container, problems) {
  const both = (field) => container.securityContext?.[field] ?? pod.securityContext?.[field];
  const rule = (ok, text) => ok || problems.push(`${where}: policy: ${text}`);
  rule(both("runAsNonRoot") === true, "runAsNonRoot must be true");
  const user = both("runAsUser");
  rule(Number.isInteger(user) && user > 0, "runAsUser must be a non-zero uid (runAsNonRoot alone fails on an image whose user is a name)");
  const sc = container.securityContext ?? {};
  rule(sc.readOnlyRootFilesystem === true, "readOnlyRootFilesystem must be true");
  rule(sc.allowPrivilegeEscalation === false, "allowPrivilegeEscalation must be false");
  rule(sc.privileged !== true, "privileged must not be set");
  rule((sc.capabilities?.drop ?? []).includes("ALL"), "capabilities must drop ALL");
  rule((sc.capabilities?.add ?? []).length === 0, "capabilities must add none (listen on ports >= 1024)");
  rule(both("seccompProfile")?.type === "RuntimeDefault", "seccompProfile must be RuntimeDefault");
  for (const kind of ["requests", "limits"]) {
    for (const resource of ["cpu", "memory"]) {
      rule(container.resources?.[kind]?.[resource] !== undefined, `resources.${kind}.${resource} must be set`);
    }
  }
}

// The stop sequence of deployment.yaml's header comment, as arithmetic.
function check_stop(where, pod, container, options, problems) {
  const rule = (ok, text) => ok || problems.push(`${where}: policy: ${text}`);
  rule(pod.enableServiceLinks === false,
    "enableServiceLinks must be false (a Service named echo-server would set ECHO_SERVER_PORT=tcp://..., read as --port)");
  const pre_stop = container.lifecycle?.preStop;
  rule(pre_stop !== undefined, "a preStop sleep as long as --drain-delay is required (endpoints leave the kube-proxies before SIGTERM)");
  rule(pre_stop === undefined || (pre_stop.sleep && Object.keys(pre_stop).length === 1),
    "a preStop hook must be a sleep (an exec needs a shell in the image)");
  const pre_stop_sleep = pre_stop?.sleep?.seconds ?? 0;
  const delay = seconds(options.get("drain-delay")?.at(-1), kDefaultDrainDelay);
  rule(pre_stop?.sleep === undefined || pre_stop_sleep === delay,
    `the preStop sleep (${pre_stop_sleep} s) must match --drain-delay (${delay} s)`);
  const timeout = seconds(options.get("drain-timeout")?.at(-1), kDefaultDrainTimeout);
  rule(Number.isFinite(delay) && Number.isFinite(timeout), "--drain-delay and --drain-timeout must be numbers");
  const grace = pod.terminationGracePeriodSeconds ?? kDefaultGraceSeconds;
  rule(grace >= pre_stop_sleep + delay + timeout,
    `terminationGracePeriodSeconds ${grace} < preStop sleep ${pre_stop_sleep} + --drain-delay ${delay} + --drain-timeout ${timeout}: the kubelet would kill connections still draining`);
  const probe = { ...kProbeDefaults, ...container.readinessProbe };
  const noticed = probe.periodSeconds * probe.failureThreshold + probe.timeoutSeconds;
  rule(delay >= noticed,
    `--drain-delay ${delay} < ${noticed} s the readiness probe takes to see /readyz fail (periodSeconds x failureThreshold + timeoutSeconds): listeners would close while the pod is still routed to`);
}

function check_probes(where, container, options, problems) {
  const rule = (ok, text) => ok || problems.push(`${where}: policy: ${text}`);
  const ports = container.ports ?? [];
  const port_of = (ref) => (typeof ref === "string" ? ports.find((p) => p.name === ref)?.containerPort : ref);
  const metrics = listen_port(options.get("metrics")?.at(-1) ?? "");
  rule(metrics !== null, "--metrics tcp://HOST:PORT must be set: the probes need /readyz and /healthz");
  rule(!/127\.0\.0\.1|\[::1\]|localhost/.test(options.get("metrics")?.at(-1) ?? ""),
    "--metrics must not bind loopback: the kubelet probes the pod's IP");
  const readiness = container.readinessProbe?.httpGet;
  rule(readiness?.path === "/readyz", "readinessProbe must be an httpGet of /readyz");
  rule(metrics && port_of(readiness?.port) === metrics.port, "readinessProbe must reach the --metrics port");
  const liveness = container.livenessProbe?.httpGet;
  rule(liveness === undefined || liveness.path === "/healthz",
    "livenessProbe must get /healthz (/readyz fails while draining, and the pod would be restarted)");
  rule(liveness === undefined || port_of(liveness.port) === metrics?.port, "livenessProbe must reach the --metrics port");
  for (const url of options.get("listen") ?? []) {
    const listen = listen_port(url);
    if (!listen) continue;
    rule(listen.port >= 1024, `--listen ${url}: a port below 1024 needs CAP_NET_BIND_SERVICE; listen high, map 7 in the Service`);
    rule(ports.some((p) => p.containerPort === listen.port && (p.protocol ?? "TCP") === listen.protocol),
      `--listen ${url} has no containerPort ${listen.port}/${listen.protocol}`);
  }
}

function check_service(service, pod_labels, container, problems) {
  const rule = (ok, text) => ok || problems.push(`${service.where}: policy: ${text}`);
  const spec = service.object.spec ?? {};
  rule(selects({ matchLabels: spec.selector }, pod_labels), "the Service's selector must match the Deployment's pod labels");
  const container_ports = container.ports ?? [];
  for (const port of spec.ports ?? []) {
    const target = port.targetPort ?? port.port;
    const found = container_ports.find((p) => (typeof target === "string" ? p.name === target : p.containerPort === target));
    rule(found && (found.protocol ?? "TCP") === (port.protocol ?? "TCP"),
      `Service port ${port.name ?? port.port}: targetPort ${target} is no ${port.protocol ?? "TCP"} port of the container`);
  }
  for (const protocol of ["TCP", "UDP"]) {
    rule((spec.ports ?? []).some((p) => p.port === 7 && (p.protocol ?? "TCP") === protocol), `the Service must expose echo on 7/${protocol}`);
  }
}

function check_budget(budget, deployment, pod_labels, problems) {
  const rule = (ok, text) => ok || problems.push(`${budget.where}: policy: ${text}`);
  const spec = budget.object.spec ?? {};
  rule(selects(spec.selector, pod_labels), "the PodDisruptionBudget's selector must match the Deployment's pod labels");
  const replicas = deployment.object.spec?.replicas ?? 1;
  const allows_one = spec.maxUnavailable !== undefined
    ? spec.maxUnavailable !== 0 && spec.maxUnavailable !== "0%"
    : typeof spec.minAvailable === "number" && spec.minAvailable < replicas;
  rule(allows_one, `the PodDisruptionBudget must let one of ${replicas} pods go, or node drains block forever`);
  rule(replicas >= 2, "the Deployment needs 2 replicas or more for its PodDisruptionBudget to keep one serving");
}

// Returns the problems found in the whole set of manifests.
export function check_policy(docs) {
  const problems = [];
  const deployment = only(docs, "Deployment", problems);
  const service = only(docs, "Service", problems);
  const budget = only(docs, "PodDisruptionBudget", problems);
  if (!deployment) return problems;
  const where = deployment.where;
  const template = deployment.object.spec?.template ?? {};
  const pod = template.spec ?? {};
  const pod_labels = template.metadata?.labels;
  if (!selects(deployment.object.spec?.selector, pod_labels)) {
    problems.push(`${where}: policy: the Deployment's selector must match its pod labels`);
  }
  const container = (pod.containers ?? []).find((c) => c.name === "echo-server");
  if (!container) return [...problems, `${where}: policy: no container named echo-server`];
  const options = parse_args([...(container.command ?? []).slice(1), ...(container.args ?? [])]);
  check_confinement(where, pod, container, problems);
  check_stop(where, pod, container, options, problems);
  check_probes(where, container, options, problems);
  if (service) check_service(service, pod_labels, container, problems);
  if (budget) check_budget(budget, deployment, pod_labels, problems);
  return problems;
}
