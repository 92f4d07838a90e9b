// The Node.js sample client (client/node/newsmeta_client.mjs) against the real
// newsmeta-server on a free loopback port, with the C++ newsmeta-client as the
// reference: same articles in the same order for List (paged) and Stream,
// cancellation, deadlines, and structured error details.
//
// Run by ctest (Polyglot.Node) as `node --test tests/polyglot/node_client_test.mjs`
// with NEWSMETA_SERVER, NEWSMETA_CLIENT, NEWSMETA_GEN_SEEDS, NEWSMETA_SOURCE_DIR
// and NEWSMETA_BUILD_DIR set. Needs `npm ci` in client/node (tools/setup.sh).
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

const sourceDir =
  process.env.NEWSMETA_SOURCE_DIR ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const buildDir = process.env.NEWSMETA_BUILD_DIR ?? path.join(sourceDir, 'build');
const serverBin = process.env.NEWSMETA_SERVER ?? path.join(buildDir, 'server', 'newsmeta-server');
const clientBin = process.env.NEWSMETA_CLIENT ?? path.join(buildDir, 'client', 'newsmeta-client');
const genSeedsBin =
  process.env.NEWSMETA_GEN_SEEDS ?? path.join(buildDir, 'tools', 'newsmeta-gen-seeds');

// The client's packages live in client/node/node_modules, not next to this
// file: resolve them from there (the same module instances the client uses).
const nodeClientDir = path.join(sourceDir, 'client', 'node');
const cliPath = path.join(nodeClientDir, 'newsmeta_client.mjs');
const grpc = createRequire(path.join(nodeClientDir, 'package.json'))('@grpc/grpc-js');
const nm = await import(pathToFileURL(cliPath).href);

const CORPUS_SIZE = 2000;
const CALL_MS = 30_000; // deadline of each call that should succeed
const TEST_MS = 120_000; // bound of each test

let work; // temporary folder: corpus and nothing else
let corpus; // the seed folder the server loads
let server; // {child, target, log(), exited: Promise<{code, signal}>}
let client; // the Node ArticleService client
let topic, from, to; // the query picked from the data

// Resolves with `promise`, or fails after `ms` naming what did not happen.
async function within(ms, what, promise) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

// Runs a program; resolves with {code, stdout, stderr} whatever the exit code.
function run(file, args, { timeoutMs = 60_000 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${error.message}\n${stderr}`));
        } else {
          resolve({ code: error ? error.code : 0, stdout, stderr });
        }
      },
    );
  });
}

// Runs a program that must succeed; returns its stdout.
async function runOk(file, args) {
  const result = await run(file, args);
  assert.equal(result.code, 0, `${path.basename(file)} ${args.join(' ')} failed:\n${result.stderr}`);
  return result.stdout;
}

const cppClient = (...args) => runOk(clientBin, ['--target', server.target, ...args]);
const nodeCli = (...args) => runOk(process.execPath, [cliPath, '--target', server.target, ...args]);
const jsonLines = (stdout) => stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
const namesOf = (articles) => articles.map((article) => article.name);

// An RFC 3339 time (UTC, whole seconds) written with an offset of `minutes`.
function withOffset(time, minutes) {
  const local = new Date(Date.parse(time) + minutes * 60_000).toISOString().slice(0, 19);
  const abs = Math.abs(minutes);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}${minutes < 0 ? '-' : '+'}${hhmm}`;
}

// Starts the server on loopback port `port` (0: a free one); resolves once it
// says which.
async function startServer(seeds, port = 0) {
  const child = spawn(
    serverBin,
    ['--host', '127.0.0.1', '--port', String(port), '--metrics_port', '0', '--seeds', seeds,
     '--drain_delay', '200ms', '--shutdown_grace', '5s'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  child.stdout.on('data', (chunk) => (log += chunk));
  child.stderr.on('data', (chunk) => (log += chunk));
  const exited = new Promise((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const started = { child, log: () => log, exited, target: '' };
  server = started;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const port = /listening on 127\.0\.0\.1:(\d+)/.exec(log)?.[1];
    if (port) {
      started.target = `127.0.0.1:${port}`;
      return started;
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`server exited at start:\n${log}`);
    }
    await sleep(100);
  }
  throw new Error(`server did not say which port it listens on:\n${log}`);
}

// Waits until health is SERVING (the seeds are loaded).
async function waitServing() {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const health = await run(clientBin, ['--target', server.target, '--timeout', '5s', 'health'], {
      timeoutMs: 10_000,
    });
    if (health.stdout.trim() === 'SERVING') return;
    await sleep(100);
  }
  throw new Error(`health never became SERVING:\n${server.log()}`);
}

// The most frequent topic (without a comma, which the C++ client's --topic
// would split) and a date range over the middle half of its months.
async function pickQuery() {
  const summary = JSON.parse(await cppClient('summary', '--json', '--top_n', '10', '--interval', 'none'));
  const picked = summary.topicCounts.find((count) => !count.topic.includes(','));
  assert.ok(picked, 'no topic in the corpus');
  const months = JSON.parse(
    await cppClient('summary', '--json', '--topic', picked.topic, '--interval', 'month'),
  ).histogram;
  assert.ok(months.length >= 4, `topic ${picked.topic} spans only ${months.length} months`);
  const first = months[Math.floor(months.length / 4)].startTime;
  const end = months[Math.floor((3 * months.length) / 4)].startTime;
  const lastDay = new Date(Date.parse(end) - 24 * 3600 * 1000).toISOString().slice(0, 10);
  return { topic: picked.topic, topicTotal: picked.count, from: first.slice(0, 10), to: lastDay };
}

// Every article of a Node ListArticles query, page by page; returns the pages.
async function nodeListPages(request, pageSize) {
  const pages = [];
  for await (const page of nm.listPages(client, { ...request, pageSize }, { timeoutMs: CALL_MS })) {
    pages.push(page);
  }
  return pages;
}

// Every article of a Node StreamArticles query.
async function nodeStream(request) {
  const articles = [];
  for await (const article of nm.streamArticles(client, request, { timeoutMs: CALL_MS })) {
    articles.push(article);
  }
  return articles;
}

// The error a promise rejects with (fails when it resolves).
async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the call succeeded');
}

function detail(decoded, type) {
  const found = decoded?.details.find((d) => d['@type'] === type);
  assert.ok(found, `no ${type} in ${JSON.stringify(decoded)}`);
  return found;
}

before(
  async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'newsmeta-node-test-'));
    corpus = path.join(work, 'corpus');
    await runOk(genSeedsBin, ['--count', String(CORPUS_SIZE), '--out', corpus, '--seed', '7']);
    await startServer(corpus);
    await waitServing();
    client = nm.connect(server.target);
    ({ topic, from, to } = await pickQuery());
  },
  { timeout: TEST_MS },
);

after(async () => {
  client?.close();
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await within(10_000, 'the killed server to exit', server.exited);
  }
  if (work) rmSync(work, { recursive: true, force: true });
});

// (a) The same articles in the same order as the C++ client.
const queries = [
  { label: 'topic and date range' },
  {
    label: 'order_by quality desc, publish_time desc and a filter',
    orderBy: 'quality desc, publish_time desc',
  },
  { label: 'RFC 3339 bounds with offsets', rfc3339: true },
];

for (const variant of queries) {
  test(`List (pages of 7) and Stream equal the C++ client: ${variant.label}`, { timeout: TEST_MS }, async (t) => {
    const flags = ['--topic', topic];
    const query = { topics: [topic] };
    let first, end; // with RFC 3339 bounds: the articles at them
    if (variant.rfc3339) {
      // Bounds at the publish times of two articles of the range (whole
      // seconds), written with offsets: --from includes its article, --to
      // (exclusive) does not.
      const ranged = jsonLines(
        await cppClient('stream', '--json', '--topic', topic, '--from', from, '--to', to),
      ).filter((article) => !article.publishTime.includes('.'));
      assert.ok(ranged.length >= 8, `${ranged.length} articles at whole seconds`);
      end = ranged[Math.floor(ranged.length / 4)]; // newest first
      first = ranged[Math.floor((3 * ranged.length) / 4)];
      query.from = withOffset(first.publishTime, 2 * 60);
      query.to = withOffset(end.publishTime, -5 * 60);
    } else {
      query.from = from;
      query.to = to;
    }
    flags.push('--from', query.from, '--to', query.to);
    if (variant.orderBy) {
      // A filter from the data: at least the median quality of the range.
      const qualities = jsonLines(await cppClient('stream', '--json', ...flags))
        .map((article) => article.quality ?? 0)
        .sort((a, b) => a - b);
      query.filter = `quality >= ${qualities[Math.floor(qualities.length / 2)]}`;
      query.orderBy = variant.orderBy;
      flags.push('--filter', query.filter, '--order_by', query.orderBy);
    }

    const cppList = jsonLines(await cppClient('list', '--all', '--json', ...flags, '--page_size', '50'));
    const cppStream = jsonLines(await cppClient('stream', '--json', ...flags));
    t.diagnostic(`${flags.join(' ')}: ${cppList.length} articles`);
    assert.ok(cppList.length > 14, `only ${cppList.length} articles: the query should span pages`);
    assert.deepEqual(namesOf(cppStream), namesOf(cppList));
    if (variant.rfc3339) {
      assert.ok(namesOf(cppList).includes(first.name), `--from ${query.from} is inclusive`);
      assert.ok(!namesOf(cppList).includes(end.name), `--to ${query.to} is exclusive`);
    }

    const request = nm.buildQuery(query);
    const pages = await nodeListPages(request, 7);
    assert.deepEqual(namesOf(pages.flatMap((page) => page.articles)), namesOf(cppList));
    assert.equal(pages.length, Math.ceil(cppList.length / 7));
    assert.ok(pages.every((page) => page.totalSize === cppList.length));
    assert.equal(pages.at(-1).nextPageToken ?? '', '');

    const streamed = await nodeStream(request);
    assert.deepEqual(namesOf(streamed), namesOf(cppStream));

    // The articles themselves print as the same proto3 JSON.
    assert.deepEqual(streamed.map(nm.articleToJson), cppStream);

    if (variant.orderBy) {
      const keys = cppList.map((a) => [a.quality ?? 0, Date.parse(a.publishTime)]);
      for (let i = 1; i < keys.length; i++) {
        const [q0, t0] = keys[i - 1];
        const [q1, t1] = keys[i];
        assert.ok(q0 > q1 || (q0 === q1 && t0 >= t1), `not in quality, time order at ${i}`);
      }
    }

    // And the command line prints the same JSON lines as the C++ one.
    const cliFlags = flags.map((flag) => flag.replace('--order_by', '--order-by'));
    assert.deepEqual(
      jsonLines(await nodeCli('list', '--all', '--json', '--page-size', '7', ...cliFlags)),
      cppList,
    );
    assert.deepEqual(jsonLines(await nodeCli('stream', '--json', ...cliFlags)), cppStream);
  });
}

test('the date range narrows the topic, --to includes its whole day', { timeout: TEST_MS }, async () => {
  const all = await nodeStream(nm.buildQuery({ topics: [topic] }));
  const ranged = await nodeStream(nm.buildQuery({ topics: [topic], from, to }));
  assert.ok(ranged.length > 0 && ranged.length < all.length, `${ranged.length} of ${all.length}`);
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`) + 24 * 3600 * 1000;
  const inRange = all.filter((a) => {
    const t = Number(a.publishTime.seconds) * 1000 + (a.publishTime.nanos ?? 0) / 1e6;
    return t >= start && t < end;
  });
  assert.deepEqual(namesOf(ranged), namesOf(inRange));
});

// (b) Cancelling a stream.
test('cancelling a stream ends it with CANCELLED; the server keeps answering', { timeout: TEST_MS }, async (t) => {
  const call = nm.streamArticles(client, { orderBy: 'publish_time asc' }, { timeoutMs: CALL_MS });
  let received = 0;
  const error = await within(
    20_000,
    'the cancelled stream to end',
    rejection(
      (async () => {
        for await (const article of call) {
          assert.ok(article.name.startsWith('articles/'));
          received += 1;
          if (received === 3) call.cancel();
        }
      })(),
    ),
  );
  t.diagnostic(`cancelled after 3 articles; ${received} read in all`);
  assert.equal(error.code, grpc.status.CANCELLED, error.message);
  assert.ok(received >= 3 && received < CORPUS_SIZE, `received ${received}`);

  const page = await nm.listArticles(client, { pageSize: 1 }, { timeoutMs: CALL_MS });
  assert.equal(page.articles.length, 1);
  assert.ok(page.totalSize > CORPUS_SIZE / 2, `total ${page.totalSize}`);
  assert.equal((await cppClient('health')).trim(), 'SERVING');
});

// (c) A deadline that expires while the client is still reading.
test('a stream whose deadline expires fails with DEADLINE_EXCEEDED', { timeout: TEST_MS }, async (t) => {
  const call = nm.streamArticles(client, { view: 'ARTICLE_VIEW_FULL' }, { timeoutMs: 300 });
  let received = 0;
  const error = await within(
    20_000,
    'the deadline to expire',
    rejection(
      (async () => {
        for await (const article of call) {
          assert.ok(article.name);
          received += 1;
          // A slow reader: the deadline passes while it holds the first one.
          if (received === 1) await sleep(1000);
        }
      })(),
    ),
  );
  t.diagnostic(`${received} articles read before: ${error.details}`);
  assert.equal(error.code, grpc.status.DEADLINE_EXCEEDED, error.message);
  assert.ok(received < CORPUS_SIZE, `received ${received}`);
  const page = await nm.listArticles(client, { pageSize: 1 }, { timeoutMs: CALL_MS });
  assert.equal(page.articles.length, 1);
});

// (d) A bad filter, with its details decoded from grpc-status-details-bin.
test('a bad filter is INVALID_ARGUMENT with ErrorInfo INVALID_FILTER and a BadRequest', { timeout: TEST_MS }, async () => {
  const badFilter = 'quality >> 3';
  for (const call of [
    () => nm.listArticles(client, { filter: badFilter }, { timeoutMs: CALL_MS }),
    () => nodeStream({ filter: badFilter }),
  ]) {
    const error = await rejection(call());
    assert.equal(error.code, grpc.status.INVALID_ARGUMENT, error.message);
    const decoded = nm.decodeErrorDetails(error);
    assert.equal(decoded.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(decoded.message, error.details);
    const info = detail(decoded, 'google.rpc.ErrorInfo');
    assert.equal(info.reason, 'INVALID_FILTER');
    assert.equal(info.domain, 'newsmeta.v1');
    assert.match(info.metadata.position ?? '', /^\d+$/, JSON.stringify(info.metadata));
    assert.ok(error.details.includes(`position ${info.metadata.position}`), error.details);
    const badRequest = detail(decoded, 'google.rpc.BadRequest');
    const violation = badRequest.fieldViolations.find((v) => v.field === 'filter');
    assert.ok(violation, JSON.stringify(badRequest));
    assert.ok(violation.description.length > 0);
  }

  // Both command lines print the error and its details alike, and exit 1.
  const cpp = await run(clientBin, ['--target', server.target, 'list', '--filter', badFilter]);
  const node = await run(process.execPath, [cliPath, '--target', server.target, 'list', '--filter', badFilter]);
  assert.equal(cpp.code, 1);
  assert.equal(node.code, 1);
  assert.match(
    node.stderr,
    /^error: INVALID_ARGUMENT \(3\): .*\n {2}reason: INVALID_FILTER \(newsmeta\.v1\)\n(.*\n)* {2}bad field filter: /,
  );
  // The same lines; the server sends the details in no fixed order, and the
  // C++ client prints them as they come.
  const [nodeFirst, ...nodeRest] = node.stderr.split('\n');
  const [cppFirst, ...cppRest] = cpp.stderr.split('\n');
  assert.equal(nodeFirst, cppFirst);
  assert.deepEqual(nodeRest.sort(), cppRest.sort());
});

// (e) An unknown article.
test('GetArticle of an unknown name is NOT_FOUND with reason ARTICLE_NOT_FOUND', { timeout: TEST_MS }, async () => {
  const [known] = (await nm.listArticles(client, { pageSize: 1 }, { timeoutMs: CALL_MS })).articles;
  const full = await nm.getArticle(client, known.name, { timeoutMs: CALL_MS });
  assert.equal(full.name, known.name);

  const unknown = 'articles/0000000000000000';
  const error = await rejection(nm.getArticle(client, unknown, { timeoutMs: CALL_MS }));
  assert.equal(error.code, grpc.status.NOT_FOUND, error.message);
  const info = detail(nm.decodeErrorDetails(error), 'google.rpc.ErrorInfo');
  assert.equal(info.reason, 'ARTICLE_NOT_FOUND');
  assert.equal(info.domain, 'newsmeta.v1');

  const node = await run(process.execPath, [cliPath, '--target', server.target, 'get', unknown]);
  assert.equal(node.code, 1);
  assert.match(node.stderr, /^error: NOT_FOUND \(5\): .*\n {2}reason: ARTICLE_NOT_FOUND \(newsmeta\.v1\)\n/);
});

test('the command line rejects bad usage with exit code 2', { timeout: TEST_MS }, async () => {
  for (const args of [['list', '--from', '2023-02-30'], ['list', '--bogus'], ['frobnicate']]) {
    const result = await run(process.execPath, [cliPath, '--target', server.target, ...args]);
    assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
  }
});

// (e) The sample's resumable watch across a server restart: a watch reads 10
// backfill events and disconnects; the server stops; watchArticles resumes
// from the 10th event's token while nothing listens (so it must retry), the
// server comes back with the same seeds on the same port, and the watch
// goes on to CAUGHT_UP. The two parts together are exactly StreamArticles'
// matches in publish_time order: no event lost or repeated.
test('watchArticles resumes across a server restart with no gap or duplicate', { timeout: TEST_MS }, async (t) => {
  const expected = namesOf(await nodeStream({ topics: [topic], orderBy: 'publish_time asc' }));
  assert.ok(expected.length > 20, `topic ${topic} has only ${expected.length} articles`);
  const port = Number(server.target.split(':').pop());
  const watcher = nm.connect(server.target);
  // Backfill names up to CAUGHT_UP; each event must carry a token.
  const collect = async (events, names) => {
    for await (const event of events) {
      if (event.type === 'TYPE_CAUGHT_UP') return names;
      assert.equal(event.type, 'TYPE_EXISTING', JSON.stringify(event));
      assert.ok(event.resumeToken, 'an event without a resume token');
      names.push(event.name);
    }
    assert.fail('the watch ended before CAUGHT_UP');
  };
  try {
    const first = [];
    let token = '';
    await within(CALL_MS, 'ten backfill events', (async () => {
      for await (const event of nm.watchArticles(watcher, { topics: [topic] })) {
        assert.equal(event.type, 'TYPE_EXISTING', JSON.stringify(event));
        first.push(event.name);
        token = event.resumeToken;
        if (first.length === 10) return;
      }
    })());

    server.child.kill('SIGTERM');
    const { code } = await within(20_000, 'the server to stop', server.exited);
    assert.equal(code, 0, server.log());

    const retries = [];
    let retried;
    const firstRetry = new Promise((resolve) => (retried = resolve));
    const onRetry = (error) => {
      retries.push(grpc.status[error.code]);
      retried();
    };
    const resumed = collect(nm.watchArticles(watcher, { topics: [topic] }, { resumeToken: token, retries: 20, onRetry }), []);
    await within(30_000, 'the resumed watch to retry', Promise.race([firstRetry, resumed]));
    await startServer(corpus, port);
    const rest = await within(60_000, 'the resumed watch to catch up', resumed);
    t.diagnostic(`10 + ${rest.length} events; retried after ${retries.join(', ')}`);
    assert.ok(retries.length >= 1, 'the resumed watch never retried');
    assert.deepEqual([...first, ...rest], expected);
  } finally {
    watcher.close();
  }
  await waitServing();
});

// Last: SIGTERM stops the server cleanly.
test('SIGTERM stops the server with exit code 0', { timeout: TEST_MS }, async () => {
  client.close();
  client = undefined;
  server.child.kill('SIGTERM');
  const { code, signal } = await within(20_000, 'the server to stop after SIGTERM', server.exited);
  assert.equal(signal, null, `server died of ${signal}:\n${server.log()}`);
  assert.equal(code, 0, `server exited with ${code}:\n${server.log()}`);
});
