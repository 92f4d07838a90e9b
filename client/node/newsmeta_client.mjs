#!/usr/bin/env node
// newsmeta_client.mjs: the Node.js sample client of newsmeta, and a small
// module that tests and scripts can import.
//
//   node client/node/newsmeta_client.mjs [--target localhost:50051] list|stream
//       [--topic T]... [--from D] [--to D] [--provider DOMAIN]... [--filter F]
//       [--text T] [--order-by O] [--view basic|full] [--page-size N]
//       [--page-token TOKEN] [--all] [--json] [--timeout 30s]
//   node client/node/newsmeta_client.mjs get articles/ID [articles/ID2 ...] [--json]
//   node client/node/newsmeta_client.mjs watch [--topic T]... [--from D] [--resume TOKEN]
//       [--max-events N] [--json]
//
// It shows the four things a newsmeta client does: query by topic and date
// range, page through ListArticles, consume StreamArticles, and read the
// structured error details (google.rpc.Status in the `grpc-status-details-bin`
// trailer). The .proto files are loaded at run time with @grpc/proto-loader;
// nothing is generated. Flags are spelled with dashes (`--page-size`); the C++
// client's underscores (`--page_size`) are accepted too.
import { once } from 'node:events';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import grpc from '@grpc/grpc-js';
import protoLoader from '@grpc/proto-loader';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// Where the .proto files are: newsmeta.v1 in the repository's proto/, and
// google/rpc (status.proto, error_details.proto) in the npm package
// google-proto-files that tools/setup.sh installs under tools/.
// google/protobuf/* come with proto-loader itself.
export const DEFAULT_INCLUDE_DIRS = [
  path.join(repoRoot, 'proto'),
  path.join(repoRoot, 'tools', 'node_modules', 'google-proto-files'),
];

// How messages look in JavaScript: lowerCamelCase field names (as in proto3
// JSON), 64-bit integers and enums as strings, repeated and map fields always
// present, and other fields only when set (as on the wire), so that
// `articleToJson` can print canonical proto3 JSON.
export const LOADER_OPTIONS = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  arrays: true,
  objects: true,
  oneofs: true,
};

export const DEFAULT_TARGET = 'localhost:50051';
const DAY_SECONDS = 24 * 60 * 60;

/** Thrown for a bad command line; the CLI exits with code 2. */
export class UsageError extends Error {}

/**
 * Loads the API. Returns the ArticleService client constructor and the
 * package definition, whose entries (e.g. `definition['google.rpc.Status']`)
 * can decode messages.
 */
export function loadApi(includeDirs = DEFAULT_INCLUDE_DIRS) {
  const definition = protoLoader.loadSync(
    [
      'newsmeta/v1/article_service.proto',
      'google/rpc/status.proto',
      'google/rpc/error_details.proto',
    ],
    { ...LOADER_OPTIONS, includeDirs },
  );
  const { ArticleService } = grpc.loadPackageDefinition(definition).newsmeta.v1;
  return { ArticleService, definition };
}

let defaultApi;
function api() {
  defaultApi ??= loadApi();
  return defaultApi;
}

/** An ArticleService client for `target` (plaintext). Call `close()` when done. */
export function connect(target = DEFAULT_TARGET, credentials = grpc.credentials.createInsecure()) {
  return new (api().ArticleService)(target, credentials);
}

// ---------------------------------------------------------------------------
// Command-line values: dates, times and durations.

// Milliseconds since the epoch of a UTC calendar time, or NaN when a field is
// out of range (2023-02-30, 25:00 ...).
function utcMillis(year, month, day, hour = 0, minute = 0, second = 0) {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  const valid =
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second;
  return valid ? date.getTime() : NaN;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/;

// A google.protobuf.Timestamp for a --from/--to value: a date is midnight UTC
// of that day plus `dayOffset` days; an RFC 3339 time is that instant.
function parseTimeArg(flag, text, dayOffset) {
  const date = DATE.exec(text);
  if (date) {
    const millis = utcMillis(Number(date[1]), Number(date[2]), Number(date[3]));
    if (!Number.isNaN(millis)) {
      return { seconds: millis / 1000 + dayOffset * DAY_SECONDS, nanos: 0 };
    }
  }
  const time = RFC3339.exec(text);
  if (time) {
    const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes] =
      time;
    const millis = utcMillis(...[year, month, day, hour, minute, second].map(Number));
    const offset = sign ? Number(offsetHours) * 3600 + Number(offsetMinutes) * 60 : 0;
    if (!Number.isNaN(millis) && Number(offsetHours ?? 0) < 24 && Number(offsetMinutes ?? 0) < 60) {
      return {
        seconds: millis / 1000 - (sign === '-' ? -offset : offset),
        nanos: Number((fraction ?? '').slice(0, 9).padEnd(9, '0')),
      };
    }
  }
  throw new UsageError(
    `--${flag} "${text}" is neither a date (2023-07-01) nor an RFC 3339 time (2023-07-01T09:00:00Z)`,
  );
}

/** --from: a date (midnight UTC, inclusive) or an RFC 3339 time (inclusive). */
export function parseFromArg(text) {
  return parseTimeArg('from', text, 0);
}

/** --to: a date (that whole UTC day is included) or an RFC 3339 time (exclusive). */
export function parseToArg(text) {
  return parseTimeArg('to', text, 1);
}

const DURATION_UNITS = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Milliseconds in a duration written like the C++ client's: "30s", "1m30s", "250ms", "0". */
export function parseDuration(text) {
  if (text === '0') return 0;
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|ms|s|m|h)/y;
  let millis = 0;
  let match;
  while ((match = part.exec(text)) !== null) {
    millis += Number(match[1]) * DURATION_UNITS[match[2]];
    if (part.lastIndex === text.length) return millis;
  }
  throw new UsageError(`--timeout "${text}" is not a duration (30s, 1m30s, 250ms, 0)`);
}

// ---------------------------------------------------------------------------
// Calls.

/**
 * The query fields shared by ListArticlesRequest and StreamArticlesRequest.
 * `from`/`to` follow the --from/--to rules; topics and providers match any.
 */
export function buildQuery({
  topics = [],
  from = '',
  to = '',
  providers = [],
  filter = '',
  text = '',
  orderBy = '',
  view = '',
} = {}) {
  const query = { topics, providerDomains: providers, filter, text, orderBy };
  if (from) query.startTime = parseFromArg(from);
  if (to) query.endTime = parseToArg(to);
  if (view) query.view = viewEnum(view);
  return query;
}

function viewEnum(view) {
  if (view === 'basic') return 'ARTICLE_VIEW_BASIC';
  if (view === 'full') return 'ARTICLE_VIEW_FULL';
  throw new UsageError('--view must be basic or full');
}

/** Call options with a deadline `timeoutMs` from now; none when 0 or unset. */
export function callOptions(timeoutMs) {
  return timeoutMs > 0 ? { deadline: new Date(Date.now() + timeoutMs) } : {};
}

function unary(client, method, request, timeoutMs) {
  return new Promise((resolve, reject) => {
    client[method](request, callOptions(timeoutMs), (error, response) =>
      error ? reject(error) : resolve(response),
    );
  });
}

/** One ListArticles page: `{articles, nextPageToken?, totalSize?}`. */
export function listArticles(client, request, { timeoutMs = 0 } = {}) {
  return unary(client, 'listArticles', request, timeoutMs);
}

/**
 * Every page of a ListArticles query, from `request.pageToken` (or the start)
 * to the last page: follows `nextPageToken` until it is empty. Each page has
 * its own deadline.
 */
export async function* listPages(client, request, { timeoutMs = 0 } = {}) {
  let pageToken = request.pageToken ?? '';
  do {
    const page = await listArticles(client, { ...request, pageToken }, { timeoutMs });
    yield page;
    pageToken = page.nextPageToken ?? '';
  } while (pageToken !== '');
}

/**
 * Starts StreamArticles and returns the call: a readable stream of articles
 * (`for await (const article of call)`), which throws the call's error, and
 * whose `cancel()` stops the stream (it then fails with CANCELLED).
 */
export function streamArticles(client, request, { timeoutMs = 0 } = {}) {
  return client.streamArticles(request, callOptions(timeoutMs));
}

export const RESUME_TOKEN_TRAILER = 'newsmeta-resume-token';
// After these a watch continues from its last token: the server shut down
// (UNAVAILABLE; CANCELLED for a call that reached it while it was stopping,
// as this code never cancels a call it still reads), the reader was too slow
// (RESOURCE_EXHAUSTED), or the connection broke (INTERNAL).
const RESUMABLE_CODES = new Set([
  grpc.status.UNAVAILABLE,
  grpc.status.CANCELLED,
  grpc.status.RESOURCE_EXHAUSTED,
  grpc.status.INTERNAL,
]);

/**
 * Yields the ArticleEvents of WatchArticles (`request` without its
 * resumeToken), reconnecting after a resumable error with the token of the
 * last event received, or the one in the `newsmeta-resume-token` trailer, so
 * no event is lost or repeated. Gives up after `retries` failed
 * reconnections in a row. FAILED_PRECONDITION (a token too old for the
 * server) is thrown: start again without a token and rebuild from the
 * backfill.
 */
export async function* watchArticles(client, request, { resumeToken = '', retries = 5, onRetry = null } = {}) {
  let token = resumeToken;
  let failures = 0;
  for (;;) {
    const call = client.watchArticles({ ...request, resumeToken: token });
    try {
      for await (const event of call) {
        failures = 0;
        token = event.resumeToken;
        yield event;
      }
      return;
    } catch (error) {
      if (!RESUMABLE_CODES.has(error?.code) || failures >= retries) throw error;
      const [trailer] = error.metadata?.get(RESUME_TOKEN_TRAILER) ?? [];
      if (trailer) token = String(trailer);
      failures += 1;
      onRetry?.(error, token);
      await new Promise((resolve) => setTimeout(resolve, Math.min(100 * 2 ** failures, 5000)));
    } finally {
      call.cancel();
    }
  }
}

/** GetArticle; the default view is FULL. */
export function getArticle(client, name, { view = '', timeoutMs = 0 } = {}) {
  return unary(client, 'getArticle', { name, ...(view && { view: viewEnum(view) }) }, timeoutMs);
}

/** BatchGetArticles: all the names or, when any is unknown, NOT_FOUND. */
export async function batchGetArticles(client, names, { view = '', timeoutMs = 0 } = {}) {
  const request = { names, ...(view && { view: viewEnum(view) }) };
  return (await unary(client, 'batchGetArticles', request, timeoutMs)).articles;
}

// ---------------------------------------------------------------------------
// Errors.

/** The name of a gRPC status code, e.g. 5 → "NOT_FOUND". */
export function codeName(code) {
  return grpc.status[code] ?? 'CODE'; // a TypeScript enum: maps both ways
}

/**
 * The structured details of a failed call, decoded from the
 * `grpc-status-details-bin` trailer into a google.rpc.Status:
 * `{code, message, details: [{'@type': 'google.rpc.ErrorInfo', reason,
 * domain, metadata}, {'@type': 'google.rpc.BadRequest', fieldViolations},
 * ...]}` (each detail in the shape of its message, with its type name under
 * '@type'); null when the error has no details.
 */
export function decodeErrorDetails(error) {
  const [bytes] = error?.metadata?.get('grpc-status-details-bin') ?? [];
  if (!bytes) return null;
  const { definition } = api();
  const status = definition['google.rpc.Status'].deserialize(bytes);
  return {
    code: status.code ?? 0,
    message: status.message ?? '',
    details: status.details.map((any) => {
      // google.protobuf.Any comes from protobufjs's bundled descriptors,
      // which keep the field name as written: type_url.
      const typeUrl = any.type_url ?? any.typeUrl ?? '';
      const { value } = any;
      const typeName = typeUrl.slice(typeUrl.lastIndexOf('/') + 1);
      const type = definition[typeName];
      return type?.deserialize
        ? { '@type': typeName, ...type.deserialize(value) }
        : { '@type': typeName, value };
    }),
  };
}

/**
 * What the CLI prints for a failed call, as the C++ client does: the code and
 * message, then the reason, domain and metadata of ErrorInfo and each
 * BadRequest field violation. The server sends the details in no fixed order;
 * this prints ErrorInfo first, then BadRequest, then any other.
 */
export function describeError(error) {
  const lines = [`error: ${codeName(error.code)} (${error.code}): ${error.details}`];
  const rank = (detail) =>
    ['google.rpc.ErrorInfo', 'google.rpc.BadRequest', detail['@type']].indexOf(detail['@type']);
  const details = [...(decodeErrorDetails(error)?.details ?? [])].sort((a, b) => rank(a) - rank(b));
  for (const detail of details) {
    if (detail['@type'] === 'google.rpc.ErrorInfo') {
      lines.push(`  reason: ${detail.reason ?? ''} (${detail.domain ?? ''})`);
      for (const key of Object.keys(detail.metadata).sort()) {
        lines.push(`  ${key}: ${detail.metadata[key]}`);
      }
    } else if (detail['@type'] === 'google.rpc.BadRequest') {
      for (const violation of detail.fieldViolations) {
        lines.push(`  bad field ${violation.field ?? ''}: ${violation.description ?? ''}`);
      }
    } else {
      lines.push(`  detail of type type.googleapis.com/${detail['@type']}`);
    }
  }
  return lines.join('\n') + '\n';
}

// ---------------------------------------------------------------------------
// Output.

/** RFC 3339 in UTC with 0, 3, 6 or 9 fractional digits, as proto3 JSON prints a Timestamp. */
export function timestampToJson({ seconds = 0, nanos = 0 }) {
  const base = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  if (nanos === 0) return `${base}Z`;
  const digits = String(nanos).padStart(9, '0');
  const kept = nanos % 1e6 === 0 ? 3 : nanos % 1e3 === 0 ? 6 : 9;
  return `${base}.${digits.slice(0, kept)}Z`;
}

/** A google.protobuf.Struct (or Value) as the JSON value it stands for. */
function structToJson(struct) {
  return Object.fromEntries(Object.entries(struct.fields).map(([k, v]) => [k, valueToJson(v)]));
}

function valueToJson(value) {
  switch (value.kind) {
    case 'nullValue':
      return null;
    case 'structValue':
      return structToJson(value.structValue);
    case 'listValue':
      return value.listValue.values.map(valueToJson);
    default:
      return value[value.kind];
  }
}

/**
 * A message of type `typeName` (as this module receives it) as canonical
 * proto3 JSON, walking the type's descriptor: set fields only, in field-number
 * order, Timestamps as RFC 3339 and Structs as plain JSON. This is the object
 * that the C++ client prints with --json.
 */
export function messageToJson(typeName, message) {
  if (typeName === 'google.protobuf.Timestamp') return timestampToJson(message);
  if (typeName === 'google.protobuf.Struct') return structToJson(message);
  const fields = [...api().definition[typeName].type.field].sort((a, b) => a.number - b.number);
  const json = {};
  for (const field of fields) {
    const value = message[field.name]; // lowerCamelCase, like the JSON name
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      continue;
    }
    const convert = (item) =>
      field.type === 'TYPE_MESSAGE' ? messageToJson(resolveType(typeName, field.typeName), item) : item;
    json[field.name] = Array.isArray(value) ? value.map(convert) : convert(value);
  }
  return json;
}

// The full name of the type a field of message `scope` names as `name` (as
// written in the .proto file): looked up from the message's scope outwards,
// as protoc does.
function resolveType(scope, name) {
  if (name.startsWith('.')) return name.slice(1);
  const parts = scope.split('.');
  for (let i = parts.length; i >= 0; i--) {
    const candidate = [...parts.slice(0, i), name].join('.');
    if (candidate in api().definition) return candidate;
  }
  throw new Error(`unknown type ${name} in ${scope}`);
}

/** An Article as canonical proto3 JSON (see messageToJson). */
export function articleToJson(article) {
  return messageToJson('newsmeta.v1.Article', article);
}

// `text` cut to `max` code points, with "…" when cut.
function truncate(text = '', max) {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max - 1).join('') + '…';
}

function pad(text, width) {
  return text + ' '.repeat(Math.max(0, width - [...text].length));
}

/** One table row: publish time (UTC), name, provider domain, title. */
export function articleRow(article) {
  const when = article.publishTime ? timestampToJson(article.publishTime) : '';
  return (
    pad(when.slice(0, 16).replace('T', ' '), 18) +
    pad(article.name ?? '', 27) +
    pad(truncate(article.provider?.domain, 22), 24) +
    truncate(article.title, 70)
  );
}

const TABLE_HEADER = pad('PUBLISHED (UTC)', 18) + pad('NAME', 27) + pad('PROVIDER', 24) + 'TITLE';

// ---------------------------------------------------------------------------
// The command line.

const USAGE = `usage: newsmeta_client.mjs [--target HOST:PORT] list|stream [--topic T]... [--from D] [--to D]
           [--provider DOMAIN]... [--filter F] [--text T] [--order-by O] [--view basic|full]
           [--page-size N] [--page-token TOKEN] [--all] [--json] [--timeout 30s]
       newsmeta_client.mjs [--target HOST:PORT] get articles/ID [articles/ID2 ...] [--view basic] [--json]
       newsmeta_client.mjs [--target HOST:PORT] watch [query flags] [--from D] [--resume TOKEN] [--max-events N] [--json]
--from/--to: a date (2023-07-01, whole UTC days, --to inclusive) or an RFC 3339 time (--to exclusive).
`;

const FLAGS = {
  target: { type: 'string', default: DEFAULT_TARGET },
  topic: { type: 'string', multiple: true, default: [] },
  from: { type: 'string', default: '' },
  to: { type: 'string', default: '' },
  provider: { type: 'string', multiple: true, default: [] },
  filter: { type: 'string', default: '' },
  text: { type: 'string', default: '' },
  'order-by': { type: 'string', default: '' },
  view: { type: 'string', default: '' },
  'page-size': { type: 'string', default: '0' },
  'page-token': { type: 'string', default: '' },
  all: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string', default: '30s' },
  resume: { type: 'string', default: '' },
  'max-events': { type: 'string', default: '0' },
  help: { type: 'boolean', short: 'h', default: false },
};

function parseCommandLine(argv) {
  // `--page_size=7` → `--page-size=7`, so the C++ client's spellings work.
  const args = argv.map((arg) =>
    arg.startsWith('--') ? arg.replace(/^--[^=]*/, (name) => name.replaceAll('_', '-')) : arg,
  );
  let parsed;
  try {
    parsed = parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error.message);
  }
  const { values, positionals } = parsed;
  const pageSize = Number(values['page-size']);
  if (!Number.isInteger(pageSize)) throw new UsageError('--page-size must be an integer');
  return { values, positionals, pageSize, timeoutMs: parseDuration(values.timeout) };
}

// Writes a line, waiting when the reader is slower than the server.
async function writeLine(stream, line) {
  if (!stream.write(line + '\n')) await once(stream, 'drain');
}

function printer(json) {
  let headerPrinted = false;
  return {
    async article(article) {
      if (json) return writeLine(process.stdout, JSON.stringify(articleToJson(article)));
      if (!headerPrinted) await writeLine(process.stdout, TABLE_HEADER);
      headerPrinted = true;
      return writeLine(process.stdout, articleRow(article));
    },
    // A line about the result; on stderr with --json so stdout stays JSON.
    note(text) {
      return writeLine(json ? process.stderr : process.stdout, text);
    },
  };
}

async function runList(client, { values, pageSize, timeoutMs }) {
  const request = {
    ...buildQuery(queryFlags(values)),
    pageSize,
    pageToken: values['page-token'],
  };
  const out = printer(values.json);
  let printed = 0;
  for await (const page of listPages(client, request, { timeoutMs })) {
    for (const article of page.articles) await out.article(article);
    printed += page.articles.length;
    const next = page.nextPageToken ?? '';
    if (!values.all || next === '') {
      await out.note(`${printed} of ${page.totalSize ?? 0} matching articles`);
      if (next !== '') await out.note(`next page: --page-token=${next}`);
      break;
    }
  }
}

async function runStream(client, { values, timeoutMs }) {
  const out = printer(values.json);
  let count = 0;
  const call = streamArticles(client, buildQuery(queryFlags(values)), { timeoutMs });
  for await (const article of call) {
    await out.article(article);
    count += 1;
  }
  await out.note(`${count} articles`);
}

async function runGet(client, names, { values, timeoutMs }) {
  const options = { view: values.view, timeoutMs };
  const articles =
    names.length === 1
      ? [await getArticle(client, names[0], options)]
      : await batchGetArticles(client, names, options);
  for (const article of articles) {
    const json = articleToJson(article);
    await writeLine(process.stdout, values.json ? JSON.stringify(json) : JSON.stringify(json, null, 2));
  }
}

// watch: one line per event (type, name, title, token), resuming by itself.
// --from bounds the backfill; no deadline.
async function runWatch(client, { values }) {
  const request = {
    topics: values.topic,
    providerDomains: values.provider,
    filter: values.filter,
    text: values.text,
    ...(values.view && { view: viewEnum(values.view) }),
    ...(values.from && { backfillStartTime: parseFromArg(values.from) }),
  };
  const maxEvents = Number(values['max-events']);
  let count = 0;
  const onRetry = (error, token) =>
    process.stderr.write(`${codeName(error.code)}: ${error.details}; resuming with ${token}\n`);
  for await (const event of watchArticles(client, request, { resumeToken: values.resume, onRetry })) {
    if (values.json) {
      await writeLine(process.stdout, JSON.stringify(messageToJson('newsmeta.v1.ArticleEvent', event)));
    } else {
      const kind = String(event.type).replace(/^TYPE_/, '');
      await writeLine(process.stdout, [kind, event.name ?? '', event.article?.title ?? '', event.resumeToken].join('\t'));
    }
    count += 1;
    if (maxEvents > 0 && count >= maxEvents) return;
  }
}

function queryFlags(values) {
  return {
    topics: values.topic,
    from: values.from,
    to: values.to,
    providers: values.provider,
    filter: values.filter,
    text: values.text,
    orderBy: values['order-by'],
    view: values.view,
  };
}

/**
 * Runs the command line `argv` (without node and the script) and returns the
 * exit code: 0 on success, 1 when the call fails, 2 for a usage error.
 */
export async function main(argv = process.argv.slice(2)) {
  let client;
  try {
    const options = parseCommandLine(argv);
    const [command, ...rest] = options.positionals;
    if (options.values.help) {
      process.stdout.write(USAGE);
      return 0;
    }
    const run =
      command === 'list' && rest.length === 0
        ? runList
        : command === 'stream' && rest.length === 0
          ? runStream
          : command === 'get' && rest.length > 0
            ? (c, o) => runGet(c, rest, o)
            : command === 'watch' && rest.length === 0
              ? runWatch
              : null;
    if (!run) throw new UsageError(command ? `unknown command or wrong arguments: ${command}` : 'no command given');
    client = connect(options.values.target);
    await run(client, options);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n${USAGE}`);
      return 2;
    }
    if (typeof error?.code === 'number') {
      process.stderr.write(describeError(error));
      return 1;
    }
    throw error;
  } finally {
    client?.close();
  }
}

// Run as a program (not imported): set the exit code and let Node exit once
// stdout has drained.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main();
}
