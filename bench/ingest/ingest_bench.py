#!/usr/bin/python3
"""bench/ingest driver: new seed files renamed into a served folder, against
a real newsmeta-server on loopback. Run by bench/ingest/run.sh, which makes
the corpus and the pool of new seeds; writes raw figures as JSON (rows.py
turns them into the part's result).

Measures, in one server process:
  1. cold start: spawn until the `loaded` log line; its VmHWM, then the
     steady VmRSS a few seconds later;
  2. idle baselines: server CPU per second idle, and while polling
     GetArticle for a missing name at the cadence step 3 polls at;
  3. renames: one new seed at a time, rename(2) from the scratch folder into
     an existing subfolder of the seeds, then GetArticle every --poll_ms
     until it answers (the latency), then the reload's log line (delta or
     rebuilt whole, took); server CPU (utime+stime of /proc/PID/stat) from
     the rename to that line, less the baselines; VmHWM over the renames;
  4. feed (when --feed_seconds > 0), on the catalog the cold start laid
     out: --feed_rate renames per second spread evenly, while query clients
     (other processes) call GetArticle and ListArticles; a WatchArticles
     stream (no backfill) times when each new article is served; query
     latencies against the same clients idle beforehand; VmRSS before and
     after;
  5. SIGHUP with nothing changed (a walk applied as a delta); a takedown
     of --takedown_share of the files (moved out, then a SIGHUP) and their
     restore, each until the SIGHUP's reload, with the peak RSS over every
     reload and merge they made; then a seed whose webUrl another article
     owns and that links to it (a URL with two owners: a delta with one
     pass over the catalog; a whole rebuild before deltas followed several
     owners), until its log line; CPU and VmHWM.
VmHWM is reset between phases with /proc/PID/clear_refs ("5").
"""

import argparse
import hashlib
import json
import multiprocessing
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time

import grpc

from figures import parse_duration, percentile

TICK = os.sysconf('SC_CLK_TCK')


# --- The server process ----------------------------------------------------

def cpu_seconds(pid):
    """utime + stime of the whole process (every thread, exited ones too)."""
    with open(f'/proc/{pid}/stat', encoding='ascii') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def status_kib(pid, key):
    with open(f'/proc/{pid}/status', encoding='ascii') as f:
        for line in f:
            if line.startswith(key + ':'):
                return int(line.split()[1])
    return None


def reset_peak(pid):
    """Resets VmHWM to the current VmRSS; False when the kernel refuses."""
    try:
        with open(f'/proc/{pid}/clear_refs', 'w', encoding='ascii') as f:
            f.write('5')
        return True
    except OSError:
        return False


class ServerLog:
    """Follows the server's JSON log lines (stderr, to a file)."""

    def __init__(self, path):
        self.path = path
        self.lines = []
        self._file = None
        self._rest = ''

    def poll(self):
        if self._file is None:
            if not os.path.exists(self.path):
                return
            self._file = open(self.path, encoding='utf-8', errors='replace')
        chunk = self._file.read()
        if not chunk:
            return
        text = self._rest + chunk
        *complete, self._rest = text.split('\n')
        now = time.monotonic()
        for line in complete:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            entry['_seen'] = now
            self.lines.append(entry)

    def wait_for(self, predicate, timeout, start=0, alive=None):
        """The first entry at index >= start that matches, and its index."""
        deadline = time.monotonic() + timeout
        index = start
        while True:
            self.poll()
            while index < len(self.lines):
                if predicate(self.lines[index]):
                    return self.lines[index], index
                index += 1
            if time.monotonic() > deadline:
                raise TimeoutError(f'no matching log line in {timeout} s')
            if alive is not None and not alive():
                raise RuntimeError('the server exited')
            time.sleep(0.002)


def is_load(entry, first):
    message = entry.get('message', '')
    return message.startswith('loaded ' if first else 'reloaded ')


def measure_reload(pid, log, alive, idle_rate, trigger,
                   reason=lambda reason: True):
    """Calls trigger() and waits for the log line of the first reload whose
    reasons `reason` accepts (a trigger that sends SIGHUP after other
    changes waits for the SIGHUP's): its latency, server CPU (also less the
    idle rate), peak RSS, VmRSS 3 s after."""
    reset_peak(pid)
    log.poll()
    log_index = len(log.lines)
    c0, t0 = cpu_seconds(pid), time.monotonic()
    trigger()
    reload, log_index = log.wait_for(
        lambda e: is_load(e, False) and reason(e.get('reason', '')), 3600,
        log_index, alive)
    time.sleep(0.02)
    cpu = cpu_seconds(pid) - c0
    result = {
        'seconds': reload['_seen'] - t0, 'cpu_s': cpu,
        'net_cpu_s': cpu - idle_rate * (time.monotonic() - t0),
        'took_s': parse_duration(reload.get('took', '')),
        'message': reload.get('message'),
        'delta': reload.get('delta'),
        'files_checked': reload.get('files_checked'),
        'articles': reload.get('articles'),
        'segments': reload.get('segments'),
        'peak_rss_kib': status_kib(pid, 'VmHWM'),
    }
    time.sleep(3)
    result['rss_after_kib'] = status_kib(pid, 'VmRSS')
    return result


# --- Seeds ------------------------------------------------------------------

def original_url(seed_path):
    """The seed's originalUrl, unquoted."""
    with open(seed_path, encoding='utf-8') as f:
        for line in f:
            if line.startswith('originalUrl:'):
                value = line.split(':', 1)[1].strip()
                if value.startswith('"'):
                    value = json.loads(value)
                elif value.startswith("'"):
                    value = value[1:-1].replace("''", "'")
                return value
    raise ValueError(f'{seed_path}: no originalUrl')


def article_name(seed_path):
    """articles/{first 16 hex digits of SHA-256 of originalUrl}, as the loader
    names a seed without an explicit name (catalog/article_name.h)."""
    digest = hashlib.sha256(original_url(seed_path).encode('utf-8'))
    return 'articles/' + digest.hexdigest()[:16]


# --- Query clients (feed phase), one process each ---------------------------

def query_client(target, stubs, names, topics, seconds, seed, out_queue):
    sys.path.insert(0, stubs)
    from newsmeta.v1 import article_service_pb2 as v1
    from newsmeta.v1 import article_service_pb2_grpc as v1_grpc
    channel = grpc.insecure_channel(target)
    stub = v1_grpc.ArticleServiceStub(channel)
    rng = random.Random(seed)
    get, listing, errors = [], [], 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        start = time.perf_counter()
        try:
            if rng.random() < 0.7:
                stub.GetArticle(v1.GetArticleRequest(name=rng.choice(names)),
                                timeout=10)
                get.append(time.perf_counter() - start)
            else:
                stub.ListArticles(v1.ListArticlesRequest(
                    topics=[rng.choice(topics)], page_size=50,
                    view=v1.ARTICLE_VIEW_BASIC), timeout=10)
                listing.append(time.perf_counter() - start)
        except grpc.RpcError:
            errors += 1
    channel.close()
    out_queue.put({'get': get, 'list': listing, 'errors': errors})


def run_queries(args, names, topics, seconds):
    # Spawned, not forked: a child forked from a process with gRPC running
    # hangs in gRPC.
    context = multiprocessing.get_context('spawn')
    queue = context.Queue()
    procs = [context.Process(
        target=query_client,
        args=(args.target, args.stubs, names, topics, seconds, i, queue))
        for i in range(args.query_clients)]
    for p in procs:
        p.start()
    return procs, queue


def collect_queries(procs, queue):
    results = [queue.get() for _ in procs]
    for p in procs:
        p.join()
    get = sorted(x for r in results for x in r['get'])
    listing = sorted(x for r in results for x in r['list'])
    return {'get': get, 'list': listing,
            'errors': sum(r['errors'] for r in results)}


def latency_summary(sorted_values):
    return {'calls': len(sorted_values),
            'p50_ms': None if not sorted_values else
            percentile(sorted_values, 0.5) * 1e3,
            'p99_ms': None if not sorted_values else
            percentile(sorted_values, 0.99) * 1e3}


# --- The bench ----------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--server', required=True)
    parser.add_argument('--stubs', required=True)
    parser.add_argument('--seeds', required=True)
    parser.add_argument('--pool', required=True,
                        help='new seeds (not in --seeds), on the same file '
                        'system; consumed (renamed into --seeds)')
    parser.add_argument('--log', required=True)
    parser.add_argument('--out', required=True)
    parser.add_argument('--manifest', required=True,
                        help='paths renamed into --seeds, one a line, for '
                        'the caller to remove')
    parser.add_argument('--quiet_period', default='200ms')
    parser.add_argument('--renames', type=int, default=60,
                        help='polled renames; as many more unpolled')
    parser.add_argument('--poll_ms', type=float, default=1.0)
    parser.add_argument('--gap_ms', type=float, default=100.0,
                        help='pause after each rename\'s reload')
    parser.add_argument('--rename_timeout', type=float, default=600.0)
    parser.add_argument('--feed_seconds', type=float, default=60.0)
    parser.add_argument('--feed_rate', type=float, default=200.0)
    parser.add_argument('--query_clients', type=int, default=3)
    parser.add_argument('--feed_wait', type=float, default=900.0,
                        help='seconds to wait after the feed for every new '
                        'article to be served')
    parser.add_argument('--query_seconds', type=float, default=15.0,
                        help='idle query measurement before the feed')
    parser.add_argument('--skip_sighup', action='store_true')
    parser.add_argument('--takedown_share', type=float, default=0.3,
                        help='share of the seed files taken down and '
                        'restored after the SIGHUP (0 skips it)')
    args = parser.parse_args()
    # SIGTERM (run.sh stopped) unwinds, so the server is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    sys.path.insert(0, args.stubs)
    from newsmeta.v1 import article_service_pb2 as v1
    from newsmeta.v1 import article_service_pb2_grpc as v1_grpc

    folders = sorted(d for d in os.listdir(args.seeds)
                     if os.path.isdir(os.path.join(args.seeds, d))
                     and not d.startswith('.'))
    pool = sorted(os.listdir(args.pool))
    needed = 2 * args.renames + int(args.feed_seconds * args.feed_rate)
    if len(pool) < needed:
        sys.exit(f'ingest: the pool has {len(pool)} seeds, {needed} needed')
    manifest = open(args.manifest, 'w', encoding='utf-8')

    def destination(file_name):
        index = int(file_name.split('.')[0])
        return os.path.join(args.seeds, folders[index % len(folders)],
                            file_name)

    def rename_in(file_name):
        source = os.path.join(args.pool, file_name)
        target = destination(file_name)
        manifest.write(target + '\n')
        manifest.flush()
        os.rename(source, target)

    raw = {'quiet_period': args.quiet_period, 'poll_ms': args.poll_ms,
           'clk_tck': TICK}
    log = ServerLog(args.log)
    started = time.monotonic()
    server = subprocess.Popen(
        [args.server, '--host', '127.0.0.1', '--port', '0',
         '--metrics_port', '-1', '--seeds', args.seeds,
         '--reload_quiet_period', args.quiet_period,
         # A reload of the whole feed's files is one watch change each: the
         # default (10,000) ends the feed's watch with RESOURCE_EXHAUSTED.
         '--watch_max_lag',
         str(max(10000, 2 * int(args.feed_seconds * args.feed_rate))),
         '--drain_delay', '0s', '--shutdown_grace', '1s'],
        stdout=subprocess.DEVNULL, stderr=open(args.log, 'w'))
    pid = server.pid

    def alive():
        return server.poll() is None

    try:
        entry, _ = log.wait_for(
            lambda e: 'listening on 127.0.0.1:' in e.get('message', ''),
            600, alive=alive)
        port = re.search(r'127\.0\.0\.1:(\d+)', entry['message']).group(1)
        args.target = f'127.0.0.1:{port}'
        loaded, index = log.wait_for(lambda e: is_load(e, True), 3600,
                                     alive=alive)
        raw['cold_start_s'] = loaded['_seen'] - started
        raw['cold_took_s'] = parse_duration(loaded.get('took', ''))
        raw['cold_cpu_s'] = cpu_seconds(pid)
        raw['cold_peak_rss_kib'] = status_kib(pid, 'VmHWM')
        raw['articles'] = loaded.get('articles')
        raw['rejected_files'] = loaded.get('rejected_files')
        print(f'ingest: loaded {raw["articles"]} articles in '
              f'{raw["cold_start_s"]:.1f} s', file=sys.stderr)
        channel = grpc.insecure_channel(args.target)
        stub = v1_grpc.ArticleServiceStub(channel)
        time.sleep(5)
        raw['steady_rss_kib'] = status_kib(pid, 'VmRSS')
        # The articles' serialized FULL size: the mean of a sample of 1,000
        # (GetArticle's response is the Article message).
        sizes = []
        for folder in sorted(os.listdir(args.seeds))[:20]:
            path = os.path.join(args.seeds, folder)
            if not os.path.isdir(path):
                continue
            for file_name in sorted(os.listdir(path))[:50]:
                response = stub.GetArticle(v1.GetArticleRequest(
                    name=article_name(os.path.join(path, file_name)),
                    view=v1.ARTICLE_VIEW_FULL))
                sizes.append(response.ByteSize())
        raw['full_bytes_per_article'] = sum(sizes) / len(sizes)
        raw['full_bytes_sample'] = len(sizes)

        missing = 'articles/0000000000000000'

        def get(name):
            try:
                stub.GetArticle(v1.GetArticleRequest(
                    name=name, view=v1.ARTICLE_VIEW_BASIC), timeout=10)
                return True
            except grpc.RpcError as error:
                if error.code() != grpc.StatusCode.NOT_FOUND:
                    raise
                return False

        def poll_for(name, seconds):
            """Polls like a rename does, for `seconds` or until found."""
            end = time.monotonic() + seconds
            polls = 0
            while time.monotonic() < end:
                polls += 1
                if get(name):
                    return True, polls
                time.sleep(args.poll_ms / 1e3)
            return False, polls

        # Baselines: idle, and polling a missing name.
        baseline_s = 3.0
        idle, polling = [], []
        for _ in range(3):
            c0, t0 = cpu_seconds(pid), time.monotonic()
            time.sleep(baseline_s)
            idle.append((cpu_seconds(pid) - c0) / (time.monotonic() - t0))
            c0, t0 = cpu_seconds(pid), time.monotonic()
            _, polls = poll_for(missing, baseline_s)
            polling.append((cpu_seconds(pid) - c0) / (time.monotonic() - t0))
        idle_rate = sorted(idle)[1]
        poll_rate = sorted(polling)[1]
        raw['idle_cpu_per_s'] = idle
        raw['polling_cpu_per_s'] = polling
        raw['polls_per_s_baseline'] = polls / baseline_s

        # Renames, one at a time.
        peak_reset = reset_peak(pid)
        raw['peak_reset_supported'] = peak_reset
        renames = []
        log_index = len(log.lines)
        log.poll()
        log_index = len(log.lines)
        # Two blocks of renames: the polled ones give the latency; the others
        # are not polled (the server serves no call meanwhile) and give the
        # CPU. Blocks, not alternation: every max_deltas-th change merges the
        # deltas, and alternation would put every merge in one kind.
        for i, file_name in enumerate(pool[:2 * args.renames]):
            polled = i < args.renames
            name = article_name(os.path.join(args.pool, file_name))
            c0 = cpu_seconds(pid)
            wall0 = time.time()
            t0 = time.monotonic()
            rename_in(file_name)
            t1 = None
            if polled:
                while time.monotonic() - t0 < args.rename_timeout:
                    if get(name):
                        t1 = time.monotonic()
                        break
                    time.sleep(args.poll_ms / 1e3)
                if t1 is None:
                    raise RuntimeError(f'{name} ({file_name}) not served '
                                       f'after {args.rename_timeout} s')
            reload, log_index = log.wait_for(
                lambda e: is_load(e, False), args.rename_timeout, log_index,
                alive)
            log_index += 1
            # The log line is written after the catalog is published, and the
            # watch hub's diff after it: wait a little for that CPU too.
            time.sleep(0.02)
            t2 = time.monotonic()
            cpu = cpu_seconds(pid) - c0
            if polled:
                net = cpu - poll_rate * (t1 - t0) - idle_rate * (t2 - t1)
            else:
                net = cpu - idle_rate * (t2 - t0)
                if not get(name):
                    raise RuntimeError(f'{name} not served after its reload')
            renames.append({
                'file': file_name, 'name': name, 'polled': polled,
                'latency_s': None if t1 is None else t1 - t0,
                'log_seen_s': reload['_seen'] - t0,
                'cpu_s': cpu, 'net_cpu_s': net, 'window_s': t2 - t0,
                'delta': reload.get('delta'),
                'message': reload.get('message'),
                'took_s': parse_duration(reload.get('took', '')),
                'files_checked': reload.get('files_checked'),
                'segments': reload.get('segments'),
                'log_time': reload.get('time', ''), 'rename_wall': wall0,
            })
            time.sleep(args.gap_ms / 1e3)
            if len(renames) % 20 == 0:
                print(f'ingest: {len(renames)} renames', file=sys.stderr)
        raw['renames'] = renames
        raw['renames_peak_rss_kib'] = status_kib(pid, 'VmHWM')
        raw['after_renames_rss_kib'] = status_kib(pid, 'VmRSS')

        # The feed, on the catalog the cold start laid out (before the
        # takedown and restore below, whose leftover deltas and freed pages
        # its memory and freshness figures would otherwise measure).
        if args.feed_seconds > 0:
            raw['feed'] = feed(args, v1, v1_grpc, stub, pid, log,
                               pool[2 * args.renames:needed], rename_in,
                               article_name, idle_rate)

        # SIGHUP, nothing changed: a walk of the folder, applied as a
        # delta (README, Hot reload). A takedown and its restore. Then a new
        # seed whose webUrl is another article's originalUrl and which links
        # to it (a linked URL with two owners: a delta that finds them in
        # one pass over the catalog); removed after the run.
        if not args.skip_sighup:
            raw['sighup'] = measure_reload(
                pid, log, alive, idle_rate,
                lambda: os.kill(pid, signal.SIGHUP))
            print(f'ingest: SIGHUP {raw["sighup"]["seconds"]:.1f} s',
                  file=sys.stderr)
            if args.takedown_share > 0:
                raw['takedown'], raw['restore'] = takedown(
                    args, pid, log, alive, idle_rate)
            folder = sorted(e for e in os.listdir(args.seeds)
                            if os.path.isdir(os.path.join(args.seeds, e)))[0]
            first = os.path.join(args.seeds, folder, sorted(
                os.listdir(os.path.join(args.seeds, folder)))[0])
            url = original_url(first)
            rebuild = os.path.join(args.seeds, folder, 'ingest-rebuild.txt')
            manifest.write(rebuild + '\n')
            manifest.flush()

            def write_rebuild_seed():
                with open(rebuild + '.tmp', 'w', encoding='utf-8') as f:
                    f.write(f'---\ntitle: "Forces a rebuild"\n'
                            f'publishedDateTime: 2024-01-01T00:00:00Z\n'
                            f'originalUrl: "{url}#rebuild"\n'
                            f'webUrl: "{url}"\n'
                            f'related:\n  - title: "Linked"\n'
                            f'    webUrl: "{url}"\n---\n')
                os.rename(rebuild + '.tmp', rebuild)
            raw['rebuild'] = measure_reload(pid, log, alive, idle_rate,
                                            write_rebuild_seed)
            print(f'ingest: link to a URL two articles own '
                  f'{raw["rebuild"]["seconds"]:.1f} s', file=sys.stderr)

        channel.close()
    finally:
        manifest.close()
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    with open(args.out, 'w', encoding='utf-8') as f:
        json.dump(raw, f, indent=1)


def takedown(args, pid, log, alive, idle_rate):
    """Moves --takedown_share of the seed files out of the folder (a
    takedown: inotify names them, or, past its cap, a walk finds them gone),
    then back; each with a SIGHUP after the last move, measured until that
    SIGHUP's reload. Peak RSS over each (every reload and merge it made)."""
    aside = os.path.join(os.path.dirname(os.path.abspath(args.seeds)),
                         'ingest-takedown')
    os.makedirs(aside, exist_ok=True)
    chosen = []
    for folder in sorted(os.listdir(args.seeds)):
        path = os.path.join(args.seeds, folder)
        if not os.path.isdir(path):
            continue
        for name in sorted(os.listdir(path)):
            digest = hashlib.sha256(name.encode()).digest()[0]
            if digest < 256 * args.takedown_share:
                chosen.append((os.path.join(path, name),
                               os.path.join(aside, f'{folder}__{name}')))

    def move(pairs):
        def trigger():
            for source, target in pairs:
                os.rename(source, target)
            os.kill(pid, signal.SIGHUP)
        result = measure_reload(pid, log, alive, idle_rate, trigger,
                                lambda reason: 'SIGHUP' in reason)
        result['files'] = len(pairs)
        return result

    try:
        out = move(chosen)
        print(f'ingest: takedown of {len(chosen)} files '
              f'{out["seconds"]:.1f} s', file=sys.stderr)
        back = move([(t, s) for s, t in chosen])
        print(f'ingest: restore {back["seconds"]:.1f} s', file=sys.stderr)
    finally:
        for source, target in chosen:
            if os.path.exists(target) and not os.path.exists(source):
                os.rename(target, source)
        shutil.rmtree(aside, ignore_errors=True)
    return out, back


def feed(args, v1, v1_grpc, stub, pid, log, files, rename_in, name_of,
         idle_rate):
    # Names and topics for the query clients: a sample of the catalog.
    sample = []
    for folder in sorted(os.listdir(args.seeds))[:20]:
        path = os.path.join(args.seeds, folder)
        for file_name in sorted(os.listdir(path))[:50]:
            sample.append(name_of(os.path.join(path, file_name)))
    topics = set()
    for response in [stub.GetArticle(v1.GetArticleRequest(name=n))
                     for n in sample[:200]]:
        topics.update(response.topics)
    topics = sorted(topics)
    result = {'files': len(files), 'rate': args.feed_rate,
              'seconds': args.feed_seconds,
              'query_clients': args.query_clients}

    procs, queue = run_queries(args, sample, topics, args.query_seconds)
    idle = collect_queries(procs, queue)
    result['idle_queries'] = {'get': latency_summary(idle['get']),
                              'list': latency_summary(idle['list']),
                              'errors': idle['errors']}

    names = [name_of(os.path.join(args.pool, f)) for f in files]
    renamed_at = {}
    seen_at = {}
    watch_error = []
    watch_ready = threading.Event()
    channel = grpc.insecure_channel(args.target)
    watch_stub = v1_grpc.ArticleServiceStub(channel)
    request = v1.WatchArticlesRequest(view=v1.ARTICLE_VIEW_BASIC)
    request.backfill_start_time.seconds = 4102444800  # 2100: no backfill
    call = watch_stub.WatchArticles(request)

    def watcher():
        try:
            for event in call:
                if event.type == v1.ArticleEvent.TYPE_CAUGHT_UP:
                    watch_ready.set()
                elif event.type == v1.ArticleEvent.TYPE_ADDED:
                    seen_at.setdefault(event.article.name, time.monotonic())
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.CANCELLED:
                watch_error.append(f'{error.code().name}: {error.details()}')

    thread = threading.Thread(target=watcher, daemon=True)
    thread.start()
    if not watch_ready.wait(60):
        raise RuntimeError('WatchArticles did not catch up')

    log.poll()
    log_index = len(log.lines)
    reset_peak(pid)
    rss0 = status_kib(pid, 'VmRSS')
    c0 = cpu_seconds(pid)
    procs, queue = run_queries(args, sample, topics, args.feed_seconds)
    start = time.monotonic()
    interval = 1.0 / args.feed_rate
    for i, (file_name, name) in enumerate(zip(files, names)):
        due = start + i * interval
        delay = due - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        renamed_at[name] = time.monotonic()
        rename_in(file_name)
    feed_end = time.monotonic()
    busy = collect_queries(procs, queue)
    # Wait until every new article is served (or --feed_wait passes, or the
    # watch fails).
    deadline = time.monotonic() + args.feed_wait
    while (time.monotonic() < deadline and len(seen_at) < len(names)
           and thread.is_alive()):
        time.sleep(0.05)
    time.sleep(0.5)
    call.cancel()
    # Those the watch did not report: served by now?
    late = [n for n in names if n not in seen_at]
    served_unseen = 0
    for name in late:
        try:
            stub.GetArticle(v1.GetArticleRequest(
                name=name, view=v1.ARTICLE_VIEW_BASIC), timeout=10)
            served_unseen += 1
        except grpc.RpcError:
            pass
    channel.close()
    cpu = cpu_seconds(pid) - c0
    log.poll()
    reloads = [e for e in log.lines[log_index:] if is_load(e, False)]
    lat = sorted(seen_at[n] - renamed_at[n] for n in names if n in seen_at)
    result.update({
        'feed_wall_s': feed_end - start,
        'served': len(lat), 'not_served': len(names) - len(lat),
        'watch_error': watch_error[0] if watch_error else None,
        'served_unseen': served_unseen,
        'visible_p50_s': percentile(lat, 0.5),
        'visible_p99_s': percentile(lat, 0.99),
        'visible_max_s': lat[-1] if lat else None,
        'within_1s': sum(1 for x in lat if x <= 1.0),
        'reloads': len(reloads),
        'reloads_delta': sum(1 for e in reloads if e.get('delta')),
        'reload_messages': [e.get('message') for e in reloads][:20],
        'reload_took_s': [parse_duration(e.get('took', ''))
                          for e in reloads],
        # The most articles one merge wrote during the feed (the log's
        # merged_articles): the merge's working space.
        'max_merged_articles': max(
            [e.get('merged_articles', 0) for e in reloads], default=0),
        'busy_queries': {'get': latency_summary(busy['get']),
                         'list': latency_summary(busy['list']),
                         'errors': busy['errors']},
        'rss_before_kib': rss0, 'rss_after_kib': status_kib(pid, 'VmRSS'),
        'peak_rss_kib': status_kib(pid, 'VmHWM'),
        'cpu_s': cpu,
    })
    return result


if __name__ == '__main__':
    main()
