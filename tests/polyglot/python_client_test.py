"""The Python sample client (client/python/newsmeta_client.py) against the
real newsmeta-server, compared with the C++ newsmeta-client.

Run by ctest as Polyglot.Python with /usr/bin/python3 (Debian's grpcio and
protobuf) and these environment variables: NEWSMETA_SERVER, NEWSMETA_CLIENT,
NEWSMETA_GEN_SEEDS (binaries), NEWSMETA_SOURCE_DIR, NEWSMETA_BUILD_DIR (the
stubs are in $NEWSMETA_BUILD_DIR/client/python/gen).

The module starts one server on a free loopback port with a generated corpus
of 2000 documents, and stops it with SIGTERM at the end (exit code 0).
"""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import (CLIENT, COMMAND_TIMEOUT, SAMPLE,  # noqa: E402
                              STUBS, Server, generate_seeds, nc)

CORPUS_SIZE = 2000


# Set by setUpModule.
server = None
channel = None
stub = None


def setUpModule():
    global server, channel, stub
    workdir = tempfile.mkdtemp(prefix='newsmeta-python-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    seeds = os.path.join(workdir, 'seeds')
    generate_seeds(seeds, CORPUS_SIZE)
    server = Server(workdir)
    # Runs even when setUpModule fails: nothing is left running.
    unittest.addModuleCleanup(server.kill)
    server.start(seeds)
    server.wait_serving()
    nc.load_stubs(STUBS)
    channel = grpc.insecure_channel(server.target)
    stub = nc.v1_grpc.ArticleServiceStub(channel)


def tearDownModule():
    channel.close()
    code = server.stop()
    if code != 0:
        raise AssertionError(f'server exited with {code} after SIGTERM, '
                             f'not 0; log:\n{server.log()}')


def cxx_client(*args):
    """Runs newsmeta-client against the server; returns the result."""
    return subprocess.run([CLIENT, '--target', server.target, *args],
                          capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)


def python_client(*args):
    """Runs the Python sample's command line; returns the result."""
    return subprocess.run(
        ['/usr/bin/python3', SAMPLE, '--stubs', STUBS, '--target',
         server.target, *args], capture_output=True, text=True,
        timeout=COMMAND_TIMEOUT)


def stdout_of(result):
    """The output of a command that must succeed."""
    if result.returncode != 0:
        raise AssertionError(f'{result.args} exited {result.returncode}: '
                             f'{result.stderr}')
    return result.stdout


def json_lines(result):
    """The articles printed by a --json run, as dicts."""
    return [json.loads(line) for line in stdout_of(result).splitlines()]


def names(articles):
    return [article['name'] if isinstance(article, dict) else article.name
            for article in articles]


class Query:
    """One query, as C++ client flags and as Python request arguments."""

    def __init__(self, topics, start, end, order_by='', filter_text='',
                 providers=()):
        self.kwargs = dict(topics=topics, start=start, end=end,
                           order_by=order_by, filter_text=filter_text,
                           providers=providers)
        self.flags = ['--topic', ','.join(topics), '--from', start, '--to',
                      end]
        if providers:
            self.flags += ['--provider', ','.join(providers)]
        if order_by:
            self.flags += ['--order_by', order_by]
        if filter_text:
            self.flags += ['--filter', filter_text]

    def request(self, request_type):
        return nc.query_request(request_type, **self.kwargs)

    def __repr__(self):
        return ' '.join(self.flags)


class TimeArgTest(unittest.TestCase):
    """--from / --to follow the C++ client's rules."""

    def test_date_starts_at_midnight_utc(self):
        self.assertEqual(nc.parse_time_arg('2023-07-01', is_end=False),
                         (1688169600, 0))

    def test_end_date_includes_that_day(self):
        self.assertEqual(nc.parse_time_arg('2023-07-31', is_end=True),
                         (1690848000, 0))  # 2023-08-01T00:00:00Z

    def test_rfc3339_keeps_offset_and_fraction(self):
        self.assertEqual(
            nc.parse_time_arg('2023-07-01T09:00:00.25+02:00', is_end=True),
            (1688194800, 250000000))  # 07:00:00.25Z
        self.assertEqual(nc.parse_time_arg('2023-07-01t07:00:00z', False),
                         (1688194800, 0))

    def test_anything_else_is_rejected(self):
        for text in ('2023-7-1', '2023-02-30', '2023-07-01T09:00:00',
                     '2023-07-01 09:00:00Z', 'yesterday'):
            with self.subTest(text=text), self.assertRaises(ValueError):
                nc.parse_time_arg(text, is_end=False)


class SameAnswersAsCppClientTest(unittest.TestCase):
    """Paged ListArticles and StreamArticles from Python return the same
    articles in the same order as the C++ client."""

    @classmethod
    def setUpClass(cls):
        summary = json.loads(stdout_of(cxx_client(
            'summary', '--json', '--top_n', '10', '--interval', 'none')))
        topics = [count['topic'] for count in summary['topicCounts']
                  if ',' not in count['topic']]
        providers = [count['domain'] for count in summary['providerCounts']]
        cls.topic = topics[0]
        # The middle half of the months that hold the topic.
        by_month = json.loads(stdout_of(cxx_client(
            'summary', '--json', '--topic', cls.topic, '--interval',
            'month')))['histogram']
        first, last = len(by_month) // 4, 3 * len(by_month) // 4
        cls.start = by_month[first]['startTime'][:10]
        # The day before the first month left out: --to includes it.
        end_month = by_month[last]['startTime'][:10]
        cls.end = (datetime.date.fromisoformat(end_month)
                   - datetime.timedelta(days=1)).isoformat()
        cls.expected_count = sum(bucket.get('count', 0)
                                 for bucket in by_month[first:last])
        cls.queries = [
            Query([cls.topic], cls.start, cls.end),
            Query([cls.topic], cls.start, cls.end,
                  order_by='quality desc, publish_time desc',
                  filter_text='quality >= 40 OR heat < 100'),
            Query(topics[1:3], cls.start, cls.end, order_by='heat',
                  providers=providers[:5]),
        ]

    def cxx_list(self, query):
        return json_lines(cxx_client('list', '--all', '--json',
                                     '--page_size', '50', *query.flags))

    def cxx_stream(self, query):
        return json_lines(cxx_client('stream', '--json', *query.flags))

    def test_query_covers_many_pages(self):
        articles = self.cxx_list(self.queries[0])
        # The month histogram and the date range agree (--to is inclusive).
        self.assertEqual(len(articles), self.expected_count)
        self.assertGreater(len(articles), 10 * 7, self.queries[0])

    def test_paged_list_matches_cpp_list(self):
        for query in self.queries:
            with self.subTest(query=query):
                request = query.request(nc.v1.ListArticlesRequest)
                request.page_size = 7
                pages = list(nc.list_pages(stub, request, timeout=30))
                got = [a for page in pages for a in page.articles]
                expected = names(self.cxx_list(query))
                self.assertTrue(expected)
                self.assertEqual(names(got), expected)
                self.assertEqual(len(pages), -(-len(expected) // 7))
                self.assertTrue(all(page.total_size == len(expected)
                                    for page in pages))

    def test_stream_matches_cpp_stream(self):
        for query in self.queries:
            with self.subTest(query=query):
                request = query.request(nc.v1.StreamArticlesRequest)
                got = list(nc.stream_articles(stub, request, timeout=30))
                expected = names(self.cxx_stream(query))
                self.assertTrue(expected)
                self.assertEqual(names(got), expected)

    def test_order_and_filter_are_applied(self):
        query = self.queries[1]
        request = query.request(nc.v1.StreamArticlesRequest)
        got = list(nc.stream_articles(stub, request, timeout=30))
        keys = [(-a.quality, -a.publish_time.ToNanoseconds()) for a in got]
        self.assertEqual(keys, sorted(keys))
        self.assertTrue(all(a.quality >= 40 or a.heat < 100 for a in got))
        self.assertLess(len(got), self.expected_count)

    def test_command_line_prints_what_cpp_prints(self):
        query = self.queries[0]
        flags = [flag.replace('_', '-') if flag.startswith('--') else flag
                 for flag in query.flags]
        listed = json_lines(python_client('list', '--all', '--json',
                                          '--page-size', '7', *flags))
        # Both print canonical proto3 JSON: equal once parsed.
        self.assertEqual(listed, self.cxx_list(query))
        query = self.queries[1]
        streamed = json_lines(python_client('stream', '--json',
                                            *query.flags))
        self.assertEqual(names(streamed), names(self.cxx_stream(query)))


class CancelAndDeadlineTest(unittest.TestCase):
    """Streams stop on cancellation and deadlines; the server carries on."""

    def everything(self):
        return nc.v1.StreamArticlesRequest(
            view=nc.v1.ArticleView.ARTICLE_VIEW_FULL)

    def assertServerAnswers(self):
        self.assertEqual(nc.health_check(channel, timeout=10), 'SERVING')
        page = stub.ListArticles(nc.v1.ListArticlesRequest(page_size=3),
                                 timeout=10)
        self.assertEqual(len(page.articles), 3)
        self.assertEqual(page.total_size, CORPUS_SIZE)

    def test_cancel_mid_stream(self):
        call = stub.StreamArticles(self.everything(), timeout=30)
        for _ in range(5):
            next(call)
        call.cancel()
        started = time.monotonic()
        with self.assertRaises(grpc.RpcError) as caught:
            for _ in call:
                pass
        self.assertLess(time.monotonic() - started, 5)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.CANCELLED)
        self.assertEqual(call.code(), grpc.StatusCode.CANCELLED)
        self.assertServerAnswers()

    def test_deadline_with_slow_reader(self):
        started = time.monotonic()
        read = 0
        with self.assertRaises(grpc.RpcError) as caught:
            for _ in nc.stream_articles(stub, self.everything(), timeout=1):
                read += 1
                time.sleep(0.01)  # 2000 articles would take 20 s
        self.assertEqual(caught.exception.code(),
                         grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertGreater(read, 0)
        self.assertLess(read, CORPUS_SIZE)
        self.assertLess(time.monotonic() - started, 10)
        self.assertServerAnswers()

    def test_deadline_too_short_for_anything(self):
        with self.assertRaises(grpc.RpcError) as caught:
            list(nc.stream_articles(stub, self.everything(), timeout=0.001))
        self.assertEqual(caught.exception.code(),
                         grpc.StatusCode.DEADLINE_EXCEEDED)
        self.assertServerAnswers()


class ErrorDetailsTest(unittest.TestCase):
    """The sample decodes grpc-status-details-bin into google.rpc.Status."""

    BAD_FILTER = 'quality >> 3'

    def assertInvalidFilter(self, error):
        self.assertEqual(error.code(), grpc.StatusCode.INVALID_ARGUMENT)
        details = nc.error_details(error)
        self.assertIsNotNone(details)
        self.assertEqual(details.status.code,
                         grpc.StatusCode.INVALID_ARGUMENT.value[0])
        self.assertEqual(details.status.message, error.details())
        self.assertIn('position 10', error.details())
        info = details.error_info
        self.assertEqual(info.reason, 'INVALID_FILTER')
        self.assertEqual(info.domain, 'newsmeta.v1')
        self.assertEqual(info.metadata['position'], '10')
        self.assertIn('filter', [violation.field for violation
                                 in details.bad_request.field_violations])

    def test_bad_filter_in_list(self):
        with self.assertRaises(grpc.RpcError) as caught:
            stub.ListArticles(
                nc.v1.ListArticlesRequest(filter=self.BAD_FILTER),
                timeout=10)
        self.assertInvalidFilter(caught.exception)

    def test_bad_filter_in_stream(self):
        request = nc.query_request(nc.v1.StreamArticlesRequest,
                                   filter_text=self.BAD_FILTER)
        with self.assertRaises(grpc.RpcError) as caught:
            list(nc.stream_articles(stub, request, timeout=10))
        self.assertInvalidFilter(caught.exception)

    def test_unknown_article(self):
        name = 'articles/0000000000000000'
        with self.assertRaises(grpc.RpcError) as caught:
            nc.get_article(stub, name, timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.NOT_FOUND)
        details = nc.error_details(caught.exception)
        self.assertEqual(details.error_info.reason, 'ARTICLE_NOT_FOUND')
        self.assertEqual(details.error_info.domain, 'newsmeta.v1')
        self.assertEqual(details.error_info.metadata['name'], name)

    def test_known_article(self):
        first = stub.ListArticles(nc.v1.ListArticlesRequest(page_size=1),
                                  timeout=10).articles[0]
        # List's default view is BASIC, Get's is FULL.
        basic = nc.get_article(stub, first.name, view='basic', timeout=10)
        self.assertEqual(basic, first)
        full = nc.get_article(stub, first.name, timeout=10)
        self.assertEqual(full.name, first.name)
        self.assertTrue(full.SerializeToString().startswith(
            basic.SerializeToString()))

    def test_command_line_prints_details_and_exits_1(self):
        result = python_client('list', '--filter', self.BAD_FILTER)
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = result.stderr.splitlines()
        prefix = 'error: INVALID_ARGUMENT (3): '
        self.assertTrue(lines[0].startswith(prefix + 'filter: position 10: '),
                        lines[0])
        self.assertEqual(lines[1:], [
            '  reason: INVALID_FILTER (newsmeta.v1)',
            '  position: 10',
            '  bad field filter: ' + lines[0][len(prefix):],
        ])
        result = python_client('get', 'articles/0000000000000000')
        self.assertEqual(result.returncode, 1)
        self.assertIn('error: NOT_FOUND (5): ', result.stderr)
        self.assertIn('  reason: ARTICLE_NOT_FOUND (newsmeta.v1)',
                      result.stderr)


if __name__ == '__main__':
    unittest.main(verbosity=2)
