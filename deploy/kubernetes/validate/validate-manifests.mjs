// Validates Kubernetes manifests offline; run by ../validate.sh, which installs the packages
// named in package.json next to a copy of this file.
//
//   node validate-manifests.mjs --parse-only FILE...
//       every YAML document of every file must parse (YAML 1.2, the `yaml` package)
//   node validate-manifests.mjs --crd CRD.yml [--crd ...] [--job-properties-out FILE] FILE...
//       every document of FILE... (e.g. `kubectl kustomize` output) must match a schema:
//       - kinds defined by a CRD given with --crd (the FlinkDeployment CRD of the operator):
//         the CRD's openAPIV3Schema, with Ajv. Made strict first: an object schema that lists
//         its properties rejects any other property unless it is marked
//         x-kubernetes-preserve-unknown-fields (the API server would prune such a field, and
//         kubectl's default --validate=strict rejects it);
//       - built-in kinds: the schemas compiled into the kubernetes-models package, and
//         PodMonitor: @kubernetes-models/prometheus-operator. These check types, required
//         fields and enums, but not unknown fields;
//       - any other kind fails: nothing passes unchecked.
//       Then the project's own rules for the visit-count manifests (upgrade mode, exactly-once
//       settings, no password in arguments or configuration, job options that agree with the
//       Flink configuration, mounts that match the job's arguments, HA storage and checkpoints on
//       a ReadWriteMany claim, a service account allowed what Kubernetes HA needs).
//
// Prints one line per check and closes with "N passed, M failed"; exits 1 if any failed.
import { readFileSync, writeFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const results = { passed: 0, failed: 0 };
function pass(what) {
  results.passed++;
  console.log(`PASS ${what}`);
}
function fail(what, details = []) {
  results.failed++;
  console.log(`FAIL ${what}`);
  for (const line of details) console.log(`       ${line}`);
}
function check(ok, what, details = []) {
  ok ? pass(what) : fail(what, details);
}

// ---------------------------------------------------------------- arguments
const args = process.argv.slice(2);
const crdFiles = [];
const files = [];
let parseOnly = false;
let jobPropertiesOut = null;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--parse-only") parseOnly = true;
  else if (arg === "--crd") crdFiles.push(args[++i]);
  else if (arg === "--job-properties-out") jobPropertiesOut = args[++i];
  else if (arg.startsWith("--")) usage(`unknown option ${arg}`);
  else files.push(arg);
}
if (files.length === 0) usage("no files given");
if (!parseOnly && crdFiles.length === 0) usage("no --crd given");

function usage(problem) {
  console.error(`validate-manifests: ${problem}`);
  console.error("usage: node validate-manifests.mjs --parse-only FILE...");
  console.error("       node validate-manifests.mjs --crd CRD.yml [--crd ...] [--job-properties-out FILE] FILE...");
  process.exit(2);
}

// ---------------------------------------------------------------- YAML
function readDocuments(file) {
  const text = readFileSync(file, "utf8");
  const docs = parseAllDocuments(text, { prettyErrors: true });
  const problems = [];
  const values = [];
  for (const doc of docs) {
    for (const error of doc.errors) problems.push(error.message.split("\n")[0]);
    if (doc.errors.length === 0) {
      const value = doc.toJS();
      if (value !== null && value !== undefined) values.push(value);
    }
  }
  return { problems, values };
}

if (parseOnly) {
  for (const file of files) {
    const { problems, values } = readDocuments(file);
    check(problems.length === 0, `yaml  ${file} (${values.length} document(s))`, problems);
  }
  finish();
}

// ---------------------------------------------------------------- schemas
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });

// Adds additionalProperties: false wherever an object schema lists its properties and allows
// nothing else implicitly; keeps x-kubernetes-preserve-unknown-fields objects open.
function strictify(schema) {
  if (Array.isArray(schema)) return schema.map(strictify);
  if (schema === null || typeof schema !== "object") return schema;
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === "properties" && value && typeof value === "object") {
      out.properties = Object.fromEntries(
        Object.entries(value).map(([name, sub]) => [name, strictify(sub)]),
      );
    } else if (key === "enum" || key === "default" || key === "example" || key === "required") {
      out[key] = value;
    } else {
      out[key] = strictify(value);
    }
  }
  if (
    out.properties &&
    out.additionalProperties === undefined &&
    out["x-kubernetes-preserve-unknown-fields"] !== true
  ) {
    out.additionalProperties = false;
  }
  return out;
}

const crdValidators = new Map(); // "group/version Kind" -> { validate, source }
for (const file of crdFiles) {
  const { problems, values } = readDocuments(file);
  if (problems.length > 0) {
    fail(`crd   ${file} does not parse`, problems);
    continue;
  }
  let found = 0;
  for (const crd of values) {
    if (crd.kind !== "CustomResourceDefinition") continue;
    for (const version of crd.spec?.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      const root = strictify(schema);
      // The API server knows these without the CRD declaring them.
      root.properties = {
        apiVersion: { type: "string" },
        kind: { type: "string" },
        metadata: { type: "object" },
        ...root.properties,
      };
      const key = `${crd.spec.group}/${version.name} ${crd.spec.names.kind}`;
      crdValidators.set(key, { validate: ajv.compile(root), source: `${crd.metadata.name} (${file})` });
      found++;
    }
  }
  check(found > 0, `crd   ${file}: ${found} schema(s) loaded`, found > 0 ? [] : ["no CustomResourceDefinition with an openAPIV3Schema in it"]);
}

function ajvMessages(errors) {
  return (errors ?? []).slice(0, 20).map((e) => {
    const where = e.instancePath || "/";
    if (e.keyword === "additionalProperties") return `${where}: unknown field '${e.params.additionalProperty}'`;
    if (e.keyword === "enum") return `${where}: must be one of ${JSON.stringify(e.params.allowedValues)}`;
    return `${where}: ${e.message}`;
  });
}

async function builtInModel(apiVersion, kind) {
  let module;
  try {
    if (apiVersion.startsWith("monitoring.coreos.com/")) {
      module = await import(`@kubernetes-models/prometheus-operator/${apiVersion}`);
    } else {
      module = await import(`kubernetes-models/${apiVersion}`);
    }
  } catch {
    return null;
  }
  return typeof module[kind] === "function" ? module[kind] : null;
}

const documents = [];
for (const file of files) {
  const { problems, values } = readDocuments(file);
  if (problems.length > 0) {
    fail(`yaml  ${file} does not parse`, problems);
    continue;
  }
  for (const doc of values) documents.push({ file, doc });
}

for (const { file, doc } of documents) {
  const name = `${doc?.kind ?? "?"} ${doc?.metadata?.namespace ?? "-"}/${doc?.metadata?.name ?? "?"}`;
  if (!doc || typeof doc.apiVersion !== "string" || typeof doc.kind !== "string") {
    fail(`schema ${name} (${file}): no apiVersion/kind`);
    continue;
  }
  const crd = crdValidators.get(`${doc.apiVersion} ${doc.kind}`);
  if (crd) {
    const ok = crd.validate(doc);
    check(ok, `schema ${name} against CRD ${crd.source}, strict`, ajvMessages(crd.validate.errors));
    continue;
  }
  const Model = await builtInModel(doc.apiVersion, doc.kind);
  if (!Model) {
    fail(`schema ${name}: no schema for ${doc.apiVersion} ${doc.kind} (give its CRD with --crd)`);
    continue;
  }
  try {
    new Model(doc).validate();
    pass(`schema ${name} (kubernetes-models ${doc.apiVersion} ${doc.kind})`);
  } catch (error) {
    fail(`schema ${name} (kubernetes-models ${doc.apiVersion} ${doc.kind})`, String(error.message).split("\n").slice(0, 20));
  }
}

// ---------------------------------------------------------------- the project's rules
const byKind = (kind) => documents.map((d) => d.doc).filter((d) => d?.kind === kind);
const deployments = byKind("FlinkDeployment");
const configMaps = byKind("ConfigMap");
const secrets = byKind("Secret");
const roles = byKind("Role");
const roleBindings = byKind("RoleBinding");
const claims = byKind("PersistentVolumeClaim");

// Flink's duration syntax (TimeUtils): a number, optional blanks, an optional unit (ms default).
const UNIT_MS = [
  [["d", "day", "days"], 86400000],
  [["h", "hour", "hours"], 3600000],
  [["min", "m", "minute", "minutes"], 60000],
  [["s", "sec", "secs", "second", "seconds"], 1000],
  [["ms", "milli", "millis", "millisecond", "milliseconds"], 1],
];
function durationMs(text) {
  const match = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(String(text ?? ""));
  if (!match) return NaN;
  const unit = match[2].toLowerCase();
  if (unit === "") return Number(match[1]);
  for (const [names, factor] of UNIT_MS) if (names.includes(unit)) return Number(match[1]) * factor;
  return NaN;
}

// java.util.Properties, as far as these files need: key=value / key: value / key value lines,
// # and ! comments, trailing-backslash continuations.
function parseProperties(text) {
  const result = new Map();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].replace(/^\s+/, "");
    if (line === "" || line.startsWith("#") || line.startsWith("!")) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length) {
      line = line.slice(0, -1) + lines[++i].replace(/^\s+/, "");
    }
    const match = /^((?:\\.|[^=:\s\\])+)\s*[=:\s]?\s*(.*)$/.exec(line);
    if (match) result.set(match[1].replace(/\\(.)/g, "$1"), match[2]);
  }
  return result;
}

function mountOf(podTemplates, volumeMatch) {
  // [{ mountPath, volume }] for volumes matching volumeMatch, mounted in flink-main-container.
  const mounts = [];
  for (const template of podTemplates) {
    const volumes = template?.spec?.volumes ?? [];
    for (const container of template?.spec?.containers ?? []) {
      if (container.name !== "flink-main-container") continue;
      for (const mount of container.volumeMounts ?? []) {
        const volume = volumes.find((v) => v.name === mount.name);
        if (volume && volumeMatch(volume)) mounts.push({ mountPath: mount.mountPath, volume });
      }
    }
  }
  return mounts;
}

for (const fd of deployments) {
  const id = `FlinkDeployment ${fd.metadata?.name}`;
  const spec = fd.spec ?? {};
  const conf = spec.flinkConfiguration ?? {};
  const job = spec.job ?? {};
  const jobArgs = job.args ?? [];

  check(job.upgradeMode === "savepoint", `rule  ${id}: job.upgradeMode is savepoint`, [`found ${job.upgradeMode}`]);
  const required = {
    "execution.checkpointing.mode": (v) => v === "EXACTLY_ONCE",
    "execution.checkpointing.interval": (v) => durationMs(v) > 0,
    "execution.checkpointing.timeout": (v) => durationMs(v) > 0,
    "execution.checkpointing.dir": (v) => typeof v === "string" && v.length > 0,
    "execution.checkpointing.savepoint-dir": (v) => typeof v === "string" && v.length > 0,
    "execution.checkpointing.externalized-checkpoint-retention": (v) => v === "RETAIN_ON_CANCELLATION",
    "high-availability.type": (v) => String(v).toLowerCase() === "kubernetes",
    "high-availability.storageDir": (v) => typeof v === "string" && v.length > 0,
    "metrics.reporter.prom.factory.class": (v) => v === "org.apache.flink.metrics.prometheus.PrometheusReporterFactory",
  };
  const bad = Object.entries(required)
    .filter(([key, ok]) => !ok(conf[key]))
    .map(([key]) => `${key}: ${JSON.stringify(conf[key])}`);
  check(bad.length === 0, `rule  ${id}: exactly-once, state, HA and metrics settings`, bad);
  const nonStrings = Object.entries(conf).filter(([, v]) => typeof v !== "string").map(([k, v]) => `${k}: ${JSON.stringify(v)}`);
  check(nonStrings.length === 0, `rule  ${id}: flinkConfiguration values are strings`, nonStrings);
  check(
    String(conf["kubernetes.operator.job.drain-on-savepoint-deletion"] ?? "false") === "false",
    `rule  ${id}: stop-with-savepoint does not drain`,
    ["draining fires every open window early"],
  );

  const secretish = Object.keys(conf).filter((k) => /password|secret/i.test(k));
  check(secretish.length === 0, `rule  ${id}: no password in flinkConfiguration`, secretish);
  const argProblems = [];
  for (let i = 0; i < jobArgs.length; i++) {
    if (/password/i.test(jobArgs[i])) {
      if (jobArgs[i] === "--jdbc.password-file") i++;
      else argProblems.push(`argument ${i}: ${jobArgs[i].slice(0, 40)}`);
    }
  }
  check(argProblems.length === 0, `rule  ${id}: no password in job.args (only --jdbc.password-file)`, argProblems);

  // Kubernetes HA: the JobManager and the TaskManagers read and write the HA storage directory
  // and the checkpoints, so a file:// path must be on a shared volume that outlives the pods.
  const allTemplates = [spec.podTemplate, spec.jobManager?.podTemplate, spec.taskManager?.podTemplate].filter(Boolean);
  const claimMounts = mountOf(allTemplates, (v) => v.persistentVolumeClaim);
  for (const key of ["high-availability.storageDir", "execution.checkpointing.dir"]) {
    const value = String(conf[key] ?? "");
    if (!value.startsWith("file:")) continue;
    const path = value.replace(/^file:(\/\/)?/, "/").replace(/^\/+/, "/");
    const hit = claimMounts.find((m) => path.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const claimName = hit?.volume.persistentVolumeClaim.claimName;
    const claim = claims.find((c) => c.metadata?.name === claimName);
    const shared = Boolean(claim?.spec?.accessModes?.includes("ReadWriteMany"));
    check(hit && shared, `rule  ${id}: ${key} ${value} is on a ReadWriteMany PersistentVolumeClaim`, [
      hit ? `mounted claim ${claimName}: ${claim ? `access modes ${claim.spec?.accessModes}` : "not among the manifests"}` : `no persistentVolumeClaim mounted at a parent of ${path}`,
    ]);
  }
  // The service account's Role: leader election and the HA pointers are ConfigMaps (Flink's
  // ConfigMapLock), and the JobManager creates and deletes its TaskManager pods.
  {
    const account = spec.serviceAccount;
    const roleNames = roleBindings
      .filter((b) => (b.subjects ?? []).some((s) => s.kind === "ServiceAccount" && s.name === account) && b.roleRef?.kind === "Role")
      .map((b) => b.roleRef.name);
    const rules = roles.filter((r) => roleNames.includes(r.metadata?.name)).flatMap((r) => r.rules ?? []);
    const grants = (resource, verb) =>
      rules.some((r) => (r.apiGroups ?? []).includes("") && (r.resources ?? []).some((x) => x === resource || x === "*") && (r.verbs ?? []).some((v) => v === verb || v === "*"));
    const missing = [];
    for (const verb of ["get", "list", "watch", "create", "update", "delete"]) if (!grants("configmaps", verb)) missing.push(`configmaps ${verb}`);
    for (const verb of ["get", "list", "watch", "create", "delete"]) if (!grants("pods", verb)) missing.push(`pods ${verb}`);
    check(Boolean(account) && missing.length === 0, `rule  ${id}: service account ${account} may do what Kubernetes HA and native TaskManagers need`, [
      `roles bound to it: ${roleNames.join(", ") || "none"}`, ...missing.map((m) => `missing: ${m}`),
    ]);
  }

  const argValue = (flag) => {
    const at = jobArgs.indexOf(flag);
    return at >= 0 ? jobArgs[at + 1] : undefined;
  };
  const jmTemplates = [spec.podTemplate, spec.jobManager?.podTemplate].filter(Boolean);
  const configFile = argValue("--config");
  const passwordFile = argValue("--jdbc.password-file");

  // --config: a key of a mounted ConfigMap that the manifests contain.
  let properties = null;
  {
    const mounts = mountOf(jmTemplates, (v) => v.configMap);
    const hit = mounts.find((m) => configFile?.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const cmName = hit?.volume.configMap.name;
    const key = hit ? configFile.slice(hit.mountPath.replace(/\/?$/, "/").length) : undefined;
    const cm = configMaps.find((c) => c.metadata?.name === cmName);
    const ok = Boolean(hit && cm && cm.data && typeof cm.data[key] === "string");
    check(ok, `rule  ${id}: --config ${configFile} is key '${key}' of mounted ConfigMap ${cmName}`, ok ? [] : [
      `mounted config maps: ${mounts.map((m) => `${m.volume.configMap.name} at ${m.mountPath}`).join(", ") || "none"}`,
    ]);
    if (ok) properties = { name: cmName, text: cm.data[key], map: parseProperties(cm.data[key]) };
  }
  // --jdbc.password-file: the 'password' key of a mounted Secret.
  {
    const mounts = mountOf(jmTemplates, (v) => v.secret);
    const hit = mounts.find((m) => passwordFile?.startsWith(m.mountPath.replace(/\/?$/, "/")));
    const secretName = hit?.volume.secret.secretName;
    const key = hit ? passwordFile.slice(hit.mountPath.replace(/\/?$/, "/").length) : undefined;
    const secret = secrets.find((s) => s.metadata?.name === secretName);
    const inSecret = secret && ((secret.data && key in secret.data) || (secret.stringData && key in secret.stringData));
    const ok = Boolean(hit && inSecret);
    check(ok, `rule  ${id}: --jdbc.password-file ${passwordFile} is key '${key}' of mounted Secret ${secretName}`, ok ? [] : [
      `mounted secrets: ${mounts.map((m) => `${m.volume.secret.secretName} at ${m.mountPath}`).join(", ") || "none"}`,
      secret ? `secret ${secretName} has keys: ${Object.keys(secret.data ?? {}).join(", ")}` : `no Secret ${secretName} among the manifests`,
    ]);
  }

  if (properties) {
    const p = properties.map;
    const where = `ConfigMap ${properties.name}`;
    // The database over TLS: the JobManager (main()) and every TaskManager (the XA sink)
    // connect, so the CA the URL names must be in a Secret mounted into every Flink pod.
    {
      const url = p.get("jdbc.url") ?? "";
      const verifies = /[?&]sslMode=VERIFY_IDENTITY(&|$)/.test(url);
      const store = (url.match(/[?&]trustCertificateKeyStoreUrl=file:([^&]+)/) ?? [])[1];
      const mounts = mountOf([spec.podTemplate].filter(Boolean), (v) => v.secret);
      const hit = store && mounts.find((m) => store.startsWith(m.mountPath.replace(/\/?$/, "/")));
      const secretName = hit?.volume.secret.secretName;
      const key = hit ? store.slice(hit.mountPath.replace(/\/?$/, "/").length) : undefined;
      const secret = secrets.find((s) => s.metadata?.name === secretName);
      const inSecret = Boolean(secret && ((secret.data && key in secret.data) || (secret.stringData && key in secret.stringData)));
      check(verifies && inSecret, `rule  ${where}: jdbc.url verifies the database (sslMode=VERIFY_IDENTITY) against a CA in a Secret mounted into every Flink pod`, [
        verifies ? `truststore ${store ?? "not named (trustCertificateKeyStoreUrl=file:...)"}` : "jdbc.url lacks sslMode=VERIFY_IDENTITY",
        `secrets in the shared pod template: ${mounts.map((m) => `${m.volume.secret.secretName} at ${m.mountPath}`).join(", ") || "none"}`,
      ]);
    }
    const passwordKeys = [...p.keys()].filter((k) => /password/i.test(k) && k !== "jdbc.password-file");
    check(passwordKeys.length === 0, `rule  ${where}: no password among the job options`, passwordKeys);
    check(!(p.get("parallelism") ?? "").trim(), `rule  ${where}: no parallelism option (spec.job.parallelism decides)`, [`parallelism=${p.get("parallelism")}`]);
    const pairs = [
      ["checkpoint.interval", "execution.checkpointing.interval", "duration"],
      ["checkpoint.timeout", "execution.checkpointing.timeout", "duration"],
      ["checkpoint.min-pause", "execution.checkpointing.min-pause", "duration"],
      ["restart.attempts", "restart-strategy.exponential-delay.attempts-before-reset-backoff", "int"],
      ["restart.initial-backoff", "restart-strategy.exponential-delay.initial-backoff", "duration"],
      ["restart.max-backoff", "restart-strategy.exponential-delay.max-backoff", "duration"],
      ["restart.backoff-multiplier", "restart-strategy.exponential-delay.backoff-multiplier", "number"],
      ["restart.reset-after", "restart-strategy.exponential-delay.reset-backoff-threshold", "duration"],
      ["restart.jitter", "restart-strategy.exponential-delay.jitter-factor", "number"],
    ];
    const mismatches = [];
    for (const [option, key, type] of pairs) {
      const a = type === "duration" ? durationMs(p.get(option)) : Number(p.get(option));
      const b = type === "duration" ? durationMs(conf[key]) : Number(conf[key]);
      if (!(Number.isFinite(a) && a === b)) mismatches.push(`${option}=${p.get(option)} vs ${key}: ${conf[key]}`);
    }
    if (conf["restart-strategy.type"] !== "exponential-delay") mismatches.push(`restart-strategy.type: ${conf["restart-strategy.type"]} (the job sets exponential-delay in code)`);
    check(/^[a-z0-9][a-z0-9-]{0,30}$/.test(p.get("job.id") ?? ""), `rule  ${where}: job.id is set ([a-z0-9][a-z0-9-]{0,30}); the job refuses to start without it`, [`job.id=${p.get("job.id")}`]);
    check(mismatches.length === 0, `rule  ${where} agrees with ${id} (checkpointing, restarts)`, mismatches);
    if (jobPropertiesOut) writeFileSync(jobPropertiesOut, properties.text);
  }
}
finish();

function finish() {
  console.log(`${results.passed} passed, ${results.failed} failed`);
  process.exit(results.failed === 0 ? 0 : 1);
}
