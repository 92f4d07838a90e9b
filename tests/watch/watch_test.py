"""WatchArticles against the real server binary (loopback, free ports):
backfill then live events as seed files are added, changed and removed on
disk; resuming after a disconnect and after a restart with no gap or
duplicate; a token too old; a slow watcher cut off while a fast one gets
everything; shutdown; hundreds of watchers with bounded memory.

Run by ctest as Watch.* with /usr/bin/python3; see tests/lib/newsmeta_testing.py
for the environment. Waits are bounded; nothing asserts on timing.
"""

import os
import queue
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

import grpc

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'lib'))
from newsmeta_testing import (SANITIZE, SMALL_WINDOW, STUBS,  # noqa: E402
                              Server, generate_seeds, nc, seed_files,
                              set_title, temp_name)

QUICK = ('--reload_quiet_period', '200ms')
TOKEN_TRAILER = 'newsmeta-resume-token'
WAIT = 30  # seconds: the bound of every wait for an event

workdir = None
corpus = None  # generated seed files
extra = None  # more, not in the corpus


def setUpModule():
    global workdir, corpus, extra
    workdir = tempfile.mkdtemp(prefix='newsmeta-watch-test-')
    unittest.addModuleCleanup(shutil.rmtree, workdir, ignore_errors=True)
    corpus = os.path.join(workdir, 'corpus')
    extra = os.path.join(workdir, 'extra')
    generate_seeds(corpus, 300, seed=21)
    generate_seeds(extra, 20, seed=22)
    nc.load_stubs(STUBS)


def copy_seed(path, folder, name=None):
    """Copies a generated seed into `folder`; the corpus and the extras
    number their files alike, so extras get an "x-" prefix."""
    target = os.path.join(folder, name or 'x-' + os.path.basename(path))
    shutil.copy(path, temp_name(target))
    os.replace(temp_name(target), target)
    return target


def type_name(event):
    return nc.v1.ArticleEvent.Type.Name(event.type)[len('TYPE_'):]


class Watch:
    """One WatchArticles call (or any iterator of events) read on a thread
    into a queue."""

    def __init__(self, stub, request, events=None):
        self.call = events if events is not None else stub.WatchArticles(
            request)
        self.events = queue.Queue()
        self.error = None
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        try:
            for event in self.call:
                self.events.put(event)
        except grpc.RpcError as error:
            self.error = error
        self.events.put(None)

    def next(self):
        event = self.events.get(timeout=WAIT)
        if event is None:
            raise AssertionError(f'the watch ended: {self.error}')
        return event

    def until(self, type_, skip_heartbeats=True):
        """Events up to and including the first of `type_`."""
        events = []
        while True:
            event = self.next()
            if skip_heartbeats and type_name(event) == 'HEARTBEAT':
                continue
            events.append(event)
            if type_name(event) == type_:
                return events

    def end(self):
        """Waits for the end of the call; returns the RpcError (or None)."""
        self.thread.join(timeout=WAIT)
        return self.error

    def cancel(self):
        if hasattr(self.call, 'cancel'):
            self.call.cancel()
        self.thread.join(timeout=WAIT)


class ClientState:
    """What a client builds from events; refuses an event that repeats one
    (EXISTING/ADDED of a known name) or follows a gap (UPDATED/REMOVED of an
    unknown one)."""

    def __init__(self, test):
        self.test = test
        self.titles = {}
        self.token = ''

    def apply(self, event):
        kind = type_name(event)
        if kind in ('EXISTING', 'ADDED'):
            self.test.assertNotIn(event.name, self.titles, 'duplicate')
            self.titles[event.name] = event.article.title
        elif kind == 'UPDATED':
            self.test.assertIn(event.name, self.titles, 'gap')
            self.titles[event.name] = event.article.title
        elif kind == 'REMOVED':
            self.test.assertIn(event.name, self.titles, 'gap')
            del self.titles[event.name]
        self.token = event.resume_token

    def apply_all(self, events):
        for event in events:
            self.apply(event)


class WatchTestCase(unittest.TestCase):

    def start(self, seeds, *flags, name='server'):
        server = Server(workdir, name=f'{self.id().split(".")[-1]}-{name}')
        self.addCleanup(server.kill)
        server.start(seeds, *QUICK, *flags)
        server.wait_serving()
        return server

    def stub(self, target, options=()):
        channel = grpc.insecure_channel(target, options=list(options))
        self.addCleanup(channel.close)
        return nc.v1_grpc.ArticleServiceStub(channel)

    def watch(self, stub, **fields):
        watch = Watch(stub, nc.v1.WatchArticlesRequest(**fields))
        self.addCleanup(watch.call.cancel)
        return watch

    def seeds(self, count):
        folder = os.path.join(workdir, self.id().split('.')[-1])
        os.makedirs(folder)
        for path in seed_files(corpus)[:count]:
            copy_seed(path, folder, 'c-' + os.path.basename(path))
        return folder

    def all_names(self, stub):
        request = nc.v1.ListArticlesRequest(page_size=1000)
        return {a.name: a.title for a in nc.list_articles(stub, request, 10)}


class LiveTest(WatchTestCase):

    def test_backfill_then_live_added_updated_removed(self):
        seeds = self.seeds(30)
        server = self.start(seeds)
        stub = self.stub(server.target)
        watch = self.watch(stub)
        state = ClientState(self)
        backfill = watch.until('CAUGHT_UP')
        state.apply_all(backfill)
        self.assertEqual([type_name(e) for e in backfill],
                         ['EXISTING'] * 30 + ['CAUGHT_UP'])
        times = [(e.article.publish_time.seconds, e.article.publish_time.nanos,
                  e.name) for e in backfill[:-1]]
        self.assertEqual(times, sorted(times))
        self.assertEqual(state.titles, self.all_names(stub))

        new_file = copy_seed(seed_files(extra)[0], seeds)
        added = watch.until('ADDED')
        state.apply_all(added)
        name = added[-1].name

        set_title(new_file, 'A changed title')
        updated = watch.until('UPDATED')
        state.apply_all(updated)
        self.assertEqual(updated[-1].name, name)
        self.assertEqual(updated[-1].article.title, 'A changed title')

        os.remove(new_file)
        removed = watch.until('REMOVED')
        state.apply_all(removed)
        self.assertEqual(removed[-1].name, name)
        self.assertFalse(removed[-1].HasField('article'))
        self.assertEqual(state.titles, self.all_names(stub))

        metrics = server.metrics()
        self.assertEqual(metrics['newsmeta_watchers'], 1)
        self.assertGreaterEqual(
            metrics['newsmeta_watch_events_sent_total{type="EXISTING"}'], 30)

    def test_a_query_sees_only_its_matches(self):
        seeds = self.seeds(30)
        server = self.start(seeds)
        stub = self.stub(server.target)
        watch = self.watch(stub, text='quokka')
        self.assertEqual([type_name(e) for e in watch.until('CAUGHT_UP')],
                         ['CAUGHT_UP'])
        # Not matching: nothing; made to match: ADDED; made not to match
        # again: REMOVED.
        path = os.path.join(seeds, 'quokka.txt')
        set_title(seed_files(extra)[1], 'Quokka sighting reported', path)
        added = watch.until('ADDED')
        self.assertEqual([type_name(e) for e in added], ['ADDED'])
        self.assertEqual(added[0].article.title, 'Quokka sighting reported')
        set_title(path, 'Nothing to see')
        removed = watch.until('REMOVED')
        self.assertEqual([e.name for e in removed], [added[0].name])


class ResumeTest(WatchTestCase):

    def test_resume_after_disconnect_mid_backfill_and_live(self):
        seeds = self.seeds(40)
        server = self.start(seeds)
        stub = self.stub(server.target)
        state = ClientState(self)
        first = self.watch(stub)
        state.apply_all([first.next() for _ in range(15)])
        first.cancel()
        # While disconnected: an article added and one changed.
        copy_seed(seed_files(extra)[2], seeds)
        changed = seed_files(seeds)[0]
        set_title(changed, 'Changed while away')
        deadline = time.monotonic() + WAIT
        while len(self.all_names(stub)) != 41 or \
                'Changed while away' not in self.all_names(stub).values():
            self.assertLess(time.monotonic(), deadline, 'the reload')
            time.sleep(0.1)

        second = self.watch(stub, resume_token=state.token)
        state.apply_all(second.until('CAUGHT_UP'))
        self.assertEqual(state.titles, self.all_names(stub))
        second.cancel()

        # Live: disconnected again, one removal, resumed.
        os.remove(seed_files(seeds)[-1])
        third = self.watch(stub, resume_token=state.token)
        state.apply_all(third.until('REMOVED'))
        self.assertEqual(state.titles, self.all_names(stub))

    def test_resume_after_restart_with_the_same_seeds(self):
        seeds = self.seeds(30)
        server = self.start(seeds)
        stub = self.stub(server.target)
        state = ClientState(self)
        watch = self.watch(stub)
        state.apply_all([watch.next() for _ in range(10)])
        watch.cancel()
        live = ClientState(self)
        watch = self.watch(stub)
        live.apply_all(watch.until('CAUGHT_UP'))
        watch.cancel()
        self.assertEqual(server.stop(), 0)

        server = self.start(seeds, name='restarted')
        stub = self.stub(server.target)
        # From a token in the middle of the backfill: the rest of it.
        watch = self.watch(stub, resume_token=state.token)
        events = watch.until('CAUGHT_UP')
        self.assertEqual([type_name(e) for e in events],
                         ['EXISTING'] * 20 + ['CAUGHT_UP'])
        state.apply_all(events)
        self.assertEqual(state.titles, self.all_names(stub))
        watch.cancel()
        # From a live token: nothing to replay, then what comes.
        watch = self.watch(stub, resume_token=live.token)
        self.assertEqual([type_name(e) for e in watch.until('CAUGHT_UP')],
                         ['CAUGHT_UP'])
        copy_seed(seed_files(extra)[3], seeds)
        live.apply_all(watch.until('ADDED'))
        self.assertEqual(live.titles, self.all_names(stub))

    def test_a_token_too_old_is_failed_precondition(self):
        seeds = self.seeds(10)
        server = self.start(seeds, '--watch_history', '1')
        stub = self.stub(server.target)
        watch = self.watch(stub)
        token = watch.until('CAUGHT_UP')[-1].resume_token
        watch.cancel()
        for i, path in enumerate(seed_files(extra)[4:6]):
            copy_seed(path, seeds)
            deadline = time.monotonic() + WAIT
            while len(self.all_names(stub)) != 11 + i:
                self.assertLess(time.monotonic(), deadline, 'the reload')
                time.sleep(0.1)
        old = self.watch(stub, resume_token=token)
        error = old.end()
        self.assertIsNotNone(error)
        self.assertEqual(error.code(), grpc.StatusCode.FAILED_PRECONDITION)
        self.assertIn('no longer remembers', error.details())


    def test_the_python_sample_resumes_on_a_restarted_server(self):
        seeds = self.seeds(10)
        server = self.start(seeds)
        port = server.target.rsplit(':', 1)[1]
        stub = self.stub(server.target)
        state = ClientState(self)
        retries = []
        events = nc.watch_articles(
            stub, nc.v1.WatchArticlesRequest(), retries=30,
            on_retry=lambda error, token: retries.append(error.code()))
        watch = Watch(None, None, events)
        state.apply_all(watch.until('CAUGHT_UP'))
        self.assertEqual(server.stop(), 0)
        # The same seeds on the same port: the sample reconnects with its
        # last token and gets only what is new.
        server = self.start(seeds, '--port', port, name='restarted')
        copy_seed(seed_files(extra)[12], seeds)
        added = watch.until('ADDED')
        state.apply_all(added)
        # CAUGHT_UP comes first when the sample reconnected before the
        # reload, after the replayed ADDED when it reconnected after it.
        self.assertIn([type_name(e) for e in added],
                      (['CAUGHT_UP', 'ADDED'], ['ADDED']))
        self.assertEqual(state.titles, self.all_names(stub))
        self.assertIn(grpc.StatusCode.UNAVAILABLE, retries)


class FlowTest(WatchTestCase):

    def test_a_slow_watcher_is_cut_off_and_a_fast_one_gets_everything(self):
        seeds = self.seeds(300)
        server = self.start(seeds, '--watch_max_lag', '2')
        fast = self.watch(self.stub(server.target))
        fast_state = ClientState(self)
        fast_state.apply_all(fast.until('CAUGHT_UP'))
        # The slow one reads one event, then nothing: its backfill stalls
        # on flow control.
        slow_call = self.stub(server.target, SMALL_WINDOW).WatchArticles(
            nc.v1.WatchArticlesRequest(view=nc.v1.ARTICLE_VIEW_FULL))
        self.addCleanup(slow_call.cancel)
        next(slow_call)
        for path in seed_files(extra)[6:10]:
            copy_seed(path, seeds)
            fast_state.apply_all(fast.until('ADDED'))
        self.assertEqual(fast_state.titles,
                         self.all_names(self.stub(server.target)))
        received = 1
        with self.assertRaises(grpc.RpcError) as raised:
            for _ in slow_call:
                received += 1
        error = raised.exception
        self.assertEqual(error.code(), grpc.StatusCode.RESOURCE_EXHAUSTED,
                         error.details())
        self.assertLess(received, 300)
        trailers = dict(error.trailing_metadata() or ())
        self.assertTrue(trailers.get(TOKEN_TRAILER))
        # The fast one is still served.
        copy_seed(seed_files(extra)[10], seeds)
        fast_state.apply_all(fast.until('ADDED'))

    def test_heartbeats_on_an_idle_stream(self):
        seeds = self.seeds(5)
        server = self.start(seeds, '--watch_heartbeat', '200ms')
        watch = self.watch(self.stub(server.target))
        watch.until('CAUGHT_UP')
        heartbeat = watch.until('HEARTBEAT', skip_heartbeats=False)[-1]
        self.assertTrue(heartbeat.resume_token)

    def test_sigterm_ends_watches_with_a_resume_token(self):
        seeds = self.seeds(5)
        server = self.start(seeds, '--drain_delay', '0s', '--shutdown_grace',
                            '60s')
        watch = self.watch(self.stub(server.target))
        watch.until('CAUGHT_UP')
        server.signal(signal.SIGTERM)
        error = watch.end()
        self.assertIsNotNone(error)
        self.assertEqual(error.code(), grpc.StatusCode.UNAVAILABLE)
        self.assertTrue(dict(error.trailing_metadata()).get(TOKEN_TRAILER))
        # Ended at once, not after the 60 s grace.
        self.assertEqual(server.wait(timeout=WAIT), 0)


class ScaleTest(WatchTestCase):

    def test_hundreds_of_watchers_with_bounded_memory(self):
        watchers = 300
        seeds = self.seeds(300)
        server = self.start(seeds, '--max_concurrent_streams', '1000')
        stub = self.stub(server.target)
        before = server.rss_bytes()
        watches = [self.watch(stub, text='quokka') for _ in range(watchers)]
        for watch in watches:
            watch.until('CAUGHT_UP')
        self.assertEqual(server.metrics()['newsmeta_watchers'], watchers)
        set_title(seed_files(extra)[11], 'Quokka sighting reported',
                  os.path.join(seeds, 'quokka.txt'))
        names = {watch.until('ADDED')[-1].name for watch in watches}
        self.assertEqual(len(names), 1)
        during = server.rss_bytes()
        print(f'{watchers} watchers: server RSS {before / 2**20:.1f} MiB '
              f'before, {during / 2**20:.1f} MiB with them', file=sys.stderr)
        # Bounded: well under 100 KiB per watcher (sanitizer builds inflate
        # memory; they only run the rest).
        if not SANITIZE:
            self.assertLess(during - before, watchers * 100 * 1024)


if __name__ == '__main__':
    unittest.main()
