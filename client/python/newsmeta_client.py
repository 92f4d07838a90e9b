"""newsmeta-client in Python: a sample of the newsmeta.v1 API.

    /usr/bin/python3 client/python/newsmeta_client.py \\
        --stubs build/client/python/gen --target localhost:50051 \\
        list --topic "AI Hardware" --from 2023-07-01 --to 2023-07-31 --all

It shows a query by topic and date range, paging through ListArticles with
next_page_token, consuming StreamArticles, a resumable WatchArticles live
feed (watch_articles()), and reading the structured details
(google.rpc.ErrorInfo, google.rpc.BadRequest) of an error. The messages and
stubs are generated at build time (target newsmeta_python_stubs) into the
folder given by --stubs.

The functions below are the reusable part (the tests import this module):
load_stubs() first, then open_channel() (plaintext, or TLS with --tls-ca,
--tls-cert/--tls-key for mutual TLS, and a bearer token), query_request(),
list_pages(), list_articles(), stream_articles(), watch_articles(),
get_article() and error_details().
"""

import argparse
import calendar
import collections
import datetime
import json
import os
import re
import sys
import time

import grpc
from google.protobuf import json_format, text_format

# The generated modules, set by load_stubs().
v1 = None  # newsmeta.v1 messages (article_service_pb2)
v1_grpc = None  # newsmeta.v1 stubs (article_service_pb2_grpc)
health_pb2 = None  # grpc.health.v1 messages
health_grpc = None  # grpc.health.v1 stubs
status_pb2 = None  # google.rpc.Status
error_details_pb2 = None  # google.rpc.ErrorInfo, BadRequest, ...

# Where the build puts the stubs when the build folder is `build`.
DEFAULT_STUBS = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                             '..', '..', 'build', 'client', 'python', 'gen')

# Trailing metadata that carries a serialized google.rpc.Status.
STATUS_DETAILS_KEY = 'grpc-status-details-bin'

VIEWS = {'basic': 'ARTICLE_VIEW_BASIC', 'full': 'ARTICLE_VIEW_FULL'}


def load_stubs(stubs_dir):
    """Imports the generated modules from stubs_dir (made by the build)."""
    global v1, v1_grpc, health_pb2, health_grpc, status_pb2
    global error_details_pb2
    stubs_dir = os.path.abspath(stubs_dir)
    if not os.path.isdir(os.path.join(stubs_dir, 'newsmeta', 'v1')):
        raise ImportError(f'no generated stubs in {stubs_dir}: build the '
                          'newsmeta_python_stubs target')
    if stubs_dir not in sys.path:
        sys.path.insert(0, stubs_dir)
    # grpc.health.v1 lives under the top-level package `grpc`, which grpcio
    # already owns (a regular package, so the generated folder would stay
    # hidden): let grpc's own path list the generated grpc/ too.
    generated_grpc = os.path.join(stubs_dir, 'grpc')
    if generated_grpc not in grpc.__path__:
        grpc.__path__.append(generated_grpc)
    from newsmeta.v1 import article_service_pb2, article_service_pb2_grpc
    from grpc.health.v1 import health_pb2 as health, health_pb2_grpc
    from google.rpc import error_details_pb2 as details, status_pb2 as status
    v1, v1_grpc = article_service_pb2, article_service_pb2_grpc
    health_pb2, health_grpc = health, health_pb2_grpc
    status_pb2, error_details_pb2 = status, details


# --- Times -----------------------------------------------------------------

_RFC3339 = re.compile(r'(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)'
                      r'(?:\.(\d+))?(?:([Zz])|([+-])(\d\d):(\d\d))$')


def parse_time_arg(text, is_end):
    """--from / --to: returns (seconds, nanos) since the Unix epoch.

    A date YYYY-MM-DD means midnight UTC; for the end (--to) it includes
    that whole day, so the exclusive end is the next midnight. An RFC 3339
    time (2023-07-01T09:00:00+02:00) is taken as is (--to exclusive).
    Raises ValueError for anything else.
    """
    flag = '--to' if is_end else '--from'
    problem = (f'{flag} "{text}" is neither a date (2023-07-01) nor an '
               'RFC 3339 time (2023-07-01T09:00:00Z)')
    if len(text) == 10:
        try:
            day = datetime.date.fromisoformat(text)
        except ValueError:
            raise ValueError(problem) from None
        if is_end:
            day += datetime.timedelta(days=1)
        return calendar.timegm(day.timetuple()), 0
    match = _RFC3339.match(text)
    if not match:
        raise ValueError(problem)
    (year, month, day, hour, minute, second, fraction, _, sign, offset_hours,
     offset_minutes) = match.groups()
    try:
        local = datetime.datetime(int(year), int(month), int(day), int(hour),
                                  int(minute), int(second))
    except ValueError:
        raise ValueError(problem) from None
    seconds = calendar.timegm(local.timetuple())
    if sign:
        offset = int(offset_hours) * 3600 + int(offset_minutes) * 60
        seconds += -offset if sign == '+' else offset
    nanos = int((fraction or '0')[:9].ljust(9, '0'))
    return seconds, nanos


def format_time(timestamp):
    """A Timestamp as 'YYYY-MM-DD HH:MM' in UTC."""
    return datetime.datetime.fromtimestamp(
        timestamp.seconds, datetime.timezone.utc).strftime('%Y-%m-%d %H:%M')


# --- Requests and calls ----------------------------------------------------

def query_request(request_type, topics=(), start=None, end=None,
                  providers=(), filter_text='', text='', order_by='',
                  view=None):
    """Builds a ListArticlesRequest or StreamArticlesRequest.

    start and end are --from / --to arguments (see parse_time_arg) or None;
    view is 'basic', 'full' or None (the RPC's default).
    """
    request = request_type(topics=list(topics),
                           provider_domains=list(providers),
                           filter=filter_text, text=text, order_by=order_by)
    if start:
        seconds, nanos = parse_time_arg(start, is_end=False)
        request.start_time.seconds, request.start_time.nanos = seconds, nanos
    if end:
        seconds, nanos = parse_time_arg(end, is_end=True)
        request.end_time.seconds, request.end_time.nanos = seconds, nanos
    if view:
        request.view = v1.ArticleView.Value(VIEWS[view])
    return request


def list_pages(stub, request, timeout=None):
    """Yields each ListArticlesResponse, following next_page_token to the
    end. Each page is its own call with its own timeout (seconds)."""
    original, request = request, v1.ListArticlesRequest()
    request.CopyFrom(original)
    while True:
        response = stub.ListArticles(request, timeout=timeout)
        yield response
        if not response.next_page_token:
            return
        request.page_token = response.next_page_token


def list_articles(stub, request, timeout=None):
    """Yields every article of every page of a ListArticles query."""
    for page in list_pages(stub, request, timeout):
        yield from page.articles


def stream_articles(stub, request, timeout=None):
    """Yields the articles of a StreamArticles call, one per message.

    The call itself is what the stub returns: an iterator that is also a
    grpc.Call (cancel(), code()); errors surface as grpc.RpcError while
    iterating.
    """
    yield from stub.StreamArticles(request, timeout=timeout)


RESUME_TOKEN_TRAILER = 'newsmeta-resume-token'
# Codes after which a watch continues from its last token: the server shut
# down (UNAVAILABLE; CANCELLED for a call that reached it while it was
# stopping, as this code never cancels a call it still reads), the reader was
# too slow (RESOURCE_EXHAUSTED), or the connection broke.
RESUMABLE_CODES = (grpc.StatusCode.UNAVAILABLE,
                   grpc.StatusCode.CANCELLED,
                   grpc.StatusCode.RESOURCE_EXHAUSTED,
                   grpc.StatusCode.INTERNAL)


def watch_articles(stub, request, resume_token='', retries=5, on_retry=None):
    """Yields the ArticleEvents of WatchArticles, reconnecting after a
    resumable error with the token of the last event received (or the one
    the server put in the trailing metadata), so no event is lost or
    repeated. Gives up after `retries` failed reconnections in a row.

    FAILED_PRECONDITION (the token is too old for the server) is raised: the
    caller then starts again without a token and rebuilds its state from the
    backfill. Set request fields other than resume_token; the token is
    managed here.
    """
    token, failures = resume_token, 0
    while True:
        attempt = v1.WatchArticlesRequest()
        attempt.CopyFrom(request)
        attempt.resume_token = token
        call = stub.WatchArticles(attempt)
        try:
            for event in call:
                failures = 0
                token = event.resume_token
                yield event
            return  # the server ended the watch normally (it never does)
        except grpc.RpcError as error:
            if error.code() not in RESUMABLE_CODES or failures >= retries:
                raise
            trailer = dict(error.trailing_metadata() or ()).get(
                RESUME_TOKEN_TRAILER)
            token = trailer or token
            failures += 1
            if on_retry:
                on_retry(error, token)
            time.sleep(min(2 ** failures * 0.1, 5))
        finally:
            call.cancel()


def get_article(stub, name, view=None, timeout=None):
    """GetArticle; view is 'basic', 'full' or None (FULL)."""
    request = v1.GetArticleRequest(name=name)
    if view:
        request.view = v1.ArticleView.Value(VIEWS[view])
    return stub.GetArticle(request, timeout=timeout)


def health_check(channel, service='', timeout=None):
    """grpc.health.v1 Check: returns the status name, e.g. 'SERVING'."""
    stub = health_grpc.HealthStub(channel)
    response = stub.Check(health_pb2.HealthCheckRequest(service=service),
                          timeout=timeout)
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


# --- Errors ----------------------------------------------------------------

ErrorDetails = collections.namedtuple(
    'ErrorDetails', 'status error_info bad_request others')


def error_details(rpc_error):
    """Decodes the google.rpc.Status of a failed call, or returns None.

    The server sends it, serialized, in the trailing metadata
    `grpc-status-details-bin`. Returns ErrorDetails(status, error_info,
    bad_request, others): the Status itself, its google.rpc.ErrorInfo and
    google.rpc.BadRequest (None when absent) and the type URLs of any other
    details.
    """
    trailers = rpc_error.trailing_metadata() or ()
    blob = next((value for key, value in trailers
                 if key == STATUS_DETAILS_KEY), None)
    if blob is None:
        return None
    status = status_pb2.Status.FromString(blob)
    info = bad_request = None
    others = []
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
        else:
            others.append(detail.type_url)
    return ErrorDetails(status, info, bad_request, others)


def describe_error(rpc_error):
    """The lines newsmeta-client prints for a failed call."""
    code = rpc_error.code()
    lines = [f'error: {code.name} ({code.value[0]}): {rpc_error.details()}']
    details = error_details(rpc_error)
    if details is None:
        return lines
    if details.error_info:
        info = details.error_info
        lines.append(f'  reason: {info.reason} ({info.domain})')
        for key in sorted(info.metadata):
            lines.append(f'  {key}: {info.metadata[key]}')
    if details.bad_request:
        for violation in details.bad_request.field_violations:
            lines.append(
                f'  bad field {violation.field}: {violation.description}')
    for type_url in details.others:
        lines.append(f'  detail of type {type_url}')
    return lines


# --- Command line ----------------------------------------------------------

def article_json(article):
    """One line of canonical proto3 JSON (camelCase names)."""
    return json.dumps(json_format.MessageToDict(article), ensure_ascii=False,
                      separators=(',', ':'))


class Printer:
    """Prints articles as a table or as JSON lines."""

    def __init__(self, as_json):
        self.as_json = as_json
        self.header_printed = False

    def article(self, article):
        if self.as_json:
            print(article_json(article))
            return
        if not self.header_printed:
            print(f'{"PUBLISHED (UTC)":18}{"NAME":27}{"PROVIDER":24}TITLE')
            self.header_printed = True
        domain = article.provider.domain
        if len(domain) > 22:
            domain = domain[:21] + '…'
        title = article.title
        if len(title) > 70:
            title = title[:69] + '…'
        print(f'{format_time(article.publish_time):18}{article.name:27}'
              f'{domain:24}{title}')

    def note(self, text):
        """A line about the result; on stderr with --json."""
        print(text, file=sys.stderr if self.as_json else sys.stdout)


# --- Channel: TLS and bearer token ------------------------------------------

class _CallDetails(
        collections.namedtuple('_CallDetails', ('method', 'timeout', 'metadata',
                                                'credentials', 'wait_for_ready',
                                                'compression')),
        grpc.ClientCallDetails):
    pass


class BearerToken(grpc.UnaryUnaryClientInterceptor,
                  grpc.UnaryStreamClientInterceptor):
    """Adds `authorization: Bearer <token>` to every call. (On a TLS channel,
    grpc.access_token_call_credentials(token) does the same; gRPC refuses
    call credentials on plaintext channels, hence this interceptor.)"""

    def __init__(self, token):
        self._header = ('authorization', f'Bearer {token}')

    def _with_token(self, details):
        return _CallDetails(details.method, details.timeout,
                            [*(details.metadata or ()), self._header],
                            details.credentials, details.wait_for_ready,
                            details.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._with_token(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._with_token(details), request)


def open_channel(target, tls_ca=None, tls_cert=None, tls_key=None,
                 tls_server_name=None, token=None, tls=False):
    """A channel to `target`: TLS when any tls* argument is given (PEM file
    paths; no CA: the system's roots), with `token` sent on every call."""
    def read(path):
        if not path:
            return None
        with open(path, 'rb') as f:
            return f.read()

    options = []
    if tls_server_name:
        options.append(('grpc.ssl_target_name_override', tls_server_name))
    if tls or tls_ca or tls_cert or tls_key or tls_server_name:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=read(tls_ca), private_key=read(tls_key),
            certificate_chain=read(tls_cert))
        channel = grpc.secure_channel(target, credentials, options)
    else:
        channel = grpc.insecure_channel(target, options)
    if token:
        channel = grpc.intercept_channel(channel, BearerToken(token))
    return channel


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description='Queries a newsmeta server (Python sample client).')
    parser.add_argument('--stubs',
                        default=os.environ.get('NEWSMETA_PYTHON_STUBS',
                                               DEFAULT_STUBS),
                        help='folder of the generated Python stubs '
                             '(build/client/python/gen)')
    parser.add_argument('--target', default='localhost:50051',
                        help='server address, HOST:PORT')
    parser.add_argument('--tls', action='store_true',
                        help="TLS with the system's roots (implied by the "
                             'other --tls options)')
    parser.add_argument('--tls-ca', '--tls_ca', dest='tls_ca',
                        help='PEM CA certificates to trust for the server')
    parser.add_argument('--tls-cert', '--tls_cert', dest='tls_cert',
                        help='PEM client certificate (mutual TLS)')
    parser.add_argument('--tls-key', '--tls_key', dest='tls_key',
                        help='PEM private key of --tls-cert')
    parser.add_argument('--tls-server-name', '--tls_server_name',
                        dest='tls_server_name',
                        help="name to check the server's certificate against")
    parser.add_argument('--token', default=os.environ.get('NEWSMETA_TOKEN'),
                        help='bearer token (default: $NEWSMETA_TOKEN)')
    commands = parser.add_subparsers(dest='command', required=True)

    # Options of every command, given after it.
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument('--timeout', type=float, default=30.0,
                        help='deadline of each call, in seconds; 0: none')
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument('--json', action='store_true',
                        help='print one article per line as proto3 JSON')
    output.add_argument('--view', choices=sorted(VIEWS),
                        help="fields to return (default: the RPC's own)")
    query = argparse.ArgumentParser(add_help=False)
    query.add_argument('--topic', action='append', default=[],
                       help='topic to match (repeat for any of several)')
    query.add_argument('--from', dest='start',
                       help='earliest publish time: a date (2023-07-01) '
                            'or an RFC 3339 time')
    query.add_argument('--to', dest='end',
                       help='latest publish time: a date, inclusive of '
                            'that day, or an RFC 3339 time, exclusive')
    query.add_argument('--provider', action='append', default=[],
                       help='provider domain (repeat for any of several)')
    query.add_argument('--filter', default='', help='AIP-160 filter')
    query.add_argument('--text', default='',
                       help='full-text search in title and excerpt')
    query.add_argument('--order-by', '--order_by', dest='order_by',
                       default='',
                       help='e.g. "quality desc, publish_time desc"')

    list_command = commands.add_parser('list', parents=[common, output, query],
                                       help='one page, or all with --all')
    list_command.add_argument('--page-size', '--page_size', dest='page_size',
                              type=int, default=0,
                              help='articles per page (0: server default)')
    list_command.add_argument('--page-token', '--page_token',
                              dest='page_token', default='',
                              help='the page to fetch')
    list_command.add_argument('--all', action='store_true',
                              help='follow next_page_token to the end')
    commands.add_parser('stream', parents=[common, output, query],
                        help='every match, streamed')
    get_command = commands.add_parser('get', parents=[common, output],
                                      help='one article by name')
    get_command.add_argument('name', help='articles/ID')
    commands.add_parser('health', parents=[common],
                        help='grpc.health.v1 Check')
    watch_command = commands.add_parser(
        'watch', parents=[common, query],
        help='live feed: the matches, then changes as they come')
    watch_command.add_argument('--resume', default='',
                               help='resume_token to continue after')
    watch_command.add_argument('--max-events', '--max_events',
                               dest='max_events', type=int, default=0,
                               help='stop after this many events (0: never)')
    watch_command.add_argument('--json', action='store_true',
                               help='print each event as proto3 JSON')
    return parser, parser.parse_args(argv)


def run_list(stub, args, printer, timeout):
    request = query_request(v1.ListArticlesRequest, args.topic, args.start,
                            args.end, args.provider, args.filter, args.text,
                            args.order_by, args.view)
    request.page_size = args.page_size
    request.page_token = args.page_token
    printed = 0
    for page in list_pages(stub, request, timeout):
        for article in page.articles:
            printer.article(article)
        printed += len(page.articles)
        if not args.all:
            break
    printer.note(f'{printed} of {page.total_size} matching articles')
    if page.next_page_token:
        printer.note(f'next page: --page-token={page.next_page_token}')


def run_stream(stub, args, printer, timeout):
    request = query_request(v1.StreamArticlesRequest, args.topic, args.start,
                            args.end, args.provider, args.filter, args.text,
                            args.order_by, args.view)
    count = 0
    for article in stream_articles(stub, request, timeout):
        printer.article(article)
        count += 1
    printer.note(f'{count} articles')


def run_watch(stub, args):
    request = v1.WatchArticlesRequest(
        topics=args.topic, provider_domains=args.provider,
        filter=args.filter, text=args.text)
    if args.start:  # --from bounds the backfill
        seconds, nanos = parse_time_arg(args.start, is_end=False)
        request.backfill_start_time.seconds = seconds
        request.backfill_start_time.nanos = nanos
    count = 0

    def retrying(error, token):
        print(f'{error.code().name}: {error.details()}; resuming with '
              f'{token}', file=sys.stderr)

    for event in watch_articles(stub, request, args.resume,
                                on_retry=retrying):
        if args.json:
            print(json.dumps(json_format.MessageToDict(event),
                             ensure_ascii=False, separators=(',', ':')),
                  flush=True)
        else:
            kind = v1.ArticleEvent.Type.Name(event.type)[len('TYPE_'):]
            print(f'{kind}\t{event.name}\t{event.article.title}\t'
                  f'{event.resume_token}', flush=True)
        count += 1
        if args.max_events and count >= args.max_events:
            return


def main(argv=None):
    parser, args = parse_args(argv)
    try:
        load_stubs(args.stubs)
    except ImportError as error:
        parser.exit(2, f'error: {error}\n')
    timeout = args.timeout if args.timeout > 0 else None
    printer = Printer(getattr(args, 'json', False))
    try:
        channel = open_channel(args.target, args.tls_ca, args.tls_cert,
                               args.tls_key, args.tls_server_name, args.token,
                               args.tls)
    except OSError as error:
        parser.exit(2, f'error: {error}\n')
    with channel:
        stub = v1_grpc.ArticleServiceStub(channel)
        try:
            if args.command == 'list':
                run_list(stub, args, printer, timeout)
            elif args.command == 'stream':
                run_stream(stub, args, printer, timeout)
            elif args.command == 'get':
                article = get_article(stub, args.name, args.view, timeout)
                print(article_json(article) if args.json else
                      text_format.MessageToString(article, as_utf8=True))
            elif args.command == 'watch':
                run_watch(stub, args)
            elif args.command == 'health':
                status = health_check(channel, timeout=timeout)
                print(status)
                return 0 if status == 'SERVING' else 1
        except ValueError as error:  # a bad --from / --to
            parser.exit(2, f'error: {error}\n')
        except grpc.RpcError as error:
            print('\n'.join(describe_error(error)), file=sys.stderr)
            return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
