"""Transport security, access and request limits of the real newsmeta-server:
TLS and mutual TLS with throwaway certificates made by `openssl` for this
run, the plaintext health port, bearer tokens (and their reload), and the
limits on request size, filters, page size and concurrent streams. Every
server is the real binary on a free loopback port; clients are the C++
newsmeta-client (its flags), the Python sample, and grpcio directly.

Run by ctest as Security.* with /usr/bin/python3; see
tests/lib/newsmeta_testing.py for the environment.
"""

import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import (CLIENT, COMMAND_TIMEOUT, SAMPLE,  # noqa: E402
                              SERVER, SMALL_WINDOW, SOURCE_DIR, STUBS, Server,
                              generate_seeds, nc)

SEEDS = os.path.join(SOURCE_DIR, 'seeds')
SEED_ARTICLE = 'articles/ede44015d0ace88e'
SEED_TITLE = 'Elon Musk claims Tesla'
REFLECTION = '/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo'
# ServerReflectionRequest{list_services: "*"}, serialized by hand (field 7).
LIST_SERVICES = b'\x3a\x01*'
CORPUS_SIZE = 1100  # more than the largest page (1000)

workdir = None
certs = None  # name -> path of the PEM files made by make_certificates()
corpus = None


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT, **kwargs)


def openssl(*args):
    result = run(['openssl', *args], cwd=workdir)
    if result.returncode != 0:
        raise RuntimeError(f'openssl {" ".join(args)}:\n{result.stderr}')


def make_certificates(folder):
    """Two CAs; a server certificate for localhost and 127.0.0.1 and a
    client certificate signed by the first; a client certificate signed by
    the second. EC P-256 keys, valid for a day."""
    os.makedirs(folder)
    paths = {}

    def path(name):
        paths[name] = os.path.join(folder, name)
        return paths[name]

    def key(name):
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt',
                'ec_paramgen_curve:P-256', '-out', path(name))

    def ca(name):
        key(f'{name}.key')
        openssl('req', '-x509', '-new', '-key', paths[f'{name}.key'],
                '-out', path(f'{name}.pem'), '-days', '1',
                '-subj', f'/CN=newsmeta test {name}',
                '-addext', 'basicConstraints=critical,CA:TRUE',
                '-addext', 'keyUsage=critical,keyCertSign,cRLSign')

    def leaf(name, ca_name, extensions):
        key(f'{name}.key')
        openssl('req', '-new', '-key', paths[f'{name}.key'],
                '-out', path(f'{name}.csr'), '-subj', f'/CN={name}')
        with open(path(f'{name}.ext'), 'w') as f:
            f.write(extensions)
        openssl('x509', '-req', '-in', paths[f'{name}.csr'],
                '-CA', paths[f'{ca_name}.pem'],
                '-CAkey', paths[f'{ca_name}.key'],
                '-set_serial', str(secrets.randbits(63)), '-days', '1',
                '-extfile', paths[f'{name}.ext'], '-out', path(f'{name}.pem'))

    ca('ca')
    ca('other-ca')
    leaf('server', 'ca', 'subjectAltName=DNS:localhost,IP:127.0.0.1\n'
                         'extendedKeyUsage=serverAuth\n')
    leaf('client', 'ca', 'extendedKeyUsage=clientAuth\n')
    leaf('stranger', 'other-ca', 'extendedKeyUsage=clientAuth\n')
    return paths


def setUpModule():
    global workdir, certs, corpus
    workdir = tempfile.mkdtemp(prefix='newsmeta-security-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    certs = make_certificates(os.path.join(workdir, 'certs'))
    corpus = os.path.join(workdir, 'corpus')
    generate_seeds(corpus, CORPUS_SIZE, seed=21)
    nc.load_stubs(STUBS)


def read(name):
    with open(certs[name], 'rb') as f:
        return f.read()


def tls_channel(target, ca='ca', cert=None, options=()):
    credentials = grpc.ssl_channel_credentials(
        root_certificates=read(f'{ca}.pem'),
        private_key=read(f'{cert}.key') if cert else None,
        certificate_chain=read(f'{cert}.pem') if cert else None)
    return grpc.secure_channel(target, credentials, list(options))


def reflect(channel, metadata=()):
    """The services reflection lists, as the raw bytes of its answer."""
    call = channel.stream_stream(REFLECTION)
    answers = list(call(iter([LIST_SERVICES]), timeout=10,
                        metadata=list(metadata)))
    return b''.join(answers)


def bearer(token):
    return [('authorization', f'Bearer {token}')]


class ServerTestCase(unittest.TestCase):

    def server(self, seeds, *flags, name='server'):
        """Starts a server; waits for its log to say where it listens."""
        server = Server(workdir, name=f'{self.id().split(".")[-1]}-{name}')
        self.addCleanup(server.kill)
        server.start(seeds, *flags)
        return server

    def health_target(self, server):
        port = server.wait_for_log(r'health on 127\.0\.0\.1:(\d+) \(plaintext',
                                   'the health port').group(1)
        return f'127.0.0.1:{port}'

    def wait_serving(self, target, *client_flags):
        """Until `newsmeta-client health` through `target` prints SERVING."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result = self.client(target, *client_flags, 'health',
                                 '--timeout', '2s')
            if result.stdout.strip() == 'SERVING':
                return
            time.sleep(0.2)
        self.fail(f'{target} never reported SERVING')

    def client(self, target, *args, env=None):
        return run([CLIENT, '--target', target, *args], env=env)

    def channel(self, channel):
        self.addCleanup(channel.close)
        return channel

    def assertRpcFails(self, code, call, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as raised:
            call(*args, **kwargs)
        self.assertEqual(raised.exception.code(), code,
                         raised.exception.details())
        return raised.exception


class TlsTest(ServerTestCase):

    @classmethod
    def setUpClass(cls):
        cls.tls_flags = ('--tls_cert', certs['server.pem'],
                         '--tls_key', certs['server.key'])

    def start(self, *flags):
        server = self.server(SEEDS, *self.tls_flags, '--health_port', '0',
                             *flags)
        health = self.health_target(server)
        self.wait_serving(health)
        return server, health

    def test_client_with_the_ca_gets_the_seed_article(self):
        server, _ = self.start()
        for flags in (('--tls_ca', certs['ca.pem']),
                      ('--tls_ca', certs['ca.pem'], '--tls_server_name',
                       'localhost')):
            result = self.client(server.target, *flags, 'get', SEED_ARTICLE)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertIn(SEED_TITLE, result.stdout)
        port = server.target.split(':')[1]
        result = self.client(f'localhost:{port}', '--tls_ca', certs['ca.pem'],
                             'list', '--json')
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(SEED_ARTICLE, result.stdout)
        # The Python sample and grpcio directly.
        result = run(['/usr/bin/python3', SAMPLE, '--stubs', STUBS,
                      '--target', server.target, '--tls-ca', certs['ca.pem'],
                      'get', SEED_ARTICLE])
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(SEED_TITLE, result.stdout)
        channel = self.channel(tls_channel(server.target))
        article = nc.get_article(nc.v1_grpc.ArticleServiceStub(channel),
                                 SEED_ARTICLE, timeout=10)
        self.assertIn(SEED_TITLE, article.title)

    def test_plaintext_and_untrusted_clients_are_refused(self):
        server, _ = self.start()
        plaintext = self.client(server.target, 'get', SEED_ARTICLE,
                                '--timeout', '5s')
        self.assertEqual(plaintext.returncode, 1)
        self.assertIn('UNAVAILABLE', plaintext.stderr)
        # The server's certificate is signed by a CA the client does not
        # trust: the system's roots, or the other CA.
        for flags in (('--tls',), ('--tls_ca', certs['other-ca.pem'])):
            result = self.client(server.target, *flags, 'get', SEED_ARTICLE,
                                 '--timeout', '5s')
            self.assertEqual(result.returncode, 1, flags)
            self.assertIn('UNAVAILABLE', result.stderr)
        # A name the certificate is not for.
        result = self.client(server.target, '--tls_ca', certs['ca.pem'],
                             '--tls_server_name', 'example.com', 'get',
                             SEED_ARTICLE, '--timeout', '5s')
        self.assertEqual(result.returncode, 1)
        channel = self.channel(grpc.insecure_channel(server.target))
        self.assertRpcFails(grpc.StatusCode.UNAVAILABLE, nc.health_check,
                            channel, timeout=5)

    def test_health_port_is_plaintext_and_serves_only_health(self):
        server, health = self.start('--drain_delay', '5s')
        channel = self.channel(grpc.insecure_channel(health))
        self.assertEqual(nc.health_check(channel, timeout=5), 'SERVING')
        self.assertEqual(nc.health_check(channel, 'newsmeta.v1.ArticleService',
                                         timeout=5), 'SERVING')
        self.assertRpcFails(grpc.StatusCode.UNIMPLEMENTED, nc.get_article,
                            nc.v1_grpc.ArticleServiceStub(channel),
                            SEED_ARTICLE, timeout=5)
        self.assertRpcFails(grpc.StatusCode.UNIMPLEMENTED, reflect, channel)
        # The main port still serves health and reflection, over TLS.
        tls = self.channel(tls_channel(server.target))
        self.assertEqual(nc.health_check(tls, timeout=5), 'SERVING')
        self.assertIn(b'newsmeta.v1.ArticleService', reflect(tls))
        self.assertRpcFails(grpc.StatusCode.NOT_FOUND, nc.health_check,
                            channel, 'no.such.Service', timeout=5)
        # Watch: the status at once, then each change (draining here).
        health = nc.health_grpc.HealthStub(channel)
        statuses = nc.health_pb2.HealthCheckResponse
        unknown = health.Watch(
            nc.health_pb2.HealthCheckRequest(service='no.such.Service'),
            timeout=30)
        self.assertEqual(next(unknown).status, statuses.SERVICE_UNKNOWN)
        unknown.cancel()
        watch = health.Watch(nc.health_pb2.HealthCheckRequest(), timeout=30)
        self.assertEqual(next(watch).status, statuses.SERVING)
        server.signal(signal.SIGTERM)
        self.assertEqual(next(watch).status, statuses.NOT_SERVING)
        self.assertEqual(nc.health_check(channel, timeout=5), 'NOT_SERVING')
        self.assertEqual(server.wait(), 0, server.log())
        with self.assertRaises(grpc.RpcError):
            next(watch)  # ended by the shutdown

    def test_health_port_defaults_to_50052_with_tls(self):
        server = Server(workdir, name='health-default')
        self.addCleanup(server.kill)
        with open(server.log_path, 'wb') as log:
            server.process = subprocess.Popen(
                [SERVER, '--host', '127.0.0.1', '--port', '0',
                 '--metrics_port', '-1', '--seeds', SEEDS, *self.tls_flags],
                stdout=log, stderr=subprocess.STDOUT)
        # Either it listens there, or the port is taken on this machine.
        pattern = (r'health on 127\.0\.0\.1:50052 \(plaintext|'
                   r'cannot listen on 127\.0\.0\.1:50052 \(health port\)')
        deadline = time.monotonic() + 30
        while not re.search(pattern, server.log()):
            self.assertLess(time.monotonic(), deadline, server.log())
            time.sleep(0.05)

    def test_no_health_port_without_tls(self):
        server = self.server(SEEDS)
        server.wait_serving()
        self.assertNotIn('health on', server.log())


class MutualTlsTest(ServerTestCase):

    def test_only_clients_with_a_certificate_of_the_ca_get_in(self):
        server = self.server(SEEDS, '--tls_cert', certs['server.pem'],
                             '--tls_key', certs['server.key'],
                             '--tls_client_ca', certs['ca.pem'],
                             '--health_port', '0')
        health = self.health_target(server)
        self.wait_serving(health)  # plaintext, no client certificate
        ca = ('--tls_ca', certs['ca.pem'])
        result = self.client(server.target, *ca, '--tls_cert',
                             certs['client.pem'], '--tls_key',
                             certs['client.key'], 'get', SEED_ARTICLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn(SEED_TITLE, result.stdout)
        for refused in ((), ('--tls_cert', certs['stranger.pem'], '--tls_key',
                             certs['stranger.key'])):
            result = self.client(server.target, *ca, *refused, 'get',
                                 SEED_ARTICLE, '--timeout', '5s')
            self.assertEqual(result.returncode, 1, refused)
            self.assertIn('UNAVAILABLE', result.stderr)

        stub = nc.v1_grpc.ArticleServiceStub
        good = self.channel(tls_channel(server.target, cert='client'))
        self.assertEqual(nc.get_article(stub(good), SEED_ARTICLE,
                                        timeout=10).name, SEED_ARTICLE)
        for cert in (None, 'stranger'):
            channel = self.channel(tls_channel(server.target, cert=cert))
            self.assertRpcFails(grpc.StatusCode.UNAVAILABLE, nc.get_article,
                                stub(channel), SEED_ARTICLE, timeout=5)
        result = run(['/usr/bin/python3', SAMPLE, '--stubs', STUBS,
                      '--target', server.target, '--tls-ca', certs['ca.pem'],
                      '--tls-cert', certs['client.pem'], '--tls-key',
                      certs['client.key'], 'get', SEED_ARTICLE])
        self.assertEqual(result.returncode, 0, result.stderr)


class TlsStartErrorsTest(ServerTestCase):
    """A bad TLS file stops the server at start, naming the flag and file."""

    def assertRefused(self, *flags, expected):
        server = Server(workdir, name=f'{self.id().split(".")[-1]}')
        self.addCleanup(server.kill)
        with open(server.log_path, 'wb') as log:
            server.process = subprocess.Popen(
                [SERVER, '--host', '127.0.0.1',
                 '--port', '0', '--metrics_port', '-1', '--seeds', SEEDS,
                 *flags], stdout=log, stderr=subprocess.STDOUT)
        self.assertEqual(server.wait(timeout=30), 1, server.log())
        for text in expected:
            self.assertIn(text, server.log())
        self.assertNotIn('listening on', server.log())

    def test_missing_unreadable_invalid_and_mismatched_files(self):
        garbage = os.path.join(workdir, 'garbage.pem')
        with open(garbage, 'w') as f:
            f.write('not a certificate\n')
        missing = os.path.join(workdir, 'missing.pem')
        cert, key = certs['server.pem'], certs['server.key']
        self.assertRefused('--tls_cert', missing, '--tls_key', key,
                           expected=['--tls_cert', missing, 'cannot open'])
        self.assertRefused('--tls_cert', garbage, '--tls_key', key,
                           expected=['--tls_cert', garbage,
                                     'no PEM certificate'])
        self.assertRefused('--tls_cert', cert, '--tls_key', garbage,
                           expected=['--tls_key', garbage,
                                     'no PEM private key'])
        self.assertRefused('--tls_cert', cert, '--tls_key',
                           certs['client.key'],
                           expected=['--tls_key', certs['client.key'],
                                     'does not belong'])
        self.assertRefused('--tls_cert', cert, '--tls_key', key,
                           '--tls_client_ca', garbage,
                           expected=['--tls_client_ca', garbage])
        self.assertRefused('--tls_cert', cert,
                           expected=['--tls_cert and --tls_key'])
        self.assertRefused('--tls_cert', cert, '--tls_key', workdir,
                           expected=['--tls_key', 'not a regular file'])


class AuthTest(ServerTestCase):

    def write_tokens(self, path, *tokens):
        """Replaces the tokens file atomically, as a Secret update does."""
        with open(path + '.new', 'w') as f:
            f.write('# newsmeta bearer tokens\n\n')
            f.write(''.join(f'{token}\n' for token in tokens))
        os.replace(path + '.new', path)

    def test_calls_need_a_listed_token_health_does_not(self):
        tokens_file = os.path.join(workdir, 'tokens-calls')
        token, other = secrets.token_hex(16), secrets.token_urlsafe(24)
        wrong = secrets.token_hex(16)
        self.write_tokens(tokens_file, token, other)
        server = self.server(SEEDS, '--auth_tokens_file', tokens_file)
        server.wait_serving()  # health needs no token
        channel = self.channel(grpc.insecure_channel(server.target))
        stub = nc.v1_grpc.ArticleServiceStub(channel)
        calls = {
            'GetArticle': lambda md: stub.GetArticle(
                nc.v1.GetArticleRequest(name=SEED_ARTICLE), timeout=10,
                metadata=md),
            'ListArticles': lambda md: stub.ListArticles(
                nc.v1.ListArticlesRequest(), timeout=10, metadata=md),
            'BatchGetArticles': lambda md: stub.BatchGetArticles(
                nc.v1.BatchGetArticlesRequest(names=[SEED_ARTICLE]),
                timeout=10, metadata=md),
            'StreamArticles': lambda md: list(stub.StreamArticles(
                nc.v1.StreamArticlesRequest(), timeout=10, metadata=md)),
            'SummarizeArticles': lambda md: stub.SummarizeArticles(
                nc.v1.SummarizeArticlesRequest(), timeout=10, metadata=md),
        }
        for method, call in calls.items():
            with self.subTest(method=method):
                for metadata, reason in (
                        ((), 'MISSING_TOKEN'),
                        ([('authorization', f'Basic {token}')],
                         'MISSING_TOKEN'),
                        (bearer(wrong), 'INVALID_TOKEN'),
                        (bearer(token[:-1]), 'INVALID_TOKEN')):
                    error = self.assertRpcFails(
                        grpc.StatusCode.UNAUTHENTICATED, call, metadata)
                    details = nc.error_details(error)
                    self.assertEqual(details.error_info.reason, reason)
                    self.assertNotIn(token, error.details())
                call(bearer(token))
                call(bearer(other))
        self.assertEqual(nc.health_check(channel, timeout=5), 'SERVING')
        # Reflection is guarded too (cancelled with UNAUTHENTICATED).
        self.assertRpcFails(grpc.StatusCode.UNAUTHENTICATED, reflect, channel)
        self.assertRpcFails(grpc.StatusCode.UNAUTHENTICATED, reflect, channel,
                            bearer(wrong))
        self.assertIn(b'newsmeta.v1.ArticleService',
                      reflect(channel, bearer(token)))

        # The C++ client: --token, then $NEWSMETA_TOKEN; the Python sample.
        refused = self.client(server.target, 'get', SEED_ARTICLE)
        self.assertEqual(refused.returncode, 1)
        self.assertIn('UNAUTHENTICATED', refused.stderr)
        self.assertIn('MISSING_TOKEN', refused.stderr)
        result = self.client(server.target, '--token', token, 'get',
                             SEED_ARTICLE)
        self.assertEqual(result.returncode, 0, result.stderr)
        result = self.client(server.target, 'stream',
                             env={**os.environ, 'NEWSMETA_TOKEN': other})
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn('1 articles', result.stdout)
        result = run(['/usr/bin/python3', SAMPLE, '--stubs', STUBS,
                      '--target', server.target, 'stream'],
                     env={**os.environ, 'NEWSMETA_TOKEN': token})
        self.assertEqual(result.returncode, 0, result.stderr)
        result = run(['/usr/bin/python3', SAMPLE, '--stubs', STUBS,
                      '--target', server.target, '--token', wrong, 'get',
                      SEED_ARTICLE])
        self.assertEqual(result.returncode, 1)
        self.assertIn('UNAUTHENTICATED', result.stderr)

        self.assertEqual(server.stop(), 0)
        log = server.log()
        self.assertIn('bearer tokens: 2 loaded', log)
        for secret in (token, other, wrong):
            self.assertNotIn(secret, log)

    def test_a_replaced_tokens_file_is_used_within_seconds(self):
        tokens_file = os.path.join(workdir, 'tokens-rotation')
        old, new = secrets.token_hex(16), secrets.token_hex(16)
        self.write_tokens(tokens_file, old)
        server = self.server(SEEDS, '--auth_tokens_file', tokens_file)
        server.wait_serving()
        channel = self.channel(grpc.insecure_channel(server.target))
        stub = nc.v1_grpc.ArticleServiceStub(channel)

        def get(token):
            try:
                stub.GetArticle(nc.v1.GetArticleRequest(name=SEED_ARTICLE),
                                timeout=10, metadata=bearer(token))
                return grpc.StatusCode.OK
            except grpc.RpcError as error:
                return error.code()

        self.assertEqual(get(old), grpc.StatusCode.OK)
        self.assertEqual(get(new), grpc.StatusCode.UNAUTHENTICATED)
        self.write_tokens(tokens_file, new)
        deadline = time.monotonic() + 10
        while get(new) != grpc.StatusCode.OK:
            self.assertLess(time.monotonic(), deadline,
                            'the new token was never accepted')
            time.sleep(0.1)
        self.assertEqual(get(old), grpc.StatusCode.UNAUTHENTICATED)
        server.wait_for_log('bearer tokens reloaded: 1', 'the reload')

        # A file without tokens is refused; the tokens in use stay.
        self.write_tokens(tokens_file)
        server.wait_for_log('bearer tokens file refused', 'the refusal')
        self.assertEqual(get(new), grpc.StatusCode.OK)
        self.assertEqual(server.stop(), 0)
        for secret in (old, new):
            self.assertNotIn(secret, server.log())

    def test_missing_or_empty_tokens_file_stops_the_server(self):
        empty = os.path.join(workdir, 'tokens-empty')
        self.write_tokens(empty)
        missing = os.path.join(workdir, 'tokens-missing')
        for path, why in ((missing, 'cannot open'), (empty, 'no token')):
            server = Server(workdir, name=f'{self.id().split(".")[-1]}')
            self.addCleanup(server.kill)
            with open(server.log_path, 'wb') as log:
                server.process = subprocess.Popen(
                    [SERVER, '--host', '127.0.0.1',
                     '--port', '0', '--metrics_port', '-1', '--seeds', SEEDS,
                     '--auth_tokens_file', path],
                    stdout=log, stderr=subprocess.STDOUT)
            self.assertEqual(server.wait(timeout=30), 1, server.log())
            self.assertIn(f'--auth_tokens_file {path}', server.log())
            self.assertIn(why, server.log())


class LimitsTest(ServerTestCase):

    def start(self, *flags, name='server'):
        server = self.server(corpus, *flags, name=name)
        server.wait_serving()
        return server

    def test_request_larger_than_max_request_bytes_is_resource_exhausted(self):
        server = self.start()  # the default: 1 MiB
        stub = nc.v1_grpc.ArticleServiceStub(
            self.channel(grpc.insecure_channel(server.target)))
        error = self.assertRpcFails(
            grpc.StatusCode.RESOURCE_EXHAUSTED, stub.GetArticle,
            nc.v1.GetArticleRequest(name='x' * (1 << 20)), timeout=10)
        self.assertIn('1048576', error.details())
        # Just below the limit, the request is read (and found malformed).
        self.assertRpcFails(
            grpc.StatusCode.INVALID_ARGUMENT, stub.GetArticle,
            nc.v1.GetArticleRequest(name='x' * ((1 << 20) - 16)), timeout=10)

        server = self.start('--max_request_bytes', '1000', name='small')
        stub = nc.v1_grpc.ArticleServiceStub(
            self.channel(grpc.insecure_channel(server.target)))
        self.assertRpcFails(
            grpc.StatusCode.RESOURCE_EXHAUSTED, stub.ListArticles,
            nc.v1.ListArticlesRequest(filter='quality > 1 ' * 100),
            timeout=10)
        stub.ListArticles(nc.v1.ListArticlesRequest(filter='quality > 1 ' * 50),
                          timeout=10)

    def test_filter_length_depth_and_restrictions_are_limited(self):
        server = self.start()
        stub = nc.v1_grpc.ArticleServiceStub(
            self.channel(grpc.insecure_channel(server.target)))
        cases = {
            'long': ('title:"' + 'a' * 4100 + '"', '4096'),
            'deep': ('(' * 33 + 'quality > 1' + ')' * 33, 'nested more than 32'),
            'negations': ('NOT ' * 33 + 'quality > 1', 'nested more than 32'),
            'wide': (' '.join(['quality > 1'] * 201), 'more than 200'),
        }
        for case, (text, message) in cases.items():
            with self.subTest(case=case):
                for call, request in (
                        (stub.ListArticles, nc.v1.ListArticlesRequest),
                        (lambda r, timeout: list(stub.StreamArticles(
                            r, timeout=timeout)), nc.v1.StreamArticlesRequest),
                        (stub.SummarizeArticles,
                         nc.v1.SummarizeArticlesRequest)):
                    error = self.assertRpcFails(
                        grpc.StatusCode.INVALID_ARGUMENT, call,
                        request(filter=text), timeout=10)
                    self.assertIn(message, error.details())
                    details = nc.error_details(error)
                    self.assertEqual(details.error_info.reason,
                                     'INVALID_FILTER')
        # At the limits, the filters are served.
        for text in ('(' * 32 + 'quality > 1' + ')' * 32,
                     ' '.join(['quality >= 0'] * 200)):
            stub.ListArticles(nc.v1.ListArticlesRequest(filter=text),
                              timeout=10)

    def test_page_size_above_the_maximum_is_coerced(self):
        server = self.start()
        stub = nc.v1_grpc.ArticleServiceStub(
            self.channel(grpc.insecure_channel(server.target)))
        page = stub.ListArticles(nc.v1.ListArticlesRequest(page_size=5000),
                                 timeout=30)
        self.assertEqual(len(page.articles), 1000)
        self.assertTrue(page.next_page_token)
        self.assertEqual(page.total_size, CORPUS_SIZE)

    def test_the_101st_stream_on_a_connection_waits_for_a_free_one(self):
        server = self.start()  # the default: 100 streams per connection
        channel = self.channel(grpc.insecure_channel(server.target,
                                                     SMALL_WINDOW))
        stub = nc.v1_grpc.ArticleServiceStub(channel)
        streams = []
        for _ in range(100):
            stream = stub.StreamArticles(
                nc.v1.StreamArticlesRequest(view='ARTICLE_VIEW_FULL'),
                timeout=120)
            streams.append(stream)
        for stream in streams:
            next(stream)  # open; unread, flow control holds it
        self.addCleanup(lambda: [stream.cancel() for stream in streams])
        request = nc.v1.GetArticleRequest(name=SEED_ARTICLE)

        # The 101st call on the connection is queued by the client, not
        # failed: it runs out of time waiting.
        self.assertRpcFails(grpc.StatusCode.DEADLINE_EXCEEDED,
                            stub.GetArticle, request, timeout=1.5)
        # Another connection is not limited by this one's streams.
        other = self.channel(grpc.insecure_channel(
            server.target, [('grpc.use_local_subchannel_pool', 1)]))
        other_stub = nc.v1_grpc.ArticleServiceStub(other)
        self.assertRpcFails(grpc.StatusCode.NOT_FOUND, other_stub.GetArticle,
                            request, timeout=10)
        # Queued calls go on as soon as a stream ends.
        waiting = stub.GetArticle.future(request, timeout=30)
        time.sleep(0.5)
        self.assertFalse(waiting.done())
        streams[0].cancel()
        with self.assertRaises(grpc.RpcError) as raised:
            waiting.result()
        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)


if __name__ == '__main__':
    unittest.main()
