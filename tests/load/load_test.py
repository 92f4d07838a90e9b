"""Load and faults against the real newsmeta-server binary (loopback only,
bounded in time and count).

LoadTest: 16 client threads, each with its own channel, mix GetArticle,
ListArticles paging and StreamArticles for LOAD_SECONDS (default 20); every
answer is checked against the truth read once at start (a full FULL-view
listing, and per query the stream's order, which the pages must
concatenate to); zero errors; the server's resident memory after warm-up
must stay within a margin of what it was at the end of warm-up.

FaultTest: clients that cancel mid-stream, deadlines that expire, a slow
consumer (server memory bounded by flow control), clients killed with
SIGKILL mid-stream, SIGTERM during streams, reload during load. After each,
the server still answers correctly, exits 0 on SIGTERM and its log has no
sanitizer report (in make test-asan it is the ASan + UBSan binary, and
LeakSanitizer checks it at exit).

SoakTest (make soak, not ctest): the load of LoadTest for SOAK_SECONDS
(default 600) while the seeds are reloaded every SOAK_RELOAD_SECONDS; prints
requests served, errors, reloads and peak RSS.

Run by ctest as Load.* with /usr/bin/python3; see tests/lib/newsmeta_testing.py
for the environment. Figures go to stdout (ctest -V shows them).
"""

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import (SAMPLE, SANITIZE,  # noqa: E402
                              SMALL_WINDOW, STOP_TIMEOUT, STUBS, Server,
                              generate_seeds, nc, poll, seed_files, set_title,
                              temp_name)

LOAD_SECONDS = float(os.environ.get('LOAD_SECONDS', '20'))
LOAD_CLIENTS = 16
LOAD_CORPUS = 1500
# Resident memory after warm-up may exceed its level at the end of warm-up by
# this fraction plus this many bytes (allocator and gRPC buffer noise); a
# leak of even a few hundred bytes per request goes past it in the run.
RSS_WARM_UP = 0.25  # of the run
RSS_GROWTH_FRACTION = 0.20
RSS_GROWTH_BYTES = 16 << 20
# Under AddressSanitizer (make test-asan) freed blocks wait in a quarantine
# before they are reused, so resident memory keeps growing until the
# quarantine is full: ASan's default is 256 MiB (ASAN_OPTIONS
# quarantine_size_mb), and each thread holds up to 1 MiB more of its own
# (thread_local_quarantine_size_kb). The bound then also allows that much;
# leaks themselves are LeakSanitizer's job, at the server's exit.
ASAN_QUARANTINE_BYTES = 256 << 20
ASAN_THREAD_QUARANTINE_BYTES = 1 << 20

FAULT_CORPUS = 600
BIG_BODY = 64 << 10  # bytes added to each fault-corpus article's body
VERSION_HEADER = 'newsmeta-catalog-version'
MiB = 1 << 20

workdir = None


def setUpModule():
    global workdir
    workdir = tempfile.mkdtemp(prefix='newsmeta-load-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    nc.load_stubs(STUBS)


def basic(article):
    """The BASIC view of a FULL article."""
    copy = type(article)()
    copy.CopyFrom(article)
    for field in ('related', 'secured', 'body', 'extra_fields'):
        copy.ClearField(field)
    return copy


def version_of(call):
    return dict(call.initial_metadata()).get(VERSION_HEADER)


class ServerTestCase(unittest.TestCase):

    def start(self, seeds, *flags):
        server = Server(workdir, name=self.id().split('.')[-1])
        self.addCleanup(server.kill)
        server.start(seeds, *flags)
        server.wait_serving()
        return server

    def channel(self, target, options=()):
        channel = grpc.insecure_channel(target, options=list(options))
        self.addCleanup(channel.close)
        return channel

    def stub(self, target, options=()):
        return nc.v1_grpc.ArticleServiceStub(self.channel(target, options))

    def assertCleanExit(self, server):
        """SIGTERM: exit 0 and no sanitizer report in the log."""
        self.assertEqual(server.stop(), 0, server.log()[-20000:])
        self.assertEqual(server.sanitizer_reports(), [],
                         server.log()[-20000:])

    def calls(self, server, method, code):
        series = ('newsmeta_rpc_requests_total{method="/newsmeta.v1.'
                  f'ArticleService/{method}",code="{code}"}}')
        return server.metrics().get(series, 0)


# The queries of the load, as request fields; a None is filled in from the
# truth.
QUERIES = [
    {},
    {'order_by': 'quality desc'},
    {'order_by': 'heat desc, publish_time asc', 'filter': 'quality >= 50'},
    {'topics': None},  # the most frequent topic
    {'provider_domains': None, 'order_by': 'publish_time asc'},  # a provider
    {'text': None},  # a word of the first title
]


class Truth:
    """What the server must answer, read once before the load starts."""

    def __init__(self, stub):
        full = nc.v1.ListArticlesRequest(page_size=1000,
                                         view=nc.v1.ARTICLE_VIEW_FULL)
        articles = list(nc.list_articles(stub, full, 60))
        self.full = {a.name: a for a in articles}
        self.basic = {name: basic(a) for name, a in self.full.items()}
        self.names = sorted(self.full)
        topics, domains = {}, {}
        for a in articles:
            for topic in a.topics:
                topics[topic] = topics.get(topic, 0) + 1
            domains[a.provider.domain] = domains.get(a.provider.domain, 0) + 1
        words = [w for a in articles for w in a.title.split()
                 if w.isascii() and w.isalpha() and len(w) > 4]
        word = words[0] if words else 'the'
        self.queries = []
        for query in QUERIES:
            query = dict(query)
            if 'topics' in query:
                query['topics'] = [max(topics, key=topics.get)]
            if 'provider_domains' in query:
                query['provider_domains'] = [max(domains, key=domains.get)]
            if 'text' in query:
                query['text'] = word
            self.queries.append(query)
        # Each query's matches in order, from a stream.
        self.orders = [[a.name for a in stub.StreamArticles(
            nc.v1.StreamArticlesRequest(**q), timeout=60)]
            for q in self.queries]


class LoadClient(threading.Thread):
    """One client with its own channel: a random mix until `stop_at`."""

    def __init__(self, index, target, truth, stop_at):
        super().__init__(name=f'load-client-{index}')
        self.random = random.Random(index)
        self.target = target
        self.truth = truth
        self.stop_at = stop_at
        self.counts = {'get': 0, 'page': 0, 'listing': 0, 'stream': 0,
                       'streamed': 0}
        self.errors = []

    def run(self):
        channel = grpc.insecure_channel(self.target)
        stub = nc.v1_grpc.ArticleServiceStub(channel)
        try:
            while time.monotonic() < self.stop_at and len(self.errors) < 5:
                draw = self.random.random()
                try:
                    if draw < 0.6:
                        self.get(stub)
                    elif draw < 0.85:
                        self.listing(stub)
                    else:
                        self.stream(stub)
                except grpc.RpcError as error:
                    self.errors.append(f'{error.code()}: {error.details()}')
                except AssertionError as error:
                    self.errors.append(str(error))
        finally:
            channel.close()

    def view(self):
        return self.random.choice([nc.v1.ARTICLE_VIEW_UNSPECIFIED,
                                   nc.v1.ARTICLE_VIEW_BASIC,
                                   nc.v1.ARTICLE_VIEW_FULL])

    def check(self, article, view, default_full):
        full = (view == nc.v1.ARTICLE_VIEW_FULL or
                (view == nc.v1.ARTICLE_VIEW_UNSPECIFIED and default_full))
        want = (self.truth.full if full else self.truth.basic).get(
            article.name)
        assert want is not None, f'unknown article {article.name}'
        assert article == want, f'{article.name} differs from the truth'

    def get(self, stub):
        name = self.random.choice(self.truth.names)
        view = self.view()
        article = stub.GetArticle(nc.v1.GetArticleRequest(name=name,
                                                          view=view),
                                  timeout=30)
        assert article.name == name, f'asked {name}, got {article.name}'
        self.check(article, view, default_full=True)
        self.counts['get'] += 1

    def listing(self, stub):
        q = self.random.randrange(len(self.truth.queries))
        view = self.view()
        request = nc.v1.ListArticlesRequest(
            page_size=self.random.randint(20, 300), view=view,
            **self.truth.queries[q])
        names = []
        for page in nc.list_pages(stub, request, timeout=30):
            self.counts['page'] += 1
            assert page.total_size == len(self.truth.orders[q]), (
                f'query {q}: total_size {page.total_size}')
            for article in page.articles:
                self.check(article, view, default_full=False)
                names.append(article.name)
            if time.monotonic() > self.stop_at + 30:
                raise AssertionError('listing took more than 30 s')
        assert names == self.truth.orders[q], (
            f'query {q}: pages do not concatenate to the stream '
            f'({len(names)} vs {len(self.truth.orders[q])} articles)')
        self.counts['listing'] += 1

    def stream(self, stub):
        q = self.random.randrange(len(self.truth.queries))
        view = self.view()
        names = []
        for article in stub.StreamArticles(nc.v1.StreamArticlesRequest(
                view=view, **self.truth.queries[q]), timeout=60):
            self.check(article, view, default_full=False)
            names.append(article.name)
        assert names == self.truth.orders[q], f'query {q}: stream differs'
        self.counts['stream'] += 1
        self.counts['streamed'] += len(names)


def rss_growth_limit(server, warm):
    """The most resident memory `server` may reach after warm-up, in bytes,
    when it was `warm` at the end of warm-up."""
    limit = warm * (1 + RSS_GROWTH_FRACTION) + RSS_GROWTH_BYTES
    if 'address' in SANITIZE:
        limit += (ASAN_QUARANTINE_BYTES +
                  ASAN_THREAD_QUARANTINE_BYTES * server.thread_count())
    return limit


def run_load(server, truth, seconds, warm_up_fraction=RSS_WARM_UP):
    """LOAD_CLIENTS LoadClients for `seconds`, sampling the server's RSS.

    Returns (totals, errors, figures): the clients' summed counts, their
    errors, and {'requests', 'elapsed', 'start', 'warm', 'peak', 'end'}
    (RSS in bytes: at start, peak in the warm-up, peak after it, at the end).
    """
    started = time.monotonic()
    stop_at = started + seconds
    clients = [LoadClient(i, server.target, truth, stop_at)
               for i in range(LOAD_CLIENTS)]
    samples = []  # (seconds since start, RSS bytes)
    for client in clients:
        client.start()
    while any(client.is_alive() for client in clients):
        samples.append((time.monotonic() - started, server.rss_bytes()))
        time.sleep(0.2)
    for client in clients:
        client.join()
    elapsed = time.monotonic() - started
    samples.append((elapsed, server.rss_bytes()))

    totals = {key: sum(c.counts[key] for c in clients)
              for key in clients[0].counts}
    errors = [e for c in clients for e in c.errors]
    warm_up = [rss for t, rss in samples if t <= seconds * warm_up_fraction]
    after = [rss for t, rss in samples if t > seconds * warm_up_fraction]
    figures = {
        'requests': totals['get'] + totals['page'] + totals['stream'],
        'elapsed': elapsed,
        'start': samples[0][1],
        'warm': max(warm_up),
        'peak': max(after or warm_up),
        'end': samples[-1][1],
    }
    return totals, errors, figures


def describe_load(totals, errors, figures):
    return (f'{LOAD_CLIENTS} clients for {figures["elapsed"]:.1f} s: '
            f'{figures["requests"]} requests ({totals["get"]} GetArticle, '
            f'{totals["page"]} ListArticles pages in {totals["listing"]} '
            f'listings, {totals["stream"]} StreamArticles with '
            f'{totals["streamed"]} articles), {len(errors)} errors; '
            f'server RSS {figures["start"] / MiB:.1f} MiB at start, '
            f'{figures["warm"] / MiB:.1f} MiB peak in warm-up, '
            f'{figures["peak"] / MiB:.1f} MiB peak after, '
            f'{figures["end"] / MiB:.1f} MiB at the end'
            f'{" (" + SANITIZE + " build)" if SANITIZE else ""}')


def served_requests(server):
    """ArticleService calls the server counted, by its metrics."""
    return sum(v for k, v in server.metrics().items()
               if k.startswith('newsmeta_rpc_requests_total{method="'
                               '/newsmeta.v1.ArticleService/'))


class LoadTest(ServerTestCase):

    def test_mixed_clients_get_correct_answers_and_memory_is_stable(self):
        seeds = os.path.join(workdir, 'load-corpus')
        generate_seeds(seeds, LOAD_CORPUS, seed=21)
        server = self.start(seeds)
        truth = Truth(self.stub(server.target))
        self.assertEqual(len(truth.names), LOAD_CORPUS)
        for q, order in enumerate(truth.orders):
            self.assertGreater(len(order), 0, truth.queries[q])
        # Paging each query once, alone: the pages concatenate to the stream.
        stub = self.stub(server.target)
        for q, query in enumerate(truth.queries):
            request = nc.v1.ListArticlesRequest(page_size=97, **query)
            self.assertEqual([a.name for a in nc.list_articles(stub, request,
                                                               60)],
                             truth.orders[q], query)

        totals, errors, figures = run_load(server, truth, LOAD_SECONDS)
        print('load: ' + describe_load(totals, errors, figures), flush=True)
        self.assertEqual(errors, [])
        self.assertGreater(totals['get'], 0)
        self.assertGreater(totals['listing'], 0)
        self.assertGreater(totals['stream'], 0)
        self.assertGreaterEqual(served_requests(server), figures['requests'])
        limit = rss_growth_limit(server, figures['warm'])
        self.assertLessEqual(figures['peak'], limit,
                             f'server memory grew after warm-up (bound '
                             f'{limit / MiB:.1f} MiB)')
        self.assertCleanExit(server)


class SoakTest(ServerTestCase):
    """make soak: the load of LoadTest for SOAK_SECONDS (default 600) while
    the seeds are reloaded every SOAK_RELOAD_SECONDS (default 2): seed files
    rewritten with the same bytes (renamed over, so each reload reads and
    hashes them) and SIGHUP, in turn. The answers stay those of the truth,
    so every one is still checked. Zero errors, no failed load, memory
    stable after warm-up, a clean exit. Not run by ctest."""

    def test_soak(self):
        seconds = float(os.environ.get('SOAK_SECONDS', '600'))
        interval = float(os.environ.get('SOAK_RELOAD_SECONDS', '2'))
        seeds = os.path.join(workdir, 'soak-corpus')
        generate_seeds(seeds, LOAD_CORPUS, seed=21)
        server = self.start(seeds, '--reload_quiet_period', '100ms')
        truth = Truth(self.stub(server.target))
        self.assertEqual(len(truth.names), LOAD_CORPUS)

        stop = threading.Event()
        files = seed_files(seeds)
        reload_errors = []

        def reloader():
            rng = random.Random(3)
            turn = 0
            while not stop.wait(interval):
                try:
                    if turn % 2 == 0:
                        for path in rng.sample(files, 20):
                            rewrite_same(path)
                    else:
                        server.signal(signal.SIGHUP)
                except OSError as error:
                    reload_errors.append(str(error))
                turn += 1

        thread = threading.Thread(target=reloader, name='soak-reloader')
        thread.start()
        try:
            totals, errors, figures = run_load(server, truth, seconds,
                                               warm_up_fraction=0.1)
        finally:
            stop.set()
            thread.join()
        metrics = server.metrics()
        reloads = metrics['newsmeta_catalog_reloads_total']
        failed = metrics['newsmeta_catalog_loads_total{result="failed"}']
        served = served_requests(server)
        with open(f'/proc/{server.process.pid}/status') as status:
            hwm = int(re.search(r'^VmHWM:\s+(\d+) kB', status.read(),
                                re.M).group(1)) * 1024
        print(f'soak: {describe_load(totals, errors, figures)}; '
              f'{served:.0f} ArticleService calls served (server metrics), '
              f'{reloads:.0f} reloads ({failed:.0f} failed), peak RSS '
              f'(VmHWM) {hwm / MiB:.1f} MiB', flush=True)
        for error in errors[:10]:
            print(f'soak error: {error}', flush=True)
        self.assertEqual(errors, [])
        self.assertEqual(reload_errors, [])
        self.assertEqual(failed, 0)
        self.assertGreater(reloads, 0)
        self.assertGreaterEqual(served, figures['requests'])
        limit = rss_growth_limit(server, figures['warm'])
        self.assertLessEqual(figures['peak'], limit,
                             f'server memory grew after warm-up (bound '
                             f'{limit / MiB:.1f} MiB)')
        self.assertCleanExit(server)


class FaultTest(ServerTestCase):
    """One server over a corpus whose FULL stream is large (about 40 MB)."""

    @classmethod
    def setUpClass(cls):
        cls.seeds = os.path.join(workdir, 'fault-corpus')
        if not os.path.isdir(cls.seeds):
            generate_seeds(cls.seeds, FAULT_CORPUS, seed=23)
            for i, path in enumerate(seed_files(cls.seeds)):
                with open(path, 'a', encoding='utf-8') as f:
                    f.write('\n' + (f'body {i} ' * (BIG_BODY // 8 + 1))[
                        :BIG_BODY] + '\n')

    def setUp(self):
        self.server = self.start(self.seeds, '--shutdown_grace', '3s')
        self.target = self.server.target
        stub = self.stub(self.target)
        self.full = {a.name: a for a in stub.StreamArticles(
            nc.v1.StreamArticlesRequest(view=nc.v1.ARTICLE_VIEW_FULL),
            timeout=120)}
        self.order = list(self.full)
        self.stream_bytes = sum(a.ByteSize() for a in self.full.values())
        self.assertEqual(len(self.full), FAULT_CORPUS)
        self.assertGreater(self.stream_bytes, FAULT_CORPUS * BIG_BODY)

    def assertServesCorrectly(self):
        """Health SERVING and a whole FULL stream equal to the truth."""
        channel = self.channel(self.target)
        self.assertEqual(nc.health_check(channel, timeout=10), 'SERVING')
        stub = nc.v1_grpc.ArticleServiceStub(channel)
        got = list(stub.StreamArticles(
            nc.v1.StreamArticlesRequest(view=nc.v1.ARTICLE_VIEW_FULL),
            timeout=120))
        self.assertEqual([a.name for a in got], self.order)
        self.assertTrue(all(a == self.full[a.name] for a in got))

    def test_clients_cancel_mid_stream(self):
        before = {code: self.calls(self.server, 'StreamArticles', code)
                  for code in ('CANCELLED', 'OK')}
        cancelled = []

        def client(index):
            rng = random.Random(index)
            # A small window: with BDP growth, a loaded machine once let the
            # client take in all 40 MB before its thread ran to cancel, and
            # the server rightly ended that call as OK.
            stub = self.stub(self.target, SMALL_WINDOW)
            for _ in range(5):
                call = stub.StreamArticles(nc.v1.StreamArticlesRequest(
                    view=nc.v1.ARTICLE_VIEW_FULL), timeout=60)
                for _ in range(rng.randint(1, 20)):
                    next(call)
                call.cancel()
                cancelled.append(call.code())

        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(cancelled, [grpc.StatusCode.CANCELLED] * 40)
        # The server saw every cancellation and ended each call as CANCELLED.
        poll(lambda: self.calls(self.server, 'StreamArticles', 'CANCELLED')
             >= before['CANCELLED'] + 40,
             'the server to end the 40 cancelled streams')
        self.assertEqual(
            self.calls(self.server, 'StreamArticles', 'OK'), before['OK'])
        self.assertServesCorrectly()
        self.assertCleanExit(self.server)

    def test_deadlines_expire_on_a_big_stream(self):
        # A client that stops reading after the first message: flow control
        # holds the server until the deadline passes.
        stub = self.stub(self.target, SMALL_WINDOW)
        for timeout in (0.5, 1.5):
            call = stub.StreamArticles(nc.v1.StreamArticlesRequest(
                view=nc.v1.ARTICLE_VIEW_FULL), timeout=timeout)
            received = 0
            with self.assertRaises(grpc.RpcError) as raised:
                for _ in call:
                    received += 1
                    if received == 1:
                        time.sleep(timeout + 0.5)
            self.assertEqual(raised.exception.code(),
                             grpc.StatusCode.DEADLINE_EXCEEDED)
            self.assertLess(received, FAULT_CORPUS)
        # A deadline that passes while the client reads as fast as it can.
        fast = self.stub(self.target)
        call = fast.StreamArticles(nc.v1.StreamArticlesRequest(
            view=nc.v1.ARTICLE_VIEW_FULL), timeout=0.05)
        try:
            count = sum(1 for _ in call)
            self.assertEqual(count, FAULT_CORPUS)  # a very fast machine
        except grpc.RpcError as error:
            self.assertEqual(error.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertServesCorrectly()
        self.assertCleanExit(self.server)

    def test_a_slow_consumer_does_not_make_the_server_buffer_the_stream(self):
        self.assertServesCorrectly()  # warms the server's buffers up
        time.sleep(0.5)
        before = self.server.rss_bytes()
        stub = self.stub(self.target, SMALL_WINDOW)
        call = stub.StreamArticles(nc.v1.StreamArticlesRequest(
            view=nc.v1.ARTICLE_VIEW_FULL), timeout=120)
        rss = []
        for i in range(6):  # one message a second
            article = next(call)
            self.assertEqual(article, self.full[self.order[i]])
            time.sleep(1)
            rss.append(self.server.rss_bytes())
        growth = max(rss) - before
        print(f'slow consumer: {self.stream_bytes / MiB:.1f} MiB stream, '
              f'server RSS {before / MiB:.1f} MiB before, '
              f'+{growth / MiB:.1f} MiB at most over 6 s read one message '
              'a second', flush=True)
        # Buffering the stream would take its whole size; flow control
        # keeps the server at a message or a few in flight.
        self.assertLess(growth, self.stream_bytes / 4)
        call.cancel()
        self.assertServesCorrectly()
        self.assertCleanExit(self.server)

    def test_clients_killed_mid_stream(self):
        before = self.calls(self.server, 'StreamArticles', 'CANCELLED')
        script = (
            'import sys, time, grpc\n'
            f'sys.path.insert(0, {os.path.dirname(SAMPLE)!r})\n'
            'import newsmeta_client as nc\n'
            f'nc.load_stubs({STUBS!r})\n'
            f'channel = grpc.insecure_channel({self.target!r}, '
            f'options={SMALL_WINDOW!r})\n'
            'stub = nc.v1_grpc.ArticleServiceStub(channel)\n'
            'call = stub.StreamArticles(nc.v1.StreamArticlesRequest('
            'view=nc.v1.ARTICLE_VIEW_FULL))\n'
            'next(call)\n'
            'print("reading", flush=True)\n'
            'time.sleep(60)\n')
        clients = [subprocess.Popen([sys.executable, '-c', script],
                                    stdout=subprocess.PIPE, text=True)
                   for _ in range(4)]
        try:
            for client in clients:
                self.assertEqual(client.stdout.readline().strip(), 'reading')
        finally:
            for client in clients:
                client.kill()
                client.wait(timeout=30)
                client.stdout.close()
        # The server notices each dead connection and ends its call.
        poll(lambda: self.calls(self.server, 'StreamArticles', 'CANCELLED')
             >= before + 4, 'the server to end the 4 orphaned streams')
        self.assertServesCorrectly()
        self.assertCleanExit(self.server)

    def test_sigterm_during_streams(self):
        results = {}

        def reader(index, options):
            # Readers that keep reading take the BASIC view, so they can
            # finish within the grace even on a busy machine.
            stub = self.stub(self.target, options)
            call = stub.StreamArticles(nc.v1.StreamArticlesRequest(
                view=(nc.v1.ARTICLE_VIEW_FULL if options else
                      nc.v1.ARTICLE_VIEW_BASIC)), timeout=60)
            names = [next(call).name]
            started.release()
            if options:  # stalls until the server has stopped
                stopped.wait(timeout=60)
            try:
                names += [a.name for a in call]
                results[index] = (grpc.StatusCode.OK, names)
            except grpc.RpcError as error:
                results[index] = (error.code(), names)

        started = threading.Semaphore(0)
        stopped = threading.Event()
        threads = [threading.Thread(target=reader,
                                    args=(i, SMALL_WINDOW if i >= 3 else ()))
                   for i in range(5)]
        for thread in threads:
            thread.start()
        for _ in threads:
            self.assertTrue(started.acquire(timeout=60))
        self.server.signal(signal.SIGTERM)
        code = self.server.wait(timeout=STOP_TIMEOUT)
        stopped.set()
        for thread in threads:
            thread.join(timeout=60)
        self.assertEqual(code, 0, self.server.log()[-20000:])
        self.assertEqual(self.server.sanitizer_reports(), [])
        # Readers that keep reading get everything within the grace; the
        # stalled ones are cancelled when it ends. No call hangs.
        for i in range(3):
            self.assertEqual(results[i][0], grpc.StatusCode.OK, i)
            self.assertEqual(results[i][1], self.order, i)
        for i in range(3, 5):
            self.assertIn(results[i][0], (grpc.StatusCode.CANCELLED,
                                          grpc.StatusCode.UNAVAILABLE), i)
            self.assertEqual(results[i][1], self.order[:len(results[i][1])])


class ReloadUnderLoadTest(ServerTestCase):
    """Seed files rewritten and added while clients query: zero errors, and
    answers that carry the same catalog version agree."""

    def test_reload_during_load(self):
        seeds = os.path.join(workdir, 'reload-corpus')
        extra = os.path.join(workdir, 'reload-extra')
        generate_seeds(seeds, 300, seed=25)
        generate_seeds(extra, 40, seed=26)
        server = self.start(seeds, '--reload_quiet_period', '100ms')
        stub = self.stub(server.target)
        names = [a.name for a in nc.list_articles(
            stub, nc.v1.ListArticlesRequest(page_size=1000), 30)]
        self.assertEqual(len(names), 300)

        lock = threading.Lock()
        seen = {}  # (version, name) -> article bytes (BASIC)
        streams = {}  # version -> names in stream order
        listings = {}  # version -> names of a listing all of that version
        errors = []
        counts = {'get': 0, 'page': 0, 'stream': 0}
        stop = threading.Event()

        def record(version, article):
            key = (version, article.name)
            data = article.SerializeToString(deterministic=True)
            with lock:
                if seen.setdefault(key, data) != data:
                    errors.append(f'{article.name} differs within catalog '
                                  f'{version}')

        def record_order(table, version, order, what):
            with lock:
                if table.setdefault(version, order) != order:
                    errors.append(f'{what} of catalog {version} differs')

        def client(index):
            rng = random.Random(index)
            stub = self.stub(server.target)
            while not stop.is_set() and len(errors) < 5:
                try:
                    draw = rng.random()
                    if draw < 0.5:
                        article, call = stub.GetArticle.with_call(
                            nc.v1.GetArticleRequest(
                                name=rng.choice(names),
                                view=nc.v1.ARTICLE_VIEW_BASIC), timeout=30)
                        record(version_of(call), article)
                        counts['get'] += 1
                    elif draw < 0.8:
                        request = nc.v1.ListArticlesRequest(page_size=64)
                        order, versions = [], set()
                        while True:
                            page, call = stub.ListArticles.with_call(
                                request, timeout=30)
                            version = version_of(call)
                            versions.add(version)
                            for article in page.articles:
                                record(version, article)
                                order.append(article.name)
                            counts['page'] += 1
                            if not page.next_page_token:
                                break
                            request.page_token = page.next_page_token
                        if len(versions) == 1:
                            record_order(listings, version, order, 'listing')
                    else:
                        call = stub.StreamArticles(
                            nc.v1.StreamArticlesRequest(), timeout=60)
                        version = version_of(call)
                        order = []
                        for article in call:
                            record(version, article)
                            order.append(article.name)
                        record_order(streams, version, order, 'stream')
                        counts['stream'] += 1
                except grpc.RpcError as error:
                    with lock:
                        errors.append(f'{error.code()}: {error.details()}')

        threads = [threading.Thread(target=client, args=(i,))
                   for i in range(8)]
        for thread in threads:
            thread.start()
        files = seed_files(seeds)
        added = seed_files(extra)
        rng = random.Random(1)
        for generation in range(12):
            for path in rng.sample(files, 20):
                set_title(path, f'generation {generation}')
            if generation < len(added):
                shutil.copy(added[generation],
                            os.path.join(seeds, f'added-{generation}.txt'))
            time.sleep(0.6)
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
        versions = {version for version, _ in seen}
        metrics = server.metrics()
        print(f'reload during load: {metrics["newsmeta_catalog_reloads_total"]:.0f} '
              f'reloads, {len(versions)} catalog versions answered, '
              f'{counts["get"]} gets, {counts["page"]} pages, '
              f'{counts["stream"]} streams, {len(errors)} errors', flush=True)
        self.assertEqual(errors, [])
        self.assertGreaterEqual(len(versions), 3)
        self.assertEqual(
            metrics['newsmeta_catalog_loads_total{result="failed"}'], 0)
        # Within one catalog version, streams and listings agree.
        for version in set(streams) & set(listings):
            self.assertEqual(streams[version], listings[version], version)
        # The last catalog has every file: 300 + 12 added articles.
        poll(lambda: len(list(nc.list_articles(
            stub, nc.v1.ListArticlesRequest(page_size=1000), 30))) == 312,
            'the last reload')
        self.assertCleanExit(server)


def rewrite_same(path):
    """Replaces the seed file with a copy of itself (rename over it): a new
    inode and mtime, the same bytes."""
    shutil.copyfile(path, temp_name(path))
    os.replace(temp_name(path), path)


if __name__ == '__main__':
    unittest.main(verbosity=2)
