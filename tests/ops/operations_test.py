"""Operating newsmeta-server as a Kubernetes Deployment does: graceful drain
on SIGTERM, hot reload of the seeds folder (files, a ConfigMap's `..data`
link swap, SIGHUP, --strict), replicas behind a round-robin client, and the
Prometheus metrics. Every server is the real binary on a free loopback port.

Run by ctest as Operations.* with /usr/bin/python3; see
tests/lib/newsmeta_testing.py for the environment.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import (CLIENT, COMMAND_TIMEOUT,  # noqa: E402
                              SMALL_WINDOW, STOP_TIMEOUT, STUBS, Server,
                              generate_seeds, nc, poll, seed_files, set_title)

CORPUS_SIZE = 600
VERSION_HEADER = 'newsmeta-catalog-version'
# Every method of newsmeta.v1.ArticleService.
METHODS = ('GetArticle', 'ListArticles', 'BatchGetArticles',
           'SummarizeArticles', 'StreamArticles', 'WatchArticles')

workdir = None
corpus = None  # CORPUS_SIZE generated seed files
extra = None  # other generated seed files, not in the corpus


def setUpModule():
    global workdir, corpus, extra
    workdir = tempfile.mkdtemp(prefix='newsmeta-ops-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    corpus = os.path.join(workdir, 'corpus')
    extra = os.path.join(workdir, 'extra')
    generate_seeds(corpus, CORPUS_SIZE, seed=11)
    generate_seeds(extra, 20, seed=12)
    nc.load_stubs(STUBS)


def copy_seed(path, folder, name=None):
    """Copies a seed file into `folder` as `name` (default: a name made from
    its path, so copies of files from different corpora never collide)."""
    name = name or path.replace(os.sep, '_').lstrip('_')
    target = os.path.join(folder, name)
    shutil.copy(path, target)
    return target


class Client:
    """A channel and stubs to one target."""

    def __init__(self, target, options=()):
        self.channel = grpc.insecure_channel(target, options=list(options))
        self.stub = nc.v1_grpc.ArticleServiceStub(self.channel)

    def close(self):
        self.channel.close()

    def health(self):
        return nc.health_check(self.channel, timeout=5)

    def get(self, name):
        """(article or None when NOT_FOUND, catalog version header)."""
        try:
            article, call = self.stub.GetArticle.with_call(
                nc.v1.GetArticleRequest(name=name), timeout=5)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
            return None, dict(error.initial_metadata()).get(VERSION_HEADER)
        return article, dict(call.initial_metadata()).get(VERSION_HEADER)

    def names(self, page_size=1000):
        request = nc.v1.ListArticlesRequest(page_size=page_size)
        return [a.name for a in nc.list_articles(self.stub, request, 10)]

    def stream(self):
        return self.stub.StreamArticles(nc.v1.StreamArticlesRequest(),
                                        timeout=60)


class ServerTestCase(unittest.TestCase):
    """Starts servers with start() and always stops them."""

    def start(self, seeds, *flags, name='server'):
        server = Server(workdir, name=f'{self.id().split(".")[-1]}-{name}')
        self.addCleanup(server.kill)
        server.start(seeds, *flags)
        server.wait_serving()
        return server

    def client(self, target, options=()):
        client = Client(target, options)
        self.addCleanup(client.close)
        return client

    def copy_corpus(self, name, count=None):
        folder = os.path.join(workdir, f'{self.id().split(".")[-1]}-{name}')
        os.makedirs(folder)
        for path in seed_files(corpus)[:count]:
            copy_seed(path, folder)
        return folder

    def assertStopsWith(self, server, code, within):
        exit_code = server.wait(timeout=within)
        self.assertEqual(exit_code, code, server.log())


class DrainTest(ServerTestCase):

    def test_sigterm_drains_then_an_open_stream_still_ends_complete(self):
        server = self.start(corpus, '--drain_delay', '2s', '--shutdown_grace',
                            '10s')
        client = self.client(server.target, SMALL_WINDOW)
        first = client.names()[0]
        stream = client.stream()
        received = [next(stream).name for _ in range(5)]

        server.signal(signal.SIGTERM)
        # Health turns NOT_SERVING at once ...
        poll(lambda: client.health() == 'NOT_SERVING',
             'health NOT_SERVING after SIGTERM', timeout=1.5)
        # ... while calls are still answered during the drain delay.
        article, _ = client.get(first)
        self.assertIsNotNone(article)
        received += [article.name for article in stream]
        self.assertEqual(stream.code(), grpc.StatusCode.OK)
        self.assertEqual(len(received), CORPUS_SIZE)
        self.assertEqual(len(set(received)), CORPUS_SIZE)
        self.assertStopsWith(server, 0, within=STOP_TIMEOUT)
        log = server.log()
        self.assertLess(log.index('health is NOT_SERVING'),
                        log.index('shutting down'))

    def test_a_stream_that_outlives_the_grace_is_cancelled(self):
        server = self.start(corpus, '--drain_delay', '0s', '--shutdown_grace',
                            '1s')
        client = self.client(server.target, SMALL_WINDOW)
        stream = client.stream()
        next(stream)  # then stop reading: flow control holds the server
        server.signal(signal.SIGTERM)
        self.assertStopsWith(server, 0, within=10)
        with self.assertRaises(grpc.RpcError) as raised:
            for _ in stream:
                pass
        self.assertIn(raised.exception.code(),
                      (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE))

    def test_a_second_signal_ends_the_drain_delay(self):
        server = self.start(corpus, '--drain_delay', '60s')
        server.signal(signal.SIGTERM)
        server.wait_for_log('health is NOT_SERVING', 'the drain')
        server.signal(signal.SIGINT)
        self.assertStopsWith(server, 0, within=10)
        self.assertIn('ending the drain delay now', server.log())


class ReloadTest(ServerTestCase):
    QUICK = ('--reload_quiet_period', '200ms')

    def test_files_added_changed_and_removed_are_served(self):
        seeds = self.copy_corpus('seeds', count=50)
        server = self.start(seeds, *self.QUICK)
        client = self.client(server.target)
        names = client.names()
        self.assertEqual(len(names), 50)
        _, version = client.get(names[0])

        new_file = copy_seed(seed_files(extra)[0], seeds)
        poll(lambda: len(client.names()) == 51, 'the added article')
        added = (set(client.names()) - set(names)).pop()
        _, added_version = client.get(added)
        self.assertNotEqual(added_version, version)

        set_title(new_file, 'A changed title')
        poll(lambda: client.get(added)[0].title == 'A changed title',
             'the changed title')

        os.remove(new_file)
        poll(lambda: client.get(added)[0] is None, 'the removed article')
        # The same articles as at start: the same version again.
        self.assertEqual(client.get(names[0])[1], version)

        # Each reload logs its diff (one JSON object per line).
        reloads = [line for line in map(json.loads, server.log().splitlines())
                   if line['message'].startswith('reloaded ')]
        diffs = {(r['added'], r['changed'], r['removed']) for r in reloads}
        self.assertLessEqual({(1, 0, 0), (0, 1, 0), (0, 0, 1)}, diffs)

        metrics = server.metrics()
        self.assertGreaterEqual(metrics['newsmeta_catalog_reloads_total'], 3)
        self.assertEqual(
            metrics['newsmeta_catalog_loads_total{result="failed"}'], 0)
        self.assertEqual(metrics['newsmeta_catalog_articles'], 50)

    def test_configmap_data_link_swap_is_reloaded(self):
        # The layout kubelet gives a ConfigMap volume: each key is a link
        # through `..data`, itself a link to a timestamped folder; an update
        # writes a new folder and renames a new link over `..data`.
        root = os.path.join(workdir, 'configmap')
        paths = seed_files(corpus)[:3]
        files = [f'seed{i}.txt' for i in range(3)]
        os.makedirs(os.path.join(root, '..v1'))
        for path, file in zip(paths[:2], files):
            copy_seed(path, os.path.join(root, '..v1'), file)
            os.symlink(os.path.join('..data', file), os.path.join(root, file))
        os.symlink('..v1', os.path.join(root, '..data'))
        server = self.start(root, *self.QUICK)
        client = self.client(server.target)
        before = client.names()
        self.assertEqual(len(before), 2)

        os.makedirs(os.path.join(root, '..v2'))
        for path, file in zip(paths, files):
            copy_seed(path, os.path.join(root, '..v2'), file)
        set_title(os.path.join(root, '..v2', files[0]), 'Updated by kubelet')
        os.symlink(os.path.join('..data', files[2]),
                   os.path.join(root, files[2]))
        os.symlink('..v2', os.path.join(root, '..data_tmp'))
        os.rename(os.path.join(root, '..data_tmp'), os.path.join(root, '..data'))
        shutil.rmtree(os.path.join(root, '..v1'))

        poll(lambda: len(client.names()) == 3, 'the third article')
        titles = {client.get(name)[0].title for name in client.names()}
        self.assertIn('Updated by kubelet', titles)

    def test_sighup_reloads_when_watching_is_off(self):
        seeds = self.copy_corpus('seeds', count=10)
        server = self.start(seeds, '--watch_seeds=false')
        client = self.client(server.target)
        copy_seed(seed_files(extra)[1], seeds)
        time.sleep(1)
        self.assertEqual(len(client.names()), 10)
        server.signal(signal.SIGHUP)
        poll(lambda: len(client.names()) == 11, 'the reload on SIGHUP')
        self.assertIn('received SIGHUP', server.log())

    def test_strict_reload_with_a_bad_file_keeps_the_old_catalog(self):
        seeds = self.copy_corpus('seeds', count=10)
        server = self.start(seeds, '--strict', *self.QUICK)
        client = self.client(server.target)
        names = client.names()
        _, version = client.get(names[0])

        copy_seed(seed_files(extra)[2], seeds)
        with open(os.path.join(seeds, 'broken.txt'), 'w') as f:
            f.write('---\ntitle: [unclosed\n---\n')
        server.wait_for_log(r'reload failed.*', 'the failed reload')
        self.assertRegex(server.log(), r'rejected seed broken\.txt:')
        self.assertEqual(client.names(), names)
        self.assertEqual(client.get(names[0])[1], version)
        self.assertEqual(
            server.metrics()['newsmeta_catalog_loads_total{result="failed"}'],
            1)

        os.remove(os.path.join(seeds, 'broken.txt'))
        poll(lambda: len(client.names()) == 11, 'the fixed reload')
        self.assertEqual(client.health(), 'SERVING')

    def test_a_stream_keeps_the_catalog_it_started_with(self):
        seeds = self.copy_corpus('seeds', count=300)
        server = self.start(seeds, *self.QUICK)
        client = self.client(server.target, SMALL_WINDOW)
        probe = self.client(server.target)
        kept = client.names()[-1]
        stream = client.stream()
        received = [next(stream).name for _ in range(3)]
        for path in seed_files(seeds)[:200]:
            os.remove(path)
        poll(lambda: len(probe.names()) == 100, 'the reload')
        received += [article.name for article in stream]
        self.assertEqual(len(received), 300)
        self.assertIn(kept, received)


class ReplicasTest(ServerTestCase):
    """Three replicas of one corpus behind a round-robin client."""

    def setUp(self):
        self.servers = [self.start(corpus, name=f'replica{i}')
                        for i in range(3)]
        targets = ','.join(s.target for s in self.servers)
        self.balanced = self.client(
            f'ipv4:{targets}',
            [('grpc.service_config',
              '{"loadBalancingConfig": [{"round_robin": {}}]}')])

    def calls(self, server, method, code='OK'):
        series = ('newsmeta_rpc_requests_total{method="/newsmeta.v1.'
                  f'ArticleService/{method}",code="{code}"}}')
        return server.metrics().get(series, 0)

    def warm_up(self):
        """Calls until every replica has answered one: round robin only
        picks connections that are ready, and they connect one by one."""
        request = nc.v1.ListArticlesRequest(page_size=1)
        poll(lambda: self.balanced.stub.ListArticles(request) and all(
            self.calls(s, 'ListArticles') > 0 for s in self.servers),
            'every replica to answer')

    def test_calls_spread_over_every_replica(self):
        self.warm_up()
        names = self.client(self.servers[0].target).names()
        for name in names[:30]:
            self.assertIsNotNone(self.balanced.get(name)[0])
        counts = [self.calls(s, 'GetArticle') for s in self.servers]
        self.assertEqual(sum(counts), 30)
        # Round robin over three ready connections: ten calls each.
        self.assertEqual(counts, [10, 10, 10])

    def test_page_tokens_work_on_any_replica(self):
        direct = [self.client(s.target) for s in self.servers]
        request = nc.v1.ListArticlesRequest(page_size=40,
                                            order_by='quality desc')
        first = direct[0].stub.ListArticles(request)
        request.page_token = first.next_page_token
        seconds = [d.stub.ListArticles(request).articles for d in direct]
        self.assertEqual(seconds[0], seconds[1])
        self.assertEqual(seconds[0], seconds[2])

        # Paging through the balanced channel: each page from the next
        # replica, the same articles as from one server.
        self.warm_up()
        request = nc.v1.ListArticlesRequest(page_size=50,
                                            order_by='heat desc')
        balanced = [a.name for a in
                    nc.list_articles(self.balanced.stub, request, 10)]
        single = [a.name for a in nc.list_articles(direct[1].stub, request,
                                                   10)]
        self.assertEqual(balanced, single)
        self.assertEqual(len(balanced), CORPUS_SIZE)
        for server in self.servers:
            self.assertGreaterEqual(self.calls(server, 'ListArticles'), 2)


    def test_cxx_client_pages_round_robin(self):
        targets = 'ipv4:' + ','.join(s.target for s in self.servers)
        before = [self.calls(s, 'ListArticles') for s in self.servers]
        result = subprocess.run(
            [CLIENT, '--target', targets, '--load_balancing', 'round_robin',
             'list', '--all', '--page_size', '60', '--json'],
            capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        self.assertEqual(result.returncode, 0, result.stderr)
        got = [json.loads(line)['name'] for line in result.stdout.splitlines()]
        self.assertEqual(got, self.client(self.servers[2].target).names(60))
        after = [self.calls(s, 'ListArticles') for s in self.servers]
        # Ten pages over three replicas: each answered some.
        for old, new in zip(before, after):
            self.assertGreater(new, old, (before, after))


class MetricsTest(ServerTestCase):

    def test_scrape_counts_calls_streams_and_the_catalog(self):
        server = self.start(corpus)
        client = self.client(server.target)
        names = client.names()  # one ListArticles page
        _, version = client.get(names[0])
        self.assertIsNone(client.get('articles/0000000000000000')[0])
        streamed = len(list(client.stream()))
        metrics = server.metrics()

        article_service = '/newsmeta.v1.ArticleService/'
        get_ok = f'method="{article_service}GetArticle",code="OK"'
        self.assertEqual(metrics[f'newsmeta_rpc_requests_total{{{get_ok}}}'],
                         1)
        self.assertEqual(
            metrics[f'newsmeta_rpc_duration_seconds_count{{{get_ok}}}'], 1)
        self.assertEqual(
            metrics['newsmeta_rpc_requests_total{method="'
                    f'{article_service}GetArticle",code="NOT_FOUND"}}'], 1)
        self.assertEqual(streamed, CORPUS_SIZE)
        self.assertEqual(
            metrics['newsmeta_stream_messages_sent_total{method="'
                    f'{article_service}StreamArticles"}}'], CORPUS_SIZE)
        self.assertEqual(metrics['newsmeta_catalog_articles'], CORPUS_SIZE)
        self.assertEqual(
            metrics[f'newsmeta_catalog_info{{version="{version}"}}'], 1)
        self.assertEqual(metrics['newsmeta_catalog_loads_total{result="ok"}'],
                         1)
        self.assertTrue(any(series.startswith('newsmeta_build_info{')
                            for series in metrics))

    def test_a_malformed_request_is_invalid_argument(self):
        # Every method parses its request itself (raw methods), so each
        # answers bytes that are no message alike.
        server = self.start(corpus)
        client = self.client(server.target)
        for method in METHODS:
            with self.subTest(method=method), \
                    self.assertRaises(grpc.RpcError) as raised:
                self.call(client, method, b'\xff\xff\xff', timeout=5)
            self.assertEqual(raised.exception.code(),
                             grpc.StatusCode.INVALID_ARGUMENT)
            self.assertIn('not a valid newsmeta.v1.',
                          raised.exception.details())

    def test_random_request_bytes_get_a_status_of_the_request(self):
        # Random and mutated bytes to every method: whatever they parse as,
        # the answer is never "no such method" or a server fault, and the
        # server keeps serving.
        server = self.start(corpus)
        client = self.client(server.target)
        rng = random.Random(21)
        valid = nc.v1.ListArticlesRequest(
            page_size=5, order_by='publish_time desc').SerializeToString()
        payloads = [bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40)))
                    for _ in range(12)]
        payloads += [bytes(b ^ (1 << rng.randrange(8)) if rng.random() < 0.2
                           else b for b in valid) for _ in range(4)]
        refused = {grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL,
                   grpc.StatusCode.UNKNOWN, grpc.StatusCode.UNAVAILABLE}
        for method in METHODS:
            for payload in payloads:
                try:
                    # A watch whose bytes parse stays open: its deadline
                    # ends it.
                    self.call(client, method, payload, timeout=1)
                except grpc.RpcError as error:
                    with self.subTest(method=method, payload=payload.hex()):
                        self.assertNotIn(error.code(), refused,
                                         error.details())
        names = client.names()
        self.assertEqual(len(names), CORPUS_SIZE)
        self.assertIsNotNone(client.get(names[0])[0])

    @staticmethod
    def call(client, method, payload, timeout):
        """Sends `payload` as the request of `method`; reads a stream to
        its end."""
        path = f'/newsmeta.v1.ArticleService/{method}'
        if method in ('StreamArticles', 'WatchArticles'):
            return list(client.channel.unary_stream(path)(payload,
                                                          timeout=timeout))
        return client.channel.unary_unary(path)(payload, timeout=timeout)

if __name__ == '__main__':
    unittest.main()
