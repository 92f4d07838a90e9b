"""Shared by the Python tests: the environment ctest provides and the real
newsmeta-server as a subprocess on a free loopback port.

Run with /usr/bin/python3 (Debian's grpcio and protobuf). ctest sets
NEWSMETA_SERVER, NEWSMETA_CLIENT, NEWSMETA_GEN_SEEDS (binaries),
NEWSMETA_SOURCE_DIR and NEWSMETA_BUILD_DIR (the Python stubs are in
$NEWSMETA_BUILD_DIR/client/python/gen).
"""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit(f'{name} is not set: run this test through ctest')
    return value


SERVER = env('NEWSMETA_SERVER')
CLIENT = env('NEWSMETA_CLIENT')
GEN_SEEDS = env('NEWSMETA_GEN_SEEDS')
SOURCE_DIR = env('NEWSMETA_SOURCE_DIR')
STUBS = os.path.join(env('NEWSMETA_BUILD_DIR'), 'client', 'python', 'gen')
SAMPLE = os.path.join(SOURCE_DIR, 'client', 'python', 'newsmeta_client.py')

# The sanitizers the binaries were built with: '' normally,
# 'address,undefined' in make test-asan, 'thread' in make test-tsan.
SANITIZE = os.environ.get('NEWSMETA_SANITIZE', '')
# A report of ASan, LSan, UBSan or TSan in a server's log.
SANITIZER_REPORT = re.compile(
    r'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|'
    r'WARNING: ThreadSanitizer')

COMMAND_TIMEOUT = 60  # seconds, for every subprocess
STOP_TIMEOUT = 20  # seconds the server may take to stop after SIGTERM
# Channel options: a small HTTP/2 flow-control window with no BDP growth.
# The client then buffers a few articles only, so a stream it does not read
# stays open on the server instead of being delivered whole into the client's
# buffers (with BDP probing on a loaded machine, the window can grow past a
# 40 MB stream before a client thread gets to run).
SMALL_WINDOW = [('grpc.http2.bdp_probe', 0),
                ('grpc.http2.lookahead_bytes', 16 * 1024)]

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(SAMPLE))
import newsmeta_client as nc  # noqa: E402


def poll(condition, what, timeout=30):
    """Waits until condition() is true; fails naming `what`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f'timed out waiting for {what}')


def generate_seeds(out, count, seed=7):
    subprocess.run([GEN_SEEDS, '--count', str(count), '--out', out,
                    '--seed', str(seed)], check=True, capture_output=True,
                   timeout=COMMAND_TIMEOUT)


def seed_files(folder):
    """Paths of the seed files below `folder` (the generator makes
    subfolders), sorted."""
    return sorted(os.path.join(parent, file)
                  for parent, _, files in os.walk(folder)
                  for file in files if file.endswith('.txt'))


def temp_name(path):
    """A name next to `path` that the loader skips (it starts with a dot),
    to write a file completely before renaming it into place."""
    return os.path.join(os.path.dirname(path),
                        '.' + os.path.basename(path) + '.tmp')


def set_title(path, title, target=None):
    """Writes the seed at `path` with a new title to `target` (default: in
    place), atomically (rename over it); keeps a CRLF line end."""
    target = target or path
    with open(path, encoding='utf-8', newline='') as f:
        lines = f.read().split('\n')
    for i, line in enumerate(lines):
        if line.startswith('title:'):
            lines[i] = f'title: "{title}"' + (
                '\r' if line.endswith('\r') else '')
            break
    else:
        raise AssertionError(f'{path} has no title line')
    with open(temp_name(target), 'w', encoding='utf-8', newline='') as f:
        f.write('\n'.join(lines))
    os.replace(temp_name(target), target)


class Server:
    """The newsmeta-server process, its log and its address."""

    def __init__(self, workdir, name='server'):
        self.workdir = workdir
        self.process = None
        self.target = None
        self.metrics_url = None
        self.log_path = os.path.join(workdir, f'{name}.log')

    def log(self):
        try:
            with open(self.log_path, encoding='utf-8', errors='replace') as f:
                return f.read()
        except OSError:
            return ''

    def start(self, seeds, *flags):
        """Starts the server; `flags` come after the defaults, so win."""
        with open(self.log_path, 'wb') as log:
            self.process = subprocess.Popen(
                [SERVER, '--host', '127.0.0.1', '--port', '0',
                 '--metrics_port', '0', '--seeds', seeds, '--drain_delay',
                 '200ms', '--shutdown_grace', '5s', *flags],
                stdout=log, stderr=subprocess.STDOUT)
        port = self.wait_for_log(r'listening on 127\.0\.0\.1:(\d+)',
                                 'the port it listens on').group(1)
        self.target = f'127.0.0.1:{port}'
        metrics = re.search(r'metrics on (http://127\.0\.0\.1:\d+/metrics)',
                            self.log())
        self.metrics_url = metrics.group(1) if metrics else None

    def metrics(self):
        """The scraped metrics as {'name{labels}': value}."""
        with urllib.request.urlopen(self.metrics_url, timeout=10) as reply:
            text = reply.read().decode('utf-8')
        samples = {}
        for line in text.splitlines():
            if line and not line.startswith('#'):
                series, value = line.rsplit(' ', 1)
                samples[series] = float(value)
        return samples

    def wait_for_log(self, pattern, what, timeout=30):
        """The first match of `pattern` in the log, waiting for it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            match = re.search(pattern, self.log())
            if match:
                return match
            if self.process.poll() is not None:
                raise RuntimeError(f'server exited before logging {what}:\n'
                                   + self.log())
            time.sleep(0.05)
        raise RuntimeError(f'server never logged {what}:\n' + self.log())

    def wait_serving(self):
        """Waits until `newsmeta-client health` prints SERVING."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            result = subprocess.run(
                [CLIENT, '--target', self.target, '--timeout', '2s',
                 'health'], capture_output=True, text=True,
                timeout=COMMAND_TIMEOUT)
            if result.stdout.strip() == 'SERVING':
                return
            time.sleep(0.2)
        raise RuntimeError('health never became SERVING:\n' + self.log())

    def rss_bytes(self):
        """The server's resident memory (VmRSS), in bytes."""
        with open(f'/proc/{self.process.pid}/status') as status:
            for line in status:
                if line.startswith('VmRSS:'):
                    return int(line.split()[1]) * 1024
        raise RuntimeError('no VmRSS in /proc/PID/status')

    def thread_count(self):
        """The number of threads the server runs now."""
        with open(f'/proc/{self.process.pid}/status') as status:
            for line in status:
                if line.startswith('Threads:'):
                    return int(line.split()[1])
        raise RuntimeError('no Threads in /proc/PID/status')

    def sanitizer_reports(self):
        """Lines of the log that start a sanitizer report."""
        return [line for line in self.log().splitlines()
                if SANITIZER_REPORT.search(line)]

    def signal(self, number):
        self.process.send_signal(number)

    def wait(self, timeout=STOP_TIMEOUT):
        """The exit code, or None when it did not exit in time."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self):
        """SIGTERM; returns the exit code."""
        self.signal(signal.SIGTERM)
        return self.wait()

    def kill(self):
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT)
