// The Kubernetes manifests (deploy/k8s): renders the base and every overlay
// with the kustomize subset in ./kustomize.mjs, validates every object against
// the Kubernetes OpenAPI schema (npm kubernetes-models), and checks that the
// manifests agree with the real server binary and with each other:
//   - every flag in the container's command line is a flag of newsmeta-server
//     (its --helpfull), and the binary accepts the command line together with
//     the environment the kubelet would give it (Docker-link variables of the
//     Services included, unless enableServiceLinks is false);
//   - the probes (native gRPC, all three) and the `grpc` port are --port, the
//     `metrics` port and the prometheus.io/port annotation are --metrics_port;
//   - preStop sleep + --drain_delay + --shutdown_grace + a margin fit in
//     terminationGracePeriodSeconds, and the startup probe allows a slow load;
//   - security context, resources, selectors, Services, PDB, HPA, volume and
//     ConfigMap references; where each rendering gets its seeds from (the
//     image, a ConfigMap under 1 MiB that updates in place, or a volume filled
//     by an init container and kept in sync by a sidecar) and that the seeds
//     folder is where the image's NEWSMETA_SEEDS says.
// A self-check breaks manifests on purpose and expects each check to say so.
// When a kustomize v5 is installed (kubectl kustomize), the renderer's output
// is also compared with it; without one that test is skipped.
//
// Run by ctest (Deploy.KubernetesManifests) as
// `node --test tests/deploy/k8s_manifests_test.mjs` with NEWSMETA_SERVER and
// NEWSMETA_SOURCE_DIR set. Needs `npm ci` in tools/ (tools/setup.sh).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

import {
  KustomizeError, configMapHash, idOf, parseYamlDocuments, podTemplateOf, render, requireTool,
  strategicMerge,
} from './kustomize.mjs';

const sourceDir =
  process.env.NEWSMETA_SOURCE_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = process.env.NEWSMETA_BUILD_DIR ?? path.join(sourceDir, 'build');
const serverBin = process.env.NEWSMETA_SERVER ?? path.join(buildDir, 'server', 'newsmeta-server');
const k8sDir = path.join(sourceDir, 'deploy', 'k8s');
const dockerfile = path.join(sourceDir, 'deploy', 'Dockerfile');

// What each rendering serves its seeds from; every overlay must be listed.
const SEED_SOURCES = {
  base: 'image',
  'overlays/configmap-seeds': 'configmap',
  'overlays/volume-seeds': 'volume',
};
const GRACE_MARGIN_S = 5; // for the process to exit and logs to flush
const MIN_STARTUP_S = 120; // startup probe budget for loading a big corpus
const CONFIGMAP_MAX_BYTES = 1024 * 1024; // the API server's limit on data
const POD_USER = 10001; // the image's user and group (deploy/Dockerfile)
// Where the seeds are when deploy/Dockerfile cannot be read.
const DEFAULT_IMAGE = {
  entrypoint: ['/usr/local/bin/newsmeta-server'],
  env: { NEWSMETA_SEEDS: '/srv/newsmeta/seeds' },
};

// ---- facts about the image and the binary ------------------------------------

// The ENTRYPOINT (exec form) and ENV of the last stage of deploy/Dockerfile.
function imageFacts() {
  if (!existsSync(dockerfile)) return DEFAULT_IMAGE;
  const lines = readFileSync(dockerfile, 'utf8').replace(/\\\n/g, ' ').split('\n')
    .map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const stage = lines.slice(lines.findLastIndex((line) => /^FROM\s/i.test(line)));
  const facts = { entrypoint: DEFAULT_IMAGE.entrypoint, env: {} };
  for (const line of stage) {
    const [, instruction, rest] = line.match(/^(\w+)\s+(.*)$/) ?? [];
    if (/^ENTRYPOINT$/i.test(instruction)) {
      try {
        facts.entrypoint = JSON.parse(rest);
      } catch {
        throw new Error(`deploy/Dockerfile: ENTRYPOINT is not in exec form: ${rest}`);
      }
    } else if (/^ENV$/i.test(instruction)) {
      const pairs = rest.match(/[A-Za-z_][A-Za-z0-9_]*=("[^"]*"|\S*)/g) ??
        [rest.replace(/\s+/, '=')]; // legacy `ENV KEY value`
      for (const pair of pairs) {
        const equals = pair.indexOf('=');
        facts.env[pair.slice(0, equals)] = pair.slice(equals + 1).replace(/^"(.*)"$/, '$1');
      }
    }
  }
  return facts;
}

function runServer(args, env) {
  return spawnSync(serverBin, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
}

// The flags newsmeta-server defines, from its --helpfull.
function serverFlags() {
  const result = runServer(['--helpfull'], {});
  const flags = new Set([...result.stdout.matchAll(/^\s+--([A-Za-z0-9_]+) \(/gm)].map((m) => m[1]));
  assert.ok(flags.has('port'),
    `${serverBin} --helpfull lists no --port:\n${result.stdout}${result.stderr}`);
  return flags;
}

let factsCache;
function facts() {
  factsCache ??= { image: imageFacts(), serverFlags: serverFlags() };
  return factsCache;
}

// ---- small parsers ------------------------------------------------------------

// absl::Duration syntax ("10s", "1m30s", "500ms", "0", "inf") in seconds.
function durationSeconds(text) {
  if (text === '0') return 0;
  if (text === 'inf') return Infinity;
  const units = { ns: 1e-9, us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };
  const parts = [...String(text).matchAll(/(\d+(?:\.\d*)?)(ns|us|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return NaN;
  return parts.reduce((sum, [, number, unit]) => sum + Number(number) * units[unit], 0);
}

// --name=value flags (last wins, as absl does); `--name` alone is "true".
function parseFlags(argv, problem) {
  const flags = new Map();
  for (const arg of argv) {
    const match = arg.match(/^--?([A-Za-z0-9_]+)(?:=(.*))?$/s);
    if (!match) {
      problem(`server command line: "${arg}" is not --flag=value`);
      continue;
    }
    flags.set(match[1], match[2] ?? 'true');
  }
  return flags;
}

function matchesSelector(selector, labels) {
  return Object.keys(selector ?? {}).length > 0 &&
    Object.entries(selector).every(([key, value]) => labels?.[key] === value);
}

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const PORT_NAME = /^(?=.*[a-z])[a-z0-9]([-a-z0-9]*[a-z0-9])?$/; // IANA_SVC_NAME

function schemaError(object) {
  const [group, version] = object.apiVersion.includes('/')
    ? object.apiVersion.split('/') : [undefined, object.apiVersion];
  let Model;
  try {
    const module = group ? `kubernetes-models/${group}/${version}/${object.kind}`
      : `kubernetes-models/${version}/${object.kind}`;
    Model = requireTool(module)[object.kind];
  } catch {
    return `no schema for ${object.apiVersion} ${object.kind}`;
  }
  try {
    new Model(structuredClone(object)).validate();
    return undefined;
  } catch (error) {
    return error.message;
  }
}

// The environment the kubelet gives a container: the Docker-link variables
// of every Service with a cluster IP in the namespace (unless
// enableServiceLinks is false), then envFrom, then env; over the image's ENV.
function serviceLinkEnv(objects, namespace) {
  const env = {};
  const ip = '10.96.0.10';
  for (const service of objects) {
    if (service.kind !== 'Service' || (service.metadata.namespace ?? '') !== namespace) continue;
    const ports = service.spec?.ports ?? [];
    if (service.spec?.clusterIP === 'None' || service.spec?.type === 'ExternalName' || !ports.length) {
      continue;
    }
    const prefix = service.metadata.name.toUpperCase().replace(/-/g, '_');
    env[`${prefix}_SERVICE_HOST`] = ip;
    env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const port of ports) {
      const protocol = port.protocol ?? 'TCP';
      if (port.name) {
        env[`${prefix}_SERVICE_PORT_${port.name.toUpperCase().replace(/-/g, '_')}`] = String(port.port);
      }
      const base = `${prefix}_PORT_${port.port}_${protocol}`;
      env[base] = `${protocol.toLowerCase()}://${ip}:${port.port}`;
      env[`${base}_PROTO`] = protocol.toLowerCase();
      env[`${base}_PORT`] = String(port.port);
      env[`${base}_ADDR`] = ip;
    }
    env[`${prefix}_PORT`] = `${(ports[0].protocol ?? 'TCP').toLowerCase()}://${ip}:${ports[0].port}`;
  }
  return env;
}

function containerEnv(container, spec, objects, namespace, imageEnv) {
  const configMap = (name) => objects.find((o) => o.kind === 'ConfigMap' &&
    o.metadata.name === name && (o.metadata.namespace ?? '') === namespace);
  const env = { ...imageEnv };
  if (spec.enableServiceLinks !== false) Object.assign(env, serviceLinkEnv(objects, namespace));
  for (const from of container.envFrom ?? []) {
    const data = configMap(from.configMapRef?.name)?.data ?? {};
    for (const [key, value] of Object.entries(data)) env[`${from.prefix ?? ''}${key}`] = value;
  }
  for (const variable of container.env ?? []) {
    if ('value' in variable) env[variable.name] = String(variable.value);
    const ref = variable.valueFrom?.configMapKeyRef;
    if (ref) env[variable.name] = configMap(ref.name)?.data?.[ref.key];
  }
  return env;
}

function preStopSeconds(preStop) {
  if (preStop?.sleep) return preStop.sleep.seconds;
  const command = preStop?.exec?.command ?? [];
  if (command.length === 2 && /(^|\/)sleep$/.test(command[0])) return durationSeconds(`${command[1]}s`);
  return undefined;
}

// ---- the checks ------------------------------------------------------------------

// Returns {problems: [sentences], seedSource}.
function checkRendering(objects, { image, serverFlags }) {
  const problems = [];
  const problem = (message) => problems.push(message);

  for (const object of objects) {
    const error = schemaError(object);
    if (error) problem(`${idOf(object)}: schema: ${error}`);
    if (!DNS_SUBDOMAIN.test(object.metadata?.name ?? '')) {
      problem(`${object.kind} name "${object.metadata?.name}" is not a DNS subdomain`);
    }
  }
  const ids = objects.map(idOf);
  if (new Set(ids).size !== ids.length) problem('an object is rendered twice');

  const deployments = objects.filter((o) => o.kind === 'Deployment');
  if (deployments.length !== 1) {
    problem(`expected one Deployment, found ${deployments.length}`);
    return { problems };
  }
  const deployment = deployments[0];
  const namespace = deployment.metadata.namespace ?? '';
  const template = podTemplateOf(deployment);
  const spec = template.spec;
  const podLabels = template.metadata?.labels ?? {};
  const server = spec.containers?.find((c) => c.name === 'server');
  if (!server) {
    problem('the Deployment has no container "server"');
    return { problems };
  }
  const allContainers = [...(spec.initContainers ?? []), ...spec.containers];

  // The command line: the image's ENTRYPOINT (or `command`) and `args`.
  const entrypoint = server.command ?? image.entrypoint;
  if (!/(^|\/)newsmeta-server$/.test(entrypoint[0] ?? '')) {
    problem(`the server container runs ${entrypoint[0]}, not newsmeta-server`);
  }
  const argv = [...entrypoint.slice(1), ...(server.args ?? [])];
  const flags = parseFlags(argv, problem);
  const unknown = [...flags.keys()].filter((name) => !serverFlags.has(name) &&
    !(name.startsWith('no') && serverFlags.has(name.slice(2))));
  for (const name of unknown) {
    problem(`server args: --${name} is not a flag of ${path.basename(serverBin)} (see its --helpfull)`);
  }
  const need = (name) => {
    if (!flags.has(name)) problem(`server args: --${name} must be set explicitly`);
    return flags.get(name);
  };
  const port = Number(need('port'));
  const metricsPort = Number(need('metrics_port'));
  const drainDelay = durationSeconds(need('drain_delay') ?? '');
  const shutdownGrace = durationSeconds(need('shutdown_grace') ?? '');

  // The environment the server would start with, and whether it starts.
  const env = containerEnv(server, spec, objects, namespace, image.env);
  const knownArgv = argv.filter((arg) => !unknown.some((name) => arg.startsWith(`--${name}`)));
  // With --helpfull the server parses its environment and command line, then
  // prints its flags instead of starting; an illegal value (absl prints the
  // listing anyway) or a bad NEWSMETA_* variable is an error on stderr.
  const run = runServer([...knownArgv, '--helpfull'], env);
  if (!/^\s+--port \(/m.test(run.stdout ?? '') || /error/i.test(run.stderr ?? '')) {
    const links = spec.enableServiceLinks === false ? '' : ' (with enableServiceLinks, the ' +
      'Services put NEWSMETA_<NAME>_PORT=tcp://... variables into the environment)';
    problem(`newsmeta-server refuses the container's command line and environment${links}: ` +
      `${(run.stderr || run.stdout || String(run.error)).trim().split('\n').find((l) => /error/i.test(l)) ?? run.stderr}`);
  }

  // Ports and probes.
  const containerPorts = new Map((server.ports ?? []).map((p) => [p.name, p.containerPort]));
  for (const p of server.ports ?? []) {
    if (!PORT_NAME.test(p.name ?? '') || p.name.length > 15) problem(`port name "${p.name}"`);
  }
  if (containerPorts.get('grpc') !== port) {
    problem(`container port "grpc" is ${containerPorts.get('grpc')}, but --port is ${port}`);
  }
  if (containerPorts.get('metrics') !== metricsPort) {
    problem(`container port "metrics" is ${containerPorts.get('metrics')}, but --metrics_port is ${metricsPort}`);
  }
  for (const kind of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
    const probe = server[kind];
    if (!probe) {
      problem(`the server has no ${kind}`);
    } else if (!probe.grpc) {
      problem(`${kind} is not a native gRPC probe`);
    } else if (probe.grpc.port !== port) {
      problem(`${kind} checks port ${probe.grpc.port}, but --port is ${port}`);
    }
  }
  const startup = server.startupProbe ?? {};
  const startupBudget = (startup.failureThreshold ?? 3) * (startup.periodSeconds ?? 10);
  if (startupBudget < MIN_STARTUP_S) {
    problem(`startupProbe gives up after ${startupBudget}s; loading a big corpus needs ${MIN_STARTUP_S}s`);
  }
  const annotations = template.metadata?.annotations ?? {};
  if (annotations['prometheus.io/scrape'] !== 'true') problem('prometheus.io/scrape is not "true"');
  if (annotations['prometheus.io/port'] !== String(metricsPort)) {
    problem(`prometheus.io/port is ${annotations['prometheus.io/port']}, but --metrics_port is ${metricsPort}`);
  }
  if ((annotations['prometheus.io/path'] ?? '/metrics') !== '/metrics') {
    problem(`prometheus.io/path is ${annotations['prometheus.io/path']}, the server serves /metrics`);
  }

  // Shutdown: preStop, then SIGTERM, drain and grace, within the grace period.
  const preStop = preStopSeconds(server.lifecycle?.preStop);
  const period = spec.terminationGracePeriodSeconds ?? 30;
  if (preStop === undefined) {
    problem('the server has no preStop sleep (exec sleep N, or the native sleep action)');
  } else {
    const total = preStop + drainDelay + shutdownGrace + GRACE_MARGIN_S;
    if (!(total <= period)) {
      problem(`preStop ${preStop}s + --drain_delay ${drainDelay}s + --shutdown_grace ` +
        `${shutdownGrace}s + margin ${GRACE_MARGIN_S}s = ${total}s exceeds ` +
        `terminationGracePeriodSeconds ${period}`);
    }
  }

  // Security and resources.
  const podSecurity = spec.securityContext ?? {};
  if (podSecurity.runAsNonRoot !== true) problem('pod: runAsNonRoot is not true');
  if (podSecurity.runAsUser !== POD_USER) problem(`pod: runAsUser is not ${POD_USER}`);
  if (podSecurity.runAsGroup !== POD_USER) problem(`pod: runAsGroup is not ${POD_USER}`);
  if (podSecurity.fsGroup !== POD_USER) problem(`pod: fsGroup is not ${POD_USER}`);
  if (podSecurity.seccompProfile?.type !== 'RuntimeDefault') problem('pod: seccompProfile is not RuntimeDefault');
  if (spec.automountServiceAccountToken !== false) problem('pod: the service account token is mounted');
  for (const container of allContainers) {
    const security = container.securityContext ?? {};
    const at = `container ${container.name}`;
    if (security.allowPrivilegeEscalation !== false) problem(`${at}: allowPrivilegeEscalation is not false`);
    if (security.readOnlyRootFilesystem !== true) problem(`${at}: readOnlyRootFilesystem is not true`);
    if (!security.capabilities?.drop?.includes('ALL')) problem(`${at}: capabilities do not drop ALL`);
    if (security.privileged || security.capabilities?.add?.length) problem(`${at}: privileged or adds capabilities`);
    if (security.runAsUser === 0 || security.runAsNonRoot === false) problem(`${at}: runs as root`);
    const { requests = {}, limits = {} } = container.resources ?? {};
    if (!requests.cpu || !requests.memory || !limits.memory) {
      problem(`${at}: needs resources.requests cpu and memory and limits.memory`);
    }
  }

  // Selectors, spreading, Services, PDB, HPA.
  if (!matchesSelector(deployment.spec.selector?.matchLabels, podLabels)) {
    problem('the Deployment selector does not match its pod labels');
  }
  const spread = spec.topologySpreadConstraints ?? [];
  const byNode = spread.find((c) => c.topologyKey === 'kubernetes.io/hostname');
  if (!byNode) problem('no topologySpreadConstraint over kubernetes.io/hostname');
  for (const constraint of spread) {
    if (!matchesSelector(constraint.labelSelector?.matchLabels, podLabels)) {
      problem(`topologySpreadConstraint ${constraint.topologyKey} does not select the pods`);
    }
  }
  const services = objects.filter((o) => o.kind === 'Service');
  if (!services.some((s) => s.spec.clusterIP !== 'None' && (s.spec.type ?? 'ClusterIP') === 'ClusterIP')) {
    problem('no ClusterIP Service');
  }
  if (!services.some((s) => s.spec.clusterIP === 'None')) problem('no headless Service (clusterIP: None)');
  for (const service of services) {
    const at = `Service ${service.metadata.name}`;
    if (!matchesSelector(service.spec.selector, podLabels)) problem(`${at}: selector does not match the pods`);
    for (const p of service.spec.ports ?? []) {
      const target = p.targetPort ?? p.port;
      const resolved = typeof target === 'string' ? containerPorts.get(target) : target;
      if (![...containerPorts.values()].includes(resolved)) {
        problem(`${at}: port ${p.name ?? p.port} targets ${target}, which the server does not expose`);
      }
      if (p.name === 'grpc' && resolved !== port) problem(`${at}: port grpc targets ${resolved}, not --port ${port}`);
    }
  }
  const pdbs = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  if (pdbs.length !== 1) problem('expected one PodDisruptionBudget');
  for (const pdb of pdbs) {
    if (!matchesSelector(pdb.spec.selector?.matchLabels, podLabels)) problem('the PDB does not select the pods');
    if (pdb.spec.maxUnavailable === undefined && pdb.spec.minAvailable === undefined) {
      problem('the PDB sets neither maxUnavailable nor minAvailable');
    }
  }
  const hpas = objects.filter((o) => o.kind === 'HorizontalPodAutoscaler');
  if (hpas.length !== 1) problem('expected one HorizontalPodAutoscaler');
  for (const hpa of hpas) {
    const target = hpa.spec.scaleTargetRef;
    if (target.kind !== 'Deployment' || target.name !== deployment.metadata.name) {
      problem('the HPA does not scale the Deployment');
    }
    if (!hpa.spec.metrics?.some((m) => m.resource?.name === 'cpu')) problem('the HPA does not scale on CPU');
    if ((hpa.spec.minReplicas ?? 1) < 2) problem('the HPA may scale down to one replica');
  }

  // References: service account, volumes, ConfigMaps.
  const has = (kind, name) => objects.some((o) => o.kind === kind && o.metadata.name === name &&
    (o.metadata.namespace ?? '') === namespace);
  if (spec.serviceAccountName && !has('ServiceAccount', spec.serviceAccountName)) {
    problem(`ServiceAccount ${spec.serviceAccountName} is not rendered`);
  }
  const volumes = new Map((spec.volumes ?? []).map((v) => [v.name, v]));
  for (const container of allContainers) {
    for (const mount of container.volumeMounts ?? []) {
      if (!volumes.has(mount.name)) problem(`container ${container.name} mounts unknown volume ${mount.name}`);
    }
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef && !from.configMapRef.optional && !has('ConfigMap', from.configMapRef.name)) {
        problem(`container ${container.name}: envFrom ConfigMap ${from.configMapRef.name} is not rendered`);
      }
    }
  }
  for (const volume of volumes.values()) {
    if (volume.configMap && !volume.configMap.optional && !has('ConfigMap', volume.configMap.name)) {
      problem(`volume ${volume.name}: ConfigMap ${volume.configMap.name} is not rendered`);
    }
  }

  // The seeds: from the image, a ConfigMap or a synced volume.
  const seedsDir = path.posix.normalize(flags.get('seeds') ?? env.NEWSMETA_SEEDS ?? '');
  if (!path.posix.isAbsolute(seedsDir)) problem(`the seeds folder "${seedsDir}" is not an absolute path`);
  const seedsMount = (server.volumeMounts ?? []).find((m) => path.posix.normalize(m.mountPath) === seedsDir);
  let seedSource = 'image';
  if (seedsMount) {
    const volume = volumes.get(seedsMount.name) ?? {};
    if (seedsMount.readOnly !== true) problem('the server mounts the seeds read-write');
    if (seedsMount.subPath || seedsMount.subPathExpr) problem('the seeds are mounted with subPath (never updated)');
    if (volume.configMap) {
      seedSource = 'configmap';
      const configMap = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.name === volume.configMap.name);
      const data = configMap?.data ?? {};
      const bytes = Object.entries(data).reduce(
        (sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
      if (bytes > CONFIGMAP_MAX_BYTES) {
        problem(`ConfigMap ${volume.configMap.name} holds ${bytes} bytes, more than 1 MiB`);
      }
      if (Object.keys(data).length === 0) problem(`ConfigMap ${volume.configMap.name} has no seeds`);
      if (configMap && configMap.metadata.name.endsWith(`-${configMapHash(data)}`)) {
        problem(`ConfigMap ${configMap.metadata.name} has a hash suffix: a change would roll the ` +
          'pods instead of updating the mounted files (disableNameSuffixHash)');
      }
    } else if (volume.emptyDir || volume.persistentVolumeClaim || volume.ephemeral) {
      seedSource = 'volume';
      const writers = (list) => (list ?? []).filter((c) => c !== server &&
        (c.volumeMounts ?? []).some((m) => m.name === seedsMount.name && m.readOnly !== true));
      const fillers = writers(spec.initContainers);
      const syncers = writers(spec.containers);
      if (fillers.length === 0) problem('no init container fills the seeds volume before the server starts');
      if (syncers.length === 0) problem('no sidecar keeps the seeds volume in sync');
      for (const container of [...fillers, ...syncers]) {
        if (!/\/git-sync:v4\./.test(container.image ?? '')) continue;
        const gitEnv = containerEnv(container, { enableServiceLinks: false }, objects, namespace, {});
        const mount = container.volumeMounts.find((m) => m.name === seedsMount.name);
        const at = `container ${container.name}`;
        if (path.posix.normalize(gitEnv.GITSYNC_ROOT ?? '/git') !== path.posix.normalize(mount.mountPath)) {
          problem(`${at}: GITSYNC_ROOT ${gitEnv.GITSYNC_ROOT} is not where the seeds volume is (${mount.mountPath})`);
        }
        if (!gitEnv.GITSYNC_REPO) problem(`${at}: no GITSYNC_REPO`);
        if (!gitEnv.GITSYNC_LINK || gitEnv.GITSYNC_LINK.startsWith('.') || gitEnv.GITSYNC_LINK.includes('/')) {
          problem(`${at}: GITSYNC_LINK must name a visible entry of the root (the server skips hidden ones)`);
        }
        const oneTime = gitEnv.GITSYNC_ONE_TIME === 'true';
        if (fillers.includes(container) !== oneTime) {
          problem(`${at}: GITSYNC_ONE_TIME must be true in the init container and only there`);
        }
        if (!(container.volumeMounts ?? []).some((m) => m.mountPath === '/tmp')) {
          problem(`${at}: git-sync needs a writable HOME (/tmp) with a read-only root filesystem`);
        }
      }
    } else {
      problem(`the seeds volume ${seedsMount.name} is of a kind this test does not know`);
    }
  }
  return { problems, seedSource };
}

// ---- the tests ---------------------------------------------------------------------

function kustomizations() {
  const overlays = readdirSync(path.join(k8sDir, 'overlays'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory()).map((entry) => `overlays/${entry.name}`);
  return ['base', ...overlays.sort()];
}

test('every overlay is listed with where it gets its seeds', () => {
  assert.deepEqual(kustomizations().sort(), Object.keys(SEED_SOURCES).sort());
});

for (const name of kustomizations()) {
  test(`${name}: renders, validates against the Kubernetes schema and agrees with the server`, () => {
    const objects = render(path.join(k8sDir, name));
    const kinds = objects.map((o) => o.kind);
    for (const kind of ['Deployment', 'Service', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']) {
      assert.ok(kinds.includes(kind), `${name} renders no ${kind}`);
    }
    const { problems, seedSource } = checkRendering(objects, facts());
    assert.deepEqual(problems, [], `${name}:\n  ${problems.join('\n  ')}`);
    assert.equal(seedSource, SEED_SOURCES[name], `${name} serves its seeds from ${seedSource}`);
  });
}

// ---- the self-check: the checks fail when they should ------------------------------

function brokenResult(name, mutate) {
  const objects = render(path.join(k8sDir, name));
  const template = objects.find((o) => o.kind === 'Deployment').spec.template;
  const server = template.spec.containers.find((c) => c.name === 'server');
  mutate(objects, template.spec, server, template);
  return checkRendering(objects, facts());
}

function broken(mutate, name = 'base') {
  return brokenResult(name, mutate).problems.join('\n');
}

test('the checks reject broken manifests', () => {
  assert.match(broken((o, spec, server) => { server.ports[0].containerPort = '50051'; }),
    /schema: .*containerPort must be integer/);
  assert.match(broken((o, spec, server) => { server.readinessProbe.grpc.port = 50052; }),
    /readinessProbe checks port 50052, but --port is 50051/);
  assert.match(broken((o, spec, server) => { server.args.push('--port=50052'); }),
    /container port "grpc" is 50051, but --port is 50052/);
  assert.match(broken((o, spec, server, template) => {
    template.metadata.annotations['prometheus.io/port'] = '9091';
  }), /prometheus.io\/port is 9091, but --metrics_port is 9090/);
  assert.match(broken((o, spec) => { spec.terminationGracePeriodSeconds = 15; }),
    /exceeds terminationGracePeriodSeconds 15/);
  assert.match(broken((o, spec, server) => { server.args.push('--no_such_flag=1'); }),
    /--no_such_flag is not a flag/);
  assert.match(broken((o, spec, server) => { server.args.push('--drain_delay=five'); }),
    /refuses the container's command line/);
  assert.match(broken((o, spec) => { delete spec.enableServiceLinks; }),
    /refuses the container's command line and environment \(with enableServiceLinks/);
  assert.match(broken((o, spec, server) => { server.securityContext.capabilities.drop = []; }),
    /container server: capabilities do not drop ALL/);
  assert.match(broken((o) => { o.find((x) => x.kind === 'Service').spec.selector.extra = 'x'; }),
    /Service newsmeta: selector does not match/);
  const badSeeds = broken((o, spec, server) => {
    server.volumeMounts.push({ name: 'seeds', mountPath: '/srv/newsmeta/seeds', subPath: 'x' });
    spec.volumes.push({ name: 'seeds', configMap: { name: 'missing' } });
  });
  assert.match(badSeeds, /volume seeds: ConfigMap missing is not rendered/);
  assert.match(badSeeds, /the server mounts the seeds read-write/);
  assert.match(badSeeds, /mounted with subPath/);

  const configMapOverlay = 'overlays/configmap-seeds';
  const seedsConfigMap = (o) => o.find((x) => x.kind === 'ConfigMap' && x.metadata.name === 'newsmeta-seeds');
  assert.match(broken((o) => { seedsConfigMap(o).data['big.txt'] = 'x'.repeat(CONFIGMAP_MAX_BYTES); },
    configMapOverlay), /holds \d+ bytes, more than 1 MiB/);
  assert.match(broken((o, spec) => {
    const data = seedsConfigMap(o).data;
    seedsConfigMap(o).metadata.name = spec.volumes.find((v) => v.configMap).configMap.name =
      `newsmeta-seeds-${configMapHash(data)}`;
  }, configMapOverlay), /has a hash suffix/);
  // Mounted beside the seeds folder: the server would serve the image's seeds.
  assert.equal(brokenResult(configMapOverlay, (o, spec, server) => {
    server.volumeMounts.find((m) => m.name === 'seeds').mountPath = '/srv/newsmeta/seed';
  }).seedSource, 'image');

  const volumeOverlay = 'overlays/volume-seeds';
  assert.match(broken((o, spec) => { spec.initContainers = []; }, volumeOverlay),
    /no init container fills the seeds volume/);
  assert.match(broken((o, spec) => {
    spec.containers.find((c) => c.name === 'git-sync').env.push({ name: 'GITSYNC_ONE_TIME', value: 'true' });
  }, volumeOverlay), /container git-sync: GITSYNC_ONE_TIME must be true in the init container and only there/);
  assert.match(broken((o, spec) => {
    spec.containers.find((c) => c.name === 'git-sync').volumeMounts[0].mountPath = '/data';
  }, volumeOverlay), /container git-sync: GITSYNC_ROOT \/git is not where the seeds volume is \(\/data\)/);
});

test('the durations and the kubelet environment are computed as the server and kubelet do', () => {
  assert.equal(durationSeconds('5s'), 5);
  assert.equal(durationSeconds('1m30s'), 90);
  assert.equal(durationSeconds('250ms'), 0.25);
  assert.ok(Number.isNaN(durationSeconds('5')));
  const env = serviceLinkEnv([{ kind: 'Service', metadata: { name: 'news-meta', namespace: 'n' },
    spec: { ports: [{ name: 'grpc', port: 50051 }] } }], 'n');
  assert.equal(env.NEWS_META_PORT, 'tcp://10.96.0.10:50051');
  assert.equal(env.NEWS_META_SERVICE_PORT_GRPC, '50051');
  assert.equal(env.NEWS_META_PORT_50051_TCP_ADDR, '10.96.0.10');
});

// ---- the renderer itself ---------------------------------------------------------

function withKustomization(files, body) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'newsmeta-k8s-test-'));
  try {
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      writeFileSync(path.join(dir, name), text);
    }
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('the renderer matches known kustomize v5 output and refuses what it does not support', () => {
  // Hash suffixes as kustomize v5.5 printed them for these ConfigMaps.
  assert.equal(configMapHash({ a: 'b' }), '4h2mbtbbt6');
  assert.equal(configMapHash({ 'f.txt': 'line <1> & "q"\n\ttab é\n' }), 'b4h7ktd5gg');
  // Strategic merge: the patch's order first, then what only the base has.
  const merged = strategicMerge(
    { spec: { containers: [{ name: 'a', args: ['x'], env: [{ name: 'A', value: '1' }] }, { name: 'b' }] } },
    { spec: { containers: [{ name: 'c' }, { name: 'a', args: ['z'], env: [{ name: 'B', value: '2' }] }] } });
  assert.deepEqual(merged.spec.containers, [
    { name: 'c' },
    { name: 'a', args: ['z'], env: [{ name: 'B', value: '2' }, { name: 'A', value: '1' }] },
    { name: 'b' },
  ]);
  // YAML 1.1, as kubectl reads it.
  assert.deepEqual(parseYamlDocuments('mode: 0444\nflag: yes\n', 't'), [{ mode: 0o444, flag: true }]);

  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n';
  const refuses = (files, pattern) => withKustomization(files, (dir) =>
    assert.throws(() => render(dir), (error) => error instanceof KustomizeError && pattern.test(error.message)));
  refuses({ 'kustomization.yaml': 'resources: [c.yaml]\nreplicas: []\n', 'c.yaml': cm },
    /field "replicas" is not supported/);
  refuses({ 'kustomization.yaml': 'resources: [c.yaml]\npatches: [{path: p.yaml}]\n', 'c.yaml': cm,
    'p.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n' }, /matches 0 objects/);
  refuses({ 'kustomization.yaml': 'resources: [c.yaml]\npatches: [{path: p.yaml, target: {kind: X}}]\n',
    'c.yaml': cm, 'p.yaml': '' }, /patch field "target" is not supported/);
  refuses({ 'kustomization.yaml': 'resources: [../outside.yaml]\n' }, /outside the kustomization folder/);
  refuses({ 'kustomization.yaml': 'resources: [r.yaml]\n',
    'r.yaml': 'apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: r}\n' },
  /not a kind this renderer supports/);

  // A generated ConfigMap gets its suffix and the references follow it.
  withKustomization({
    'kustomization.yaml': 'namespace: ns\nresources: [d.yaml]\nconfigMapGenerator:\n' +
      '  - {name: cfg, literals: [a=b]}\n',
    'd.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n' +
      '    spec:\n      containers: [{name: c, image: i, envFrom: [{configMapRef: {name: cfg}}]}]\n' +
      '      volumes: [{name: v, configMap: {name: cfg}}]\n',
  }, (dir) => {
    const objects = render(dir);
    const spec = objects.find((o) => o.kind === 'Deployment').spec.template.spec;
    assert.equal(objects.find((o) => o.kind === 'ConfigMap').metadata.name, 'cfg-4h2mbtbbt6');
    assert.equal(spec.volumes[0].configMap.name, 'cfg-4h2mbtbbt6');
    assert.equal(spec.containers[0].envFrom[0].configMapRef.name, 'cfg-4h2mbtbbt6');
    assert.ok(objects.every((o) => o.metadata.namespace === 'ns'));
  });
});

// ---- against a real kustomize, where there is one ------------------------------------

function realKustomize() {
  const version = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8', timeout: 30_000 });
  return version.status === 0 && /Kustomize Version: v5\./.test(version.stdout) ? 'kubectl' : undefined;
}

test('the renderer agrees with kustomize v5 (kubectl kustomize), where one is installed', (t) => {
  const kubectl = realKustomize();
  if (!kubectl) {
    t.skip('no kubectl with kustomize v5 here; the renderer was checked against kustomize v5.5');
    return;
  }
  for (const name of kustomizations()) {
    const dir = path.join(k8sDir, name);
    const result = spawnSync(kubectl, ['kustomize', dir], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(result.status, 0, `kubectl kustomize ${name}: ${result.stderr}`);
    const theirs = new Map(parseYamlDocuments(result.stdout, name).map((o) => [idOf(o), o]));
    const ours = new Map(render(dir).map((o) => [idOf(o), o]));
    assert.deepEqual([...ours.keys()].sort(), [...theirs.keys()].sort(), `${name}: the objects differ`);
    for (const [id, object] of ours) assert.deepStrictEqual(object, theirs.get(id), `${name}: ${id}`);
  }
});
