"""Big articles against the real newsmeta-server, read by a client with
gRPC's default limits (a received message of at most 4 MiB).

Seeds may be 4 MiB each (--max_seed_bytes), so a FULL page of a few big
articles used to be a response no default client could receive
(RESOURCE_EXHAUSTED). The server now stops a page before its response would
pass its byte budget (4 MiB less 16 KiB) and gives a next_page_token
(AIP-158 allows a short page), and refuses a BatchGetArticles answer that
would pass it with FAILED_PRECONDITION saying to ask for fewer names or the
BASIC view. The seeds are made at run time (about 20 MB), not committed.

Run by ctest as Hostile.BigArticles with /usr/bin/python3; see
tests/lib/newsmeta_testing.py for the environment.
"""

import hashlib
import os
import shutil
import sys
import tempfile
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import STUBS, Server, nc  # noqa: E402

MAX_RECEIVE = 4 << 20  # gRPC's default max_receive_message_length
# Body sizes of the seeds: three near the 4 MiB seed limit, four of 1.5 MiB
# and five small ones.
BODY_SIZES = [(4 << 20) - 4096] * 3 + [3 << 19] * 4 + [100] * 5

workdir = None
seeds = None
names = []  # in publish-time order, oldest first


def setUpModule():
    global workdir, seeds
    workdir = tempfile.mkdtemp(prefix='newsmeta-big-articles-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    seeds = os.path.join(workdir, 'seeds')
    os.mkdir(seeds)
    for i, size in enumerate(BODY_SIZES):
        url = f'https://example.com/big/{i}'
        with open(os.path.join(seeds, f'big_{i:02}.txt'), 'w') as f:
            f.write(f'---\ntitle: "Big article {i}"\n'
                    f'publishedDateTime: 2023-08-01T00:{i:02}:00Z\n'
                    f'originalUrl: "{url}"\n---\n' + 'b' * size)
        names.append('articles/' + hashlib.sha256(url.encode()).hexdigest()[:16])
    nc.load_stubs(STUBS)


class BigArticlesTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.server = Server(workdir, name='big')
        cls.server.start(seeds)
        cls.server.wait_serving()
        # gRPC's defaults: no option raises the receive limit.
        cls.channel = grpc.insecure_channel(cls.server.target)
        cls.stub = nc.v1_grpc.ArticleServiceStub(cls.channel)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        cls.server.kill()

    def test_full_pages_stay_under_the_default_receive_limit(self):
        request = nc.v1.ListArticlesRequest(
            page_size=1000, view=nc.v1.ARTICLE_VIEW_FULL,
            order_by='publish_time')
        served, sizes = [], []
        try:
            for page in nc.list_pages(self.stub, request, timeout=60):
                self.assertLessEqual(page.ByteSize(), MAX_RECEIVE)
                self.assertEqual(page.total_size, len(BODY_SIZES))
                served.extend(a.name for a in page.articles)
                sizes.append(len(page.articles))
        except grpc.RpcError as error:
            self.fail(f'ListArticles failed: {error.code()}: '
                      f'{error.details()} (pages so far: {sizes})')
        self.assertEqual(served, names)
        # Each near-limit article has a page of its own, the 1.5 MiB ones go
        # two to a page, and the small ones join the last of them.
        self.assertEqual(sizes, [1, 1, 1, 2, 7], sizes)

    def test_basic_pages_are_not_cut(self):
        request = nc.v1.ListArticlesRequest(
            page_size=1000, view=nc.v1.ARTICLE_VIEW_BASIC)
        page = self.stub.ListArticles(request, timeout=60)
        self.assertEqual(len(page.articles), len(BODY_SIZES))
        self.assertEqual(page.next_page_token, '')

    def test_batch_get_over_the_limit_fails_clearly(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.stub.BatchGetArticles(nc.v1.BatchGetArticlesRequest(
                names=names, view=nc.v1.ARTICLE_VIEW_FULL), timeout=60)
        error = raised.exception
        self.assertEqual(error.code(), grpc.StatusCode.FAILED_PRECONDITION,
                         error.details())
        self.assertRegex(error.details(),
                         r'ask for fewer names, or for ARTICLE_VIEW_BASIC')
        # Within the limit: the BASIC view of all; and one article is
        # answered however large, as GetArticle would.
        basic = self.stub.BatchGetArticles(nc.v1.BatchGetArticlesRequest(
            names=names, view=nc.v1.ARTICLE_VIEW_BASIC), timeout=60)
        self.assertEqual([a.name for a in basic.articles], names)
        one = self.stub.BatchGetArticles(nc.v1.BatchGetArticlesRequest(
            names=names[:1], view=nc.v1.ARTICLE_VIEW_FULL), timeout=60)
        self.assertEqual(len(one.articles[0].body), BODY_SIZES[0])

    def test_stream_sends_every_big_article(self):
        request = nc.v1.StreamArticlesRequest(
            view=nc.v1.ARTICLE_VIEW_FULL, order_by='publish_time')
        streamed = [a.name for a in nc.stream_articles(self.stub, request, 60)]
        self.assertEqual(streamed, names)


if __name__ == '__main__':
    unittest.main(verbosity=2)
