#!/usr/bin/env python3
"""Requests the demo through nginx for a while and counts the answers.

    load.py [--seconds 30] [--port 8080] [--threads 4]

Each thread sends GET and POST in turn, one connection per request, and the
tally at the end says how many came back 200 from each instance and version,
and how many failed (any other status, or no answer). Ctrl-C ends it early.
Python 3 standard library only.
"""

import argparse
import collections
import http.client
import threading
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--seconds", type=float, default=30)
    p.add_argument("--port", type=int, default=8080)
    p.add_argument("--threads", type=int, default=4)
    args = p.parse_args()
    answers = collections.Counter()
    failures = collections.Counter()
    lock = threading.Lock()
    stop = threading.Event()

    def worker():
        n = 0
        while not stop.is_set():
            method = "GET" if n % 2 == 0 else "POST"
            n += 1
            try:
                c = http.client.HTTPConnection("127.0.0.1", args.port, timeout=10)
                c.request(method, "/", body=b"order=42\n" if method == "POST" else None,
                          headers={"Connection": "close"})
                r = c.getresponse()
                body = r.read().decode().strip()
                c.close()
                key, bad = (body, False) if r.status == 200 else (f"{method} {r.status}", True)
            except OSError as e:
                key, bad = f"{method} {type(e).__name__}", True
            with lock:
                (failures if bad else answers)[key] += 1
            time.sleep(0.005)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.threads)]
    started = time.monotonic()
    for t in threads:
        t.start()
    try:
        stop.wait(args.seconds)
    except KeyboardInterrupt:
        pass
    stop.set()
    for t in threads:
        t.join()
    took = time.monotonic() - started
    total = sum(answers.values()) + sum(failures.values())
    print(f"{total} requests in {took:.1f}s, {sum(failures.values())} failed")
    for key, n in sorted(answers.items()):
        print(f"  {n:6}  {key}")
    for key, n in sorted(failures.items()):
        print(f"  {n:6}  FAILED {key}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
