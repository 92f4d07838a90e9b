#!/usr/bin/python3
"""bench/ingest helper, run by hand (bench/results/2026-12-07-1955-snapshot-takedown-1m-format6.md).
Usage: snapshot_takedown.py SERVER SEEDS SNAPSHOT LOG.
A start from a 1M snapshot (written first with --write_snapshot when SNAPSHOT
does not exist), the catch-up, then a takedown of 30% of the files (moved
out, SIGHUP) until its merge passes end: peak VmHWM against the VmRSS after
the catch-up, and VmRSS / RssFile / RssAnon sampled every 0.1 s (printed
every second; a snapshot on tmpfs counts as neither file nor anon but
shmem). The files are moved back at the end."""
import hashlib, json, os, re, signal, subprocess, sys, threading, time
server, seeds, snap, log_path = sys.argv[1:5]
def kib(pid, key):
    for line in open(f'/proc/{pid}/status'):
        if line.startswith(key + ':'): return int(line.split()[1])
def lines():
    out = []
    for l in open(log_path):
        try: out.append(json.loads(l))
        except ValueError: pass
    return out
def wait(pred, timeout=900):
    t = time.time()
    while time.time() - t < timeout:
        for e in lines():
            if pred(e): return e
        time.sleep(0.2)
    raise SystemExit('timeout')
if not os.path.exists(snap):
    t = time.time()
    subprocess.run([server, '--seeds', seeds, '--write_snapshot', snap], check=True,
                   stderr=subprocess.DEVNULL)
    print(f'snapshot written in {time.time()-t:.0f} s', flush=True)
t0 = time.time()
p = subprocess.Popen([server, '--host', '127.0.0.1', '--port', '0', '--metrics_port', '-1',
                      '--seeds', seeds, '--snapshot', snap, '--drain_delay', '0s'],
                     stdout=subprocess.DEVNULL, stderr=open(log_path, 'w'))
try:
    e = wait(lambda e: e.get('reason', '').startswith('catching up'))
    print('caught up after', round(time.time() - t0), 's:', e['message'][-80:], flush=True)
    time.sleep(5)
    steady = kib(p.pid, 'VmRSS')
    open(f'/proc/{p.pid}/clear_refs', 'w').write('5')
    aside = os.path.join(os.path.dirname(seeds.rstrip('/')), 'snap-takedown')
    os.makedirs(aside, exist_ok=True)
    chosen = []
    for folder in sorted(os.listdir(seeds)):
        for name in sorted(os.listdir(os.path.join(seeds, folder))):
            if hashlib.sha256(name.encode()).digest()[0] < 256 * 0.3:
                chosen.append((os.path.join(seeds, folder, name), os.path.join(aside, folder + '__' + name)))
    n0 = len(lines())
    samples = []
    sampling = [True]
    def sample():
        while sampling[0]:
            samples.append((time.strftime('%H:%M:%S'), time.time(), kib(p.pid, 'VmRSS'), kib(p.pid, 'RssFile'), kib(p.pid, 'RssAnon')))
            time.sleep(0.1)
    threading.Thread(target=sample, daemon=True).start()
    try:
        for s, t in chosen: os.rename(s, t)
        os.kill(p.pid, signal.SIGHUP)
        wait(lambda e: 'SIGHUP' in e.get('reason', '') and 'reloaded' in e.get('message', ''))
        # until the merge passes end: no reload line for 10 s
        last = len(lines())
        quiet = time.time()
        while time.time() - quiet < 10:
            time.sleep(1)
            if len(lines()) != last: last = len(lines()); quiet = time.time()
        peak, after = kib(p.pid, 'VmHWM'), kib(p.pid, 'VmRSS')
        sampling[0] = False
        top = max(samples, key=lambda x: x[2])
        print('sampled peak at', top[0], 'VmRSS', top[2], 'file', top[3], 'anon', top[4], flush=True)
        for i in range(0, len(samples), 10):
            x = samples[i]; print('  ', x[0], x[2], x[3], x[4])
        for e in lines()[n0:]:
            if 'reloaded' in e.get('message', ''):
                print(e['time'][11:19], e.get('reason'), e.get('segments'), e.get('articles'), e.get('took'), e['message'][-60:])
        print(f'files taken down {len(chosen)}; steady after catch-up {steady} KiB; '
              f'peak {peak} KiB = {peak/steady:.3f}x; after {after} KiB = {after/steady:.3f}x', flush=True)
    finally:
        for s, t in chosen:
            if os.path.exists(t) and not os.path.exists(s): os.rename(t, s)
        os.rmdir(aside)
finally:
    p.send_signal(signal.SIGTERM); p.wait(60)
