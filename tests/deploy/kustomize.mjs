// A small, strict renderer for the part of kustomize that deploy/k8s uses, so
// that `make test` can render the manifests on a machine with nothing but
// Debian packages and npm (Debian's kubectl is 1.20, whose built-in kustomize
// v2 lacks `labels` and `patches`; npm has no kustomize).
//
// Supported, with kustomize's semantics:
//   resources       YAML files inside the kustomization's folder, and folders
//                   holding a kustomization (bases, e.g. ../../base)
//   configMapGenerator  name, files ("key=path" or "path"), literals ("K=V"),
//                   options.disableNameSuffixHash, options.labels,
//                   options.annotations; the name hash suffix is kustomize's
//                   own (verified against kustomize v5 in the test), and
//                   references from pod specs follow the renamed ConfigMap
//   patches         strategic-merge patches (`path` or inline `patch`) that
//                   name their target by apiVersion/kind/metadata.name
//   namespace       on every namespaced object (and Namespace objects' names)
//   labels          pairs, includeTemplates (includeSelectors: false only)
//   images          name, newName, newTag, digest
// Transformers run in kustomize's order (patches, namespace, labels, images).
// Anything else -- another field, a patch `target`, JSON 6902 patches, a
// `$patch` directive, a kind outside KINDS -- is an error rather than being
// silently ignored: extend this file (and its checks in
// k8s_manifests_test.mjs) when the manifests need more.
//
// YAML is read as YAML 1.1, as kubectl reads manifests (0444 is octal, `yes`
// is a boolean).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const sourceDir = process.env.NEWSMETA_SOURCE_DIR ?? path.resolve(here, '..', '..');
// The npm tools (tools/package.json) live in tools/node_modules.
export const requireTool = createRequire(path.join(sourceDir, 'tools', 'package.json'));
const YAML = requireTool('yaml');

export class KustomizeError extends Error {}

function fail(where, message) {
  throw new KustomizeError(`${where}: ${message}`);
}

// The kinds this renderer knows how to transform; `namespaced` says whether
// the namespace transformer applies, `podSpec` where the pod template is.
export const KINDS = {
  'v1/Namespace': { namespaced: false },
  'v1/ServiceAccount': { namespaced: true },
  'v1/ConfigMap': { namespaced: true },
  'v1/Service': { namespaced: true },
  'v1/PersistentVolumeClaim': { namespaced: true },
  'apps/v1/Deployment': { namespaced: true, template: ['spec', 'template'] },
  'policy/v1/PodDisruptionBudget': { namespaced: true },
  'autoscaling/v2/HorizontalPodAutoscaler': { namespaced: true },
};

const KUSTOMIZATION_FIELDS = new Set([
  'apiVersion', 'kind', 'namespace', 'resources', 'configMapGenerator', 'patches', 'labels',
  'images',
]);

export function parseYamlDocuments(text, where) {
  const documents = YAML.parseAllDocuments(text, { version: '1.1', uniqueKeys: true });
  const values = [];
  for (const document of documents) {
    if (document.errors.length > 0) fail(where, `invalid YAML: ${document.errors[0].message}`);
    const value = document.toJS({ maxAliasCount: -1 });
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function isMap(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function clone(value) {
  return structuredClone(value);
}

export function idOf(object) {
  const namespace = object.metadata?.namespace ?? '';
  return `${object.apiVersion}/${object.kind}/${namespace}/${object.metadata?.name}`;
}

function kindInfo(object, where) {
  const info = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!info) {
    fail(where, `${object.apiVersion} ${object.kind} is not a kind this renderer supports ` +
      `(tests/deploy/kustomize.mjs KINDS)`);
  }
  return info;
}

// The pod template of a workload, or undefined.
export function podTemplateOf(object) {
  const info = KINDS[`${object.apiVersion}/${object.kind}`];
  if (!info?.template) return undefined;
  let node = object;
  for (const key of info.template) node = node?.[key];
  return node;
}

function allContainers(podSpec) {
  return [...(podSpec?.initContainers ?? []), ...(podSpec?.containers ?? [])];
}

// Path `relative` inside the kustomization folder `dir`, like kustomize's
// default load restrictor (files outside the folder are refused).
function insideFolder(dir, relative, where) {
  if (path.isAbsolute(relative) || /^[a-z]+:\/\//.test(relative)) {
    fail(where, `"${relative}": only relative paths are supported`);
  }
  const full = path.resolve(dir, relative);
  const rel = path.relative(dir, full);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    fail(where, `"${relative}" is outside the kustomization folder`);
  }
  if (!existsSync(full)) fail(where, `"${relative}" does not exist`);
  return full;
}

function readUtf8(file, where) {
  const bytes = readFileSync(file);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fail(where, `${file} is not UTF-8 (binaryData is not supported)`);
  }
}

// ---- strategic merge patch ------------------------------------------------

// Lists merged by a key (the Kubernetes API's patchMergeKey) instead of being
// replaced. `ports` is containerPort in a container, port in a Service.
const MERGE_KEYS = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  env: 'name',
  imagePullSecrets: 'name',
  topologySpreadConstraints: 'topologyKey',
  ports: (items) => (items.some((item) => isMap(item) && 'containerPort' in item)
    ? 'containerPort' : 'port'),
};

function mergeList(field, base, patch, where) {
  let key = MERGE_KEYS[field];
  if (typeof key === 'function') key = key([...base, ...patch]);
  if (!key || !patch.every(isMap) || !base.every(isMap)) return clone(patch);
  for (const item of [...base, ...patch]) {
    if (!(key in item)) fail(where, `an item of "${field}" has no "${key}"`);
  }
  // kustomize (kyaml) keeps the patch's order, merging each item into its
  // namesake, then appends the items only the base has.
  const result = [];
  const used = new Set();
  for (const item of patch) {
    const index = base.findIndex((candidate) => candidate[key] === item[key]);
    if (index >= 0) {
      used.add(index);
      result.push(mergeMaps(base[index], item, `${where}.${field}[${item[key]}]`));
    } else {
      result.push(clone(item));
    }
  }
  base.forEach((item, index) => {
    if (!used.has(index)) result.push(clone(item));
  });
  return result;
}

function mergeMaps(base, patch, where) {
  const result = clone(base);
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) fail(where, `patch directive "${key}" is not supported`);
    if (value === null) {
      delete result[key];
    } else if (isMap(value) && isMap(result[key])) {
      result[key] = mergeMaps(result[key], value, `${where}.${key}`);
    } else if (Array.isArray(value) && Array.isArray(result[key])) {
      result[key] = mergeList(key, result[key], value, `${where}.${key}`);
    } else {
      result[key] = clone(value);
    }
  }
  return result;
}

export function strategicMerge(base, patch, where = 'patch') {
  return mergeMaps(base, patch, where);
}

// ---- configMapGenerator and the name hash ----------------------------------

// Go's encoding/json escapes these where JavaScript's JSON.stringify does not.
function goJson(value) {
  const sorted = (node) => {
    if (Array.isArray(node)) return node.map(sorted);
    if (!isMap(node)) return node;
    return Object.fromEntries(Object.keys(node).sort().map((key) => [key, sorted(node[key])]));
  };
  return JSON.stringify(sorted(value))
    .replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

// kustomize's ConfigMap name suffix (api/hasher): SHA-256 of the JSON of
// {data, kind, name}, first 10 hex digits, with 0 1 3 a e spelled g h k m t.
// The name is always "": kustomize v5 looks it up as the single field
// "metadata/name", which no ConfigMap has (so the suffix depends on the data
// alone; the test checks this against known kustomize output).
export function configMapHash(data) {
  const hex = createHash('sha256')
    .update(goJson({ kind: 'ConfigMap', name: '', data })).digest('hex');
  const swap = { 0: 'g', 1: 'h', 3: 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

const GENERATOR_FIELDS = new Set(['name', 'files', 'literals', 'options', 'behavior']);
const GENERATOR_OPTIONS = new Set(['disableNameSuffixHash', 'labels', 'annotations']);

function generateConfigMap(dir, generator, where) {
  for (const key of Object.keys(generator)) {
    if (!GENERATOR_FIELDS.has(key)) fail(where, `configMapGenerator field "${key}" is not supported`);
  }
  if (generator.behavior !== undefined && generator.behavior !== 'create') {
    fail(where, `configMapGenerator behavior "${generator.behavior}" is not supported`);
  }
  const options = generator.options ?? {};
  for (const key of Object.keys(options)) {
    if (!GENERATOR_OPTIONS.has(key)) fail(where, `configMapGenerator option "${key}" is not supported`);
  }
  if (typeof generator.name !== 'string' || generator.name === '') fail(where, 'a generator needs a name');
  const data = {};
  const put = (key, value) => {
    if (key in data) fail(where, `ConfigMap ${generator.name}: key "${key}" twice`);
    if (!/^[-._a-zA-Z0-9]+$/.test(key)) fail(where, `ConfigMap ${generator.name}: bad key "${key}"`);
    data[key] = value;
  };
  for (const source of generator.files ?? []) {
    const [key, file] = source.includes('=') ? source.split(/=(.*)/s, 2) : [path.basename(source), source];
    put(key, readUtf8(insideFolder(dir, file, where), where));
  }
  for (const literal of generator.literals ?? []) {
    const equals = literal.indexOf('=');
    if (equals <= 0) fail(where, `literal "${literal}" is not KEY=VALUE`);
    const value = literal.slice(equals + 1);
    if (/^(['"]).*\1$/s.test(value)) fail(where, `quoted literal "${literal}" is not supported`);
    put(literal.slice(0, equals), value);
  }
  const metadata = { name: generator.name };
  if (options.labels) metadata.labels = clone(options.labels);
  if (options.annotations) metadata.annotations = clone(options.annotations);
  const object = { apiVersion: 'v1', kind: 'ConfigMap', metadata, data };
  return { object, hash: options.disableNameSuffixHash !== true };
}

// ---- transformers ------------------------------------------------------------

function applyNamespace(objects, namespace, where) {
  for (const object of objects) {
    if (kindInfo(object, where).namespaced) {
      object.metadata.namespace = namespace;
    } else if (object.kind === 'Namespace') {
      object.metadata.name = namespace; // as kustomize does
    }
  }
}

const LABEL_FIELDS = new Set(['pairs', 'includeSelectors', 'includeTemplates']);

function applyLabels(objects, entries, where) {
  for (const entry of entries) {
    for (const key of Object.keys(entry)) {
      if (!LABEL_FIELDS.has(key)) fail(where, `labels field "${key}" is not supported`);
    }
    if (entry.includeSelectors) fail(where, 'labels with includeSelectors are not supported');
    for (const object of objects) {
      object.metadata.labels = { ...object.metadata.labels, ...entry.pairs };
      const template = podTemplateOf(object);
      if (entry.includeTemplates && template) {
        template.metadata ??= {};
        template.metadata.labels = { ...template.metadata.labels, ...entry.pairs };
      }
    }
  }
}

const IMAGE_FIELDS = new Set(['name', 'newName', 'newTag', 'digest']);

// "registry:5000/a/b:tag@sha256:..." -> {name, tag, digest}
export function splitImage(image) {
  let rest = image;
  let digest;
  let tag;
  const at = rest.indexOf('@');
  if (at >= 0) [rest, digest] = [rest.slice(0, at), rest.slice(at + 1)];
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) [rest, tag] = [rest.slice(0, colon), rest.slice(colon + 1)];
  return { name: rest, tag, digest };
}

function applyImages(objects, images, where) {
  for (const image of images) {
    for (const key of Object.keys(image)) {
      if (!IMAGE_FIELDS.has(key)) fail(where, `images field "${key}" is not supported`);
    }
    for (const object of objects) {
      for (const container of allContainers(podTemplateOf(object)?.spec)) {
        const parts = splitImage(container.image ?? '');
        if (parts.name !== image.name) continue;
        let result = image.newName ?? parts.name;
        if (image.digest) result += `@${image.digest}`;
        else if (image.newTag) result += `:${image.newTag}`;
        else if (parts.tag) result += `:${parts.tag}${parts.digest ? `@${parts.digest}` : ''}`;
        else if (parts.digest) result += `@${parts.digest}`;
        container.image = result;
      }
    }
  }
}

function applyPatch(objects, patch, where) {
  if (!isMap(patch) || !patch.kind || !patch.metadata?.name) {
    fail(where, 'a patch must be one object with kind and metadata.name (JSON 6902 is not supported)');
  }
  const matches = objects.filter((object) => object.kind === patch.kind &&
    object.metadata.name === patch.metadata.name &&
    (!patch.apiVersion || object.apiVersion === patch.apiVersion) &&
    (!patch.metadata.namespace || object.metadata.namespace === patch.metadata.namespace));
  if (matches.length !== 1) {
    fail(where, `the patch for ${patch.kind} ${patch.metadata.name} matches ${matches.length} objects`);
  }
  const merged = strategicMerge(matches[0], patch, `${where} (${patch.kind} ${patch.metadata.name})`);
  objects[objects.indexOf(matches[0])] = merged;
}

// ---- build --------------------------------------------------------------------

// Returns {objects, hashed: Set of objects whose name gets a hash suffix}.
function build(dir, stack) {
  const file = path.join(dir, 'kustomization.yaml');
  if (!existsSync(file)) fail(dir, 'no kustomization.yaml');
  if (stack.includes(dir)) fail(dir, 'kustomizations include each other');
  const where = path.relative(sourceDir, file);
  const [kustomization = {}, ...more] = parseYamlDocuments(readFileSync(file, 'utf8'), where);
  if (more.length > 0 || !isMap(kustomization)) fail(where, 'must be one YAML map');
  for (const key of Object.keys(kustomization)) {
    if (!KUSTOMIZATION_FIELDS.has(key)) fail(where, `field "${key}" is not supported by this renderer`);
  }
  if (kustomization.apiVersion !== undefined &&
      kustomization.apiVersion !== 'kustomize.config.k8s.io/v1beta1') {
    fail(where, `apiVersion ${kustomization.apiVersion}`);
  }
  if (kustomization.kind !== undefined && kustomization.kind !== 'Kustomization') {
    fail(where, `kind ${kustomization.kind}`);
  }

  const objects = [];
  const hashed = new Set();
  for (const resource of kustomization.resources ?? []) {
    const full = path.resolve(dir, resource);
    if (existsSync(full) && statSync(full).isDirectory()) {
      const base = build(full, [...stack, dir]);
      objects.push(...base.objects);
      base.hashed.forEach((object) => hashed.add(object));
    } else {
      const text = readFileSync(insideFolder(dir, resource, where), 'utf8');
      for (const object of parseYamlDocuments(text, resource)) {
        if (!isMap(object) || !object.apiVersion || !object.kind || !object.metadata?.name) {
          fail(`${where}: ${resource}`, 'every document must have apiVersion, kind and metadata.name');
        }
        kindInfo(object, `${where}: ${resource}`);
        objects.push(object);
      }
    }
  }
  for (const generator of kustomization.configMapGenerator ?? []) {
    const { object, hash } = generateConfigMap(dir, generator, where);
    objects.push(object);
    if (hash) hashed.add(object);
  }
  const ids = new Set();
  for (const object of objects) {
    if (ids.has(idOf(object))) fail(where, `${idOf(object)} is defined twice`);
    ids.add(idOf(object));
  }

  for (const [index, patch] of (kustomization.patches ?? []).entries()) {
    const at = `${where}: patches[${index}]`;
    for (const key of Object.keys(patch)) {
      if (key !== 'path' && key !== 'patch') fail(at, `patch field "${key}" is not supported`);
    }
    const text = patch.path !== undefined
      ? readFileSync(insideFolder(dir, patch.path, at), 'utf8') : patch.patch;
    if (typeof text !== 'string') fail(at, 'needs `path` or `patch`');
    const documents = parseYamlDocuments(text, at);
    if (documents.length !== 1) fail(at, 'one patch object per entry');
    // Keep the hashed-set membership across the replacement.
    const before = objects.slice();
    applyPatch(objects, documents[0], at);
    before.forEach((object, i) => {
      if (hashed.has(object) && objects[i] !== object) {
        hashed.delete(object);
        hashed.add(objects[i]);
      }
    });
  }
  if (kustomization.namespace !== undefined && typeof kustomization.namespace !== 'string') {
    fail(where, `namespace ${kustomization.namespace} is not a string (YAML 1.1 reads n, y, no... as booleans)`);
  }
  if (kustomization.namespace !== undefined) applyNamespace(objects, kustomization.namespace, where);
  if (kustomization.labels) applyLabels(objects, kustomization.labels, where);
  if (kustomization.images) applyImages(objects, kustomization.images, where);
  return { objects, hashed };
}

// Adds the hash suffix to generated ConfigMaps and rewrites the references to
// them from pod templates (volumes, projected volumes, envFrom, env).
function applyHashes(objects, hashed) {
  const renamed = new Map(); // "namespace/old" -> new
  for (const object of hashed) {
    const name = `${object.metadata.name}-${configMapHash(object.data ?? {})}`;
    renamed.set(`${object.metadata.namespace ?? ''}/${object.metadata.name}`, name);
    object.metadata.name = name;
  }
  for (const object of objects) {
    const spec = podTemplateOf(object)?.spec;
    if (!spec) continue;
    const fix = (holder) => {
      const key = `${object.metadata.namespace ?? ''}/${holder?.name}`;
      if (holder && renamed.has(key)) holder.name = renamed.get(key);
    };
    for (const volume of spec.volumes ?? []) {
      fix(volume.configMap);
      for (const source of volume.projected?.sources ?? []) fix(source.configMap);
    }
    for (const container of allContainers(spec)) {
      for (const from of container.envFrom ?? []) fix(from.configMapRef);
      for (const variable of container.env ?? []) fix(variable.valueFrom?.configMapKeyRef);
    }
  }
}

// Renders the kustomization in folder `dir`: a list of plain objects.
export function render(dir) {
  const { objects, hashed } = build(path.resolve(dir), []);
  applyHashes(objects, hashed);
  return objects;
}
