#!/usr/bin/env python3
"""The demo app behind nginx: one instance of a tiny web service.

    app.py --name web-1 --port 9001 --version v2 [--delay-ms 20] [--detach]

GET /        200 "web-1 v2"   (after --delay-ms, to keep requests in flight)
POST /       the same
GET /healthz 200 "ok", or 500 "broken" when the version contains "broken"

It listens on 127.0.0.1 only. SIGTERM stops it gracefully: it stops accepting,
finishes the requests it has, and exits 0. Python 3 standard library only.
"""

import argparse
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    # Join the request threads on close, so SIGTERM finishes them first.
    daemon_threads = False
    block_on_close = True
    request_queue_size = 128


def handler(name, version, delay):
    broken = "broken" in version

    class Handler(BaseHTTPRequestHandler):
        server_version = "shipwindow-demo/1"

        def do_POST(self):
            # Like GET, after reading the body. nginx does not retry a POST
            # once it has reached an instance (it is not idempotent), so a POST
            # in flight on an instance that goes away fails: only draining the
            # instance first keeps POSTs whole.
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.do_GET()

        def do_GET(self):
            path = self.path.split("?", 1)[0]
            if path == "/healthz":
                status, body = (500, "broken\n") if broken else (200, "ok\n")
            elif path == "/":
                if delay:
                    time.sleep(delay)
                status, body = 200, f"{name} {version}\n"
            else:
                status, body = 404, "not found\n"
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("X-Instance", name)
            self.send_header("X-Version", version)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, fmt, *args):
            pass  # quiet: nginx keeps the access log

    return Handler


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    p.add_argument("--name", required=True)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--version", required=True)
    p.add_argument("--delay-ms", type=int, default=0)
    p.add_argument("--detach", action="store_true",
                   help="start a session of its own (no terminal signals)")
    args = p.parse_args()
    if args.detach:
        os.setsid()
    server = Server(("127.0.0.1", args.port),
                    handler(args.name, args.version, args.delay_ms / 1000))

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"{args.name} {args.version} listening on 127.0.0.1:{args.port} (pid {os.getpid()})",
          flush=True)
    server.serve_forever(poll_interval=0.05)
    server.server_close()
    print(f"{args.name} {args.version} stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
