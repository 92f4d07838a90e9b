#!/usr/bin/python3
"""Turns ingest_bench.py's raw figures into the part's result (format:
bench/report.py). Usage: rows.py RAW_JSON OUT_JSON"""

import json
import statistics
import sys

from figures import parse_duration, percentile


def main(raw_path, out_path):
    raw = json.load(open(raw_path, encoding='utf-8'))
    n = raw['articles']
    quiet_ms = parse_duration(raw['quiet_period']) * 1e3
    renames = raw['renames']
    polled = [r for r in renames if r['polled']]
    quiet = [r for r in renames if not r['polled']]
    latencies = [r['latency_s'] * 1e3 for r in polled]
    p50, p99 = percentile(latencies, 0.5), percentile(latencies, 0.99)
    target_ms = quiet_ms + 50
    deltas = [r for r in renames if r['delta']]
    whole = [r for r in renames if not r['delta']]
    net_cpu = [r['net_cpu_s'] * 1e3 for r in quiet]
    mean_cpu = statistics.fmean(net_cpu)
    polled_cpu = statistics.fmean(r['net_cpu_s'] * 1e3 for r in polled)
    took = [r['took_s'] * 1e3 for r in renames]
    # Time from the rename to the reload's start: the quiet period and the
    # watcher; from the log's wall-clock time less `took`.
    mib = 1 / 1024
    sighup = raw.get('sighup')
    rebuild = raw.get('rebuild')
    # The seed that links to a URL two articles own: a whole rebuild until
    # the delta followed several owners, a delta since (its reference is
    # then the cold start).
    shared_delta = bool(rebuild and rebuild.get('delta'))
    if rebuild and not shared_delta:
        reference = ('full rebuild', rebuild['net_cpu_s'])
    else:
        reference = ('load from scratch (cold start)', raw['cold_cpu_s'])
    rows = [
        {'name': f'new seed renamed in until GetArticle finds it, p50 '
                 f'({len(polled)} renames)',
         'value': round(p50, 1), 'unit': 'ms',
         'vs': 'quiet period', 'vs_value': quiet_ms, 'met': None},
        {'name': 'same, p99', 'value': round(p99, 1), 'unit': 'ms',
         'vs': 'quiet period', 'vs_value': quiet_ms,
         'target': f'≤ quiet period + 50 ms ({target_ms:.0f} ms)',
         'met': p99 <= target_ms},
        {'name': 'reload of one new seed (log `took`), p50 / p99',
         'value': f'{percentile(took, 0.5):.1f} / {percentile(took, 0.99):.1f}',
         'unit': 'ms', 'met': None},
        {'name': f'server CPU per single-file change (mean of '
                 f'{len(quiet)} unpolled renames, less idle)',
         'value': round(mean_cpu, 2), 'unit': 'CPU-ms',
         'vs': reference[0],
         'vs_value': round(reference[1] * 1e3),
         'ratio': round(reference[1] * 1e3 / mean_cpu)
         if mean_cpu > 0 else None,
         'ratio_meaning': f'× less CPU than a {reference[0]}',
         'target': '≤ 10 ms', 'met': mean_cpu <= 10},
        {'name': 'same, p99 of the per-change figures',
         'value': round(percentile(net_cpu, 0.99), 1), 'unit': 'CPU-ms',
         'met': None},
    ]
    merges = [r for r in quiet if 'merged' in r['message']]
    plain = [r for r in quiet if 'merged' not in r['message']]
    if merges and plain:
        rows.append({
            'name': f'same, the {len(merges)} changes that merged the deltas '
                    f'/ the {len(plain)} others (mean)',
            'value': round(statistics.fmean(r['net_cpu_s'] for r in merges)
                           * 1e3, 1),
            'unit': 'CPU-ms', 'vs': 'the others',
            'vs_value': round(statistics.fmean(r['net_cpu_s']
                                               for r in plain) * 1e3, 1),
            'met': None})
        rows.append({
            'name': 'rename until the reload\'s log line, changes that '
                    'merged the deltas / the others (mean)',
            'value': round(statistics.fmean(r['log_seen_s'] for r in merges)
                           * 1e3, 1),
            'unit': 'ms', 'vs': 'the others',
            'vs_value': round(statistics.fmean(r['log_seen_s']
                                               for r in plain) * 1e3, 1),
            'met': None})
    if shared_delta:
        rows.append({'name': 'a new seed whose webUrl another article owns '
                             'and links to (two owners: a delta with one '
                             'pass over the catalog), until the log line / '
                             'server CPU',
                     'value': f'{rebuild["seconds"]:.2f} s / '
                              f'{rebuild["net_cpu_s"]:.2f} CPU-s',
                     'unit': '', 'met': None})
    elif rebuild:
        rows.append({'name': f'full rebuild of the {n:,} articles (forced, '
                             'until the log line)',
                     'value': round(rebuild['seconds'], 2), 'unit': 's',
                     'vs': 'one new seed, p50',
                     'vs_value': round(p50 / 1e3, 3),
                     'ratio': round(rebuild['seconds'] * 1e3 / p50),
                     'ratio_meaning': '× the latency of a delta',
                     'met': None})
        rows.append({'name': 'full rebuild, server CPU',
                     'value': round(rebuild['net_cpu_s'], 1),
                     'unit': 'CPU-s', 'met': None})
    if sighup:
        rows.append({'name': 'SIGHUP, nothing changed (walk + delta), until '
                             'the log line / server CPU',
                     'value': f'{sighup["seconds"]:.2f} s / '
                              f'{sighup["net_cpu_s"]:.2f} CPU-s',
                     'unit': '', 'met': None})
    rows += [
        {'name': 'peak RSS (VmHWM) during the renames',
         'value': round(raw['renames_peak_rss_kib'] * mib), 'unit': 'MiB',
         'vs': 'steady VmRSS after the cold start',
         'vs_value': round(raw['steady_rss_kib'] * mib),
         'ratio': round(raw['renames_peak_rss_kib'] / raw['steady_rss_kib'],
                        3),
         'ratio_meaning': '× steady', 'met': None},
        {'name': 'steady VmRSS per article after the cold start',
         'value': round(raw['steady_rss_kib'] * 1024 / raw['articles']),
         'unit': 'B',
         'vs': f'serialized FULL (mean of {raw["full_bytes_sample"]:,})',
         'vs_value': round(raw['full_bytes_per_article']),
         'ratio': round(raw['steady_rss_kib'] * 1024 / raw['articles'] /
                        raw['full_bytes_per_article'], 2),
         'ratio_meaning': '× serialized', 'target': '≤ 1.5×',
         'met': raw['steady_rss_kib'] * 1024 / raw['articles'] <=
         1.5 * raw['full_bytes_per_article']}
        if 'full_bytes_per_article' in raw else None,
        {'name': f'cold start, {n:,} seeds (spawn until the `loaded` line)',
         'value': round(raw['cold_start_s'], 1), 'unit': 's',
         'met': None},
        {'name': 'cold start, peak RSS (VmHWM)',
         'value': round(raw['cold_peak_rss_kib'] * mib), 'unit': 'MiB',
         'vs': 'steady VmRSS', 'vs_value': round(raw['steady_rss_kib'] * mib),
         'ratio': round(raw['cold_peak_rss_kib'] / raw['steady_rss_kib'], 2),
         'ratio_meaning': '× steady', 'target': '≤ 2× steady',
         'met': raw['cold_peak_rss_kib'] <= 2 * raw['steady_rss_kib']},
    ]
    takedown, restore = raw.get('takedown'), raw.get('restore')
    if takedown:
        rows.append({'name': f'takedown of {takedown["files"]:,} files '
                             '(moved out, then SIGHUP) / their restore, '
                             'until the SIGHUP\'s reload',
                     'value': f'{takedown["seconds"]:.1f} s / '
                              f'{restore["seconds"]:.1f} s',
                     'unit': '', 'met': None})
    shared_name = 'link to a URL two articles own' if shared_delta else \
        'full rebuild'
    for what, reload in (('SIGHUP', sighup), ('takedown', takedown),
                         ('restore', restore), (shared_name, rebuild)):
        if not reload:
            continue
        rows.append({'name': f'{what}, peak RSS (VmHWM)',
                     'value': round(reload['peak_rss_kib'] * mib),
                     'unit': 'MiB',
                     'vs': 'steady VmRSS',
                     'vs_value': round(raw['steady_rss_kib'] * mib),
                     'ratio': round(reload['peak_rss_kib'] /
                                    raw['steady_rss_kib'], 2),
                     'ratio_meaning': '× steady',
                     'target': '≤ 1.3× steady',
                     'met': reload['peak_rss_kib'] <=
                     1.3 * raw['steady_rss_kib']})
    feed = raw.get('feed')
    if feed:
        within = feed['within_1s'] / feed['files']
        idle_get = feed['idle_queries']['get']['p99_ms']
        busy_get = feed['busy_queries']['get']['p99_ms']
        idle_list = feed['idle_queries']['list']['p99_ms']
        busy_list = feed['busy_queries']['list']['p99_ms']
        rows += [
            {'name': f'feed: {feed["rate"]:.0f} new files/s for '
                     f'{feed["seconds"]:.0f} s, served within 1 s of the '
                     'rename',
             'value': f'{100 * within:.2f} % ({feed["within_1s"]:,} of '
                      f'{feed["files"]:,})', 'unit': '',
             'target': '100 %', 'met': feed['within_1s'] == feed['files']},
            {'name': f'feed: rename until served (WatchArticles ADDED; '
                     f'{feed["served"]:,} seen), p50 / p99 / max',
             'value': ' / '.join('—' if v is None else f'{v:.2f}' for v in (
                 feed['visible_p50_s'], feed['visible_p99_s'],
                 feed['visible_max_s'])),
             'unit': 's', 'met': None},
            {'name': f'feed: GetArticle p99, {feed["query_clients"]} clients',
             'value': round(busy_get, 2), 'unit': 'ms',
             'vs': 'same clients, no feed', 'vs_value': round(idle_get, 2),
             'ratio': round(busy_get / idle_get, 2),
             'ratio_meaning': '× idle', 'target': '≤ 2× idle',
             'met': busy_get <= 2 * idle_get},
            {'name': 'feed: ListArticles first page p99',
             'value': round(busy_list, 2), 'unit': 'ms',
             'vs': 'same clients, no feed', 'vs_value': round(idle_list, 2),
             'ratio': round(busy_list / idle_list, 2),
             'ratio_meaning': '× idle', 'target': '≤ 2× idle',
             'met': busy_list <= 2 * idle_list},
        ]
        growth = (feed['rss_after_kib'] - feed['rss_before_kib']) * 1024
        if 'full_bytes_per_article' in raw:
            new_bytes = feed['files'] * raw['full_bytes_per_article']
            # The issue's bound: 1.5x the new articles' bytes plus the
            # merge's working space, the bytes of the most articles one
            # merge of the feed wrote (a copy beside the deltas it merged).
            merged = feed.get('max_merged_articles', 0)
            working = merged * raw['full_bytes_per_article']
            bound = 1.5 * new_bytes + working
            rows.append({
                'name': 'feed: VmRSS growth over the feed',
                'value': round(growth / 2**20, 1), 'unit': 'MiB',
                'vs': "the new articles' serialized bytes",
                'vs_value': round(new_bytes / 2**20, 1),
                'ratio': round(growth / new_bytes, 2),
                'ratio_meaning': '×',
                'target': f'≤ 1.5× + the merge\'s working space '
                          f'({working / 2**20:.1f} MiB: its largest merge '
                          f'wrote {merged:,} articles) = '
                          f'{bound / 2**20:.1f} MiB',
                'met': growth <= bound})
    rows = [row for row in rows if row is not None]

    notes = [
        f'newsmeta-server on loopback, --reload_quiet_period '
        f'{raw["quiet_period"]}, seeds from newsmeta-gen-seeds --count '
        f'{n:,} --seed 1 ({raw["rejected_files"]} rejected). New seeds: '
        'indexes ≥ the count of a corpus generated with a larger --count '
        '(no seed of the corpus links to them), renamed (rename(2), same '
        'file system) one at a time into an existing subfolder, then '
        f'GetArticle every {raw["poll_ms"]} ms until found.',
        f'Renames: {len(deltas)} applied as deltas, {len(whole)} rebuilt '
        'whole' + (': ' + '; '.join(sorted({r['message'].split('; ')[-1]
                                           for r in whole}))
                   if whole else '') + '.',
        f'Latency: min {min(latencies):.1f}, p50 {p50:.1f}, p99 {p99:.1f}, '
        f'max {max(latencies):.1f} ms; the reload itself (log `took`) p50 '
        f'{percentile(took, 0.5):.2f} ms, max {max(took):.1f} ms; the rest '
        'is the quiet period, inotify and the polling step. The first '
        f'changes after a whole load took '
        + ', '.join(f'{r["took_s"] * 1e3:.0f}' for r in renames[:3])
        + ' ms.',
        'Server CPU: utime+stime of /proc/PID/stat from the rename until the '
        'reload\'s log line (+20 ms), on as many renames again after the '
        'polled ones, not polled (nothing else runs in the server), less the '
        f'idle rate ({statistics.median(raw["idle_cpu_per_s"]) * 1e3:.1f} '
        'CPU-ms/s). The counter has 10 ms ticks, so single figures are '
        'coarse and the mean is the figure. The polled renames, less the '
        'rate measured while polling a missing name at the same cadence '
        f'({statistics.median(raw["polling_cpu_per_s"]) * 1e3:.0f} '
        f'CPU-ms/s), give {polled_cpu:.1f} CPU-ms per change.',
        f'Cold start: {raw["cold_start_s"]:.1f} s to the `loaded` line '
        f'(load itself {raw["cold_took_s"]:.1f} s, {raw["cold_cpu_s"]:.0f} '
        'CPU-s); steady VmRSS read 5 s after it. VmHWM reset with '
        '/proc/PID/clear_refs before each phase'
        + ('' if raw['peak_reset_supported'] else
           ' (refused by the kernel: peaks are since start)') + '.',
    ]
    for what, reload in (('Takedown', takedown), ('Restore', restore)):
        if reload:
            notes.append(
                f'{what}: {reload["files"]:,} files; the SIGHUP\'s reload: '
                f'{reload["message"]}; {reload["cpu_s"]:.1f} CPU-s in all; '
                f'{reload["segments"]} segments; VmRSS after '
                f'{reload["rss_after_kib"] * mib:.0f} MiB.')
    for what, reload in (('SIGHUP', sighup),
                         (shared_name[0].upper() + shared_name[1:], rebuild)):
        if reload:
            notes.append(
                f'{what}: {reload["message"]}; took {reload["took_s"]:.1f} s, '
                f'{reload["cpu_s"]:.1f} CPU-s; VmRSS after '
                f'{reload["rss_after_kib"] * mib:.0f} MiB.')
    if feed:
        notes.append(
            f'Feed: {feed["files"]:,} renames spread evenly over '
            f'{feed["feed_wall_s"]:.1f} s; {feed["reloads"]} reloads '
            f'({feed["reloads_delta"]} as deltas: '
            + '; '.join(f'{m.split("; ", 1)[-1]}, took {t:.1f} s' for m, t in
                        zip(feed['reload_messages'], feed['reload_took_s']))
            + f'); seen served {feed["served"]:,}, not seen '
            f'{feed["not_served"]:,}'
            + (f' (the watch ended: {feed["watch_error"]})'
               if feed.get('watch_error') else '')
            + (f', of which {feed["served_unseen"]:,} served at the end'
               if feed.get('served_unseen') else '')
            + '. Served = the ADDED event of a '
            'WatchArticles stream without backfill. Query clients: '
            f'{feed["query_clients"]} processes, closed loop, 70 % '
            'GetArticle of catalog names, 30 % ListArticles first page of 50 '
            'of a topic; idle figures from the same clients for '
            f'{feed["idle_queries"]["get"]["calls"] + feed["idle_queries"]["list"]["calls"]:,} '
            f'calls just before; during the feed '
            f'{feed["busy_queries"]["get"]["calls"] + feed["busy_queries"]["list"]["calls"]:,} '
            f'calls, {feed["busy_queries"]["errors"]} errors.')
    json.dump({'part': 'ingest',
               'title': f'Ingest ({n:,} articles, new seeds renamed in)',
               'rows': rows, 'notes': notes},
              open(out_path, 'w', encoding='utf-8'), ensure_ascii=False,
              indent=1)
    print(json.dumps(rows, ensure_ascii=False), file=sys.stderr)


if __name__ == '__main__':
    main(*sys.argv[1:])
