#!/usr/bin/env python3
"""An HTTP/1.1 server on 127.0.0.1 that serves the files of a directory well
or badly, for tests of debrepo's fetching against broken and hostile
upstreams (fetch/ tests, and the mirror tests' archive).

    hostile_http_server.py --root DIR --port-file FILE --log FILE
        [--rules FILE] [--tls-cert PEM --tls-key PEM]

With --tls-cert and --tls-key it speaks HTTPS. It binds port 0 and writes its
port to --port-file (atomically) once it accepts connections. Every request
is appended to --log as one line, "<path>\t<Range header>\t<status>" (the
percent-decoded path; an empty Range when none was sent; status 0 when the
request was never answered). Byte ranges are "bytes=N-" and "bytes=N-M"
(206, or 416 past the end).

A behaviour is chosen one of two ways.

Without --rules, the first path segment picks it; <name> is a file under
--root (may contain slashes), <n> a byte count:

  /files/<name>            the file, honouring Range
  /norange/<name>          the file, ignoring Range (always 200, whole)
  /drop/<n>/<name>         announce the (range's) length, send n bytes, close
  /droponce/<n>/<name>     like drop for the first request of this path,
                           then like files
  /stall/<n>/<name>        announce the length, send n bytes, then nothing
  /stallonce/<n>/<name>    like stall for the first request, then like files
  /stallheaders/<name>     accept the request and never answer
  /short/<n>/<name>        a complete response of the first n bytes only
  /oversize/<n>/<name>     the file and n more bytes, Content-Length of all
  /endless/<name>          no Content-Length, the file then zeros forever
  /corrupt/<name>          the file with its first byte changed (same size)
  /status/<code>/<name>    an empty response with that status code
  /endless-status/<code>/<name>
                           that status code (a 3xx to /files/<name>) with a
                           body of zeros that never ends
  /trickle/<n>/<name>      the file (its length announced) at n bytes a
                           second
  /flaky/<k>/<name>        503 for the first k requests of this path, then
                           like files
  /redirect/<target>       302 to the percent-decoded target (any scheme;
                           %XX is the byte XX, not UTF-8)
  /loop/<n>                302 to /loop/<n+1>, endlessly

With --rules, the path is the file's under --root, served well unless a
rule says otherwise. Before each request the server reads the rules file (a
JSON list; missing or empty: serve all); the first rule whose "path" (an
fnmatch pattern over the path) matches and which has requests left ("times",
-1 for all; counted per rule text) decides instead:
  not_found   404
  redirect    302 to "location"
  stall       the headers and "after_bytes" bytes, then silence ("seconds")
  truncate    the whole length announced, "after_bytes" sent, closed
  corrupt     the file with its byte at "after_bytes" changed
  append      the file followed by "extra_bytes" zero bytes
  slow        the file at "bytes_per_second"
"""

import argparse
import fnmatch
import http.server
import json
import os
import re
import ssl
import sys
import threading
import time
import urllib.parse

_lock = threading.Lock()
# Requests seen per path (prefix modes) or per rule text (rules).
_counts = {}


def count_request(key):
    """Returns how many requests of `key` came before this one."""
    with _lock:
        seen = _counts.get(key, 0)
        _counts[key] = seen + 1
        return seen


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    root = ""
    log_path = ""
    rules_path = None

    def log_message(self, format, *args):  # quiet: the log file says enough
        pass

    def log_answer(self, status):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        with _lock, open(self.log_path, "a") as log:
            log.write("%s\t%s\t%d\n" % (path, self.headers.get("Range", ""),
                                        status))

    def read_file(self, name):
        path = os.path.normpath(os.path.join(self.root, name))
        if not path.startswith(self.root + os.sep) or not os.path.isfile(path):
            return None
        with open(path, "rb") as f:
            return f.read()

    def requested_range(self, size):
        """Returns the (start, end) the Range header asks for, None for the
        whole file, or "bad" when it cannot be satisfied."""
        match = re.fullmatch(r"bytes=(\d+)-(\d*)", self.headers.get("Range", ""))
        if not match:
            return None
        start = int(match.group(1))
        end = int(match.group(2)) + 1 if match.group(2) else size
        if start >= size:
            return "bad"
        return start, min(end, size)

    def send_head(self, code, length, extra=()):
        self.log_answer(code)
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        if length is not None:
            self.send_header("Content-Length", str(length))
        for key, value in extra:
            self.send_header(key, value)
        self.end_headers()

    def send_paced(self, body, bytes_per_second):
        chunk = max(bytes_per_second // 10, 1)
        for offset in range(0, len(body), chunk):
            self.wfile.write(body[offset:offset + chunk])
            self.wfile.flush()
            time.sleep(chunk / bytes_per_second)

    def send_file(self, data, honour_range=True, drop_after=None,
                  stall_after=None, stall_seconds=3600, bytes_per_second=None):
        part = self.requested_range(len(data)) if honour_range else None
        if part == "bad":
            self.send_head(416, 0, [("Content-Range", "bytes */%d" % len(data))])
            return
        if part is None:
            body = data
            self.send_head(200, len(body), [("Accept-Ranges", "bytes")])
        else:
            start, end = part
            body = data[start:end]
            self.send_head(206, len(body), [
                ("Accept-Ranges", "bytes"),
                ("Content-Range", "bytes %d-%d/%d" % (start, end - 1, len(data)))])
        if drop_after is not None:
            self.wfile.write(body[:drop_after])
            self.wfile.flush()
            self.close_connection = True
            return
        if stall_after is not None:
            self.wfile.write(body[:stall_after])
            self.wfile.flush()
            time.sleep(stall_seconds)
            self.close_connection = True
            return
        if bytes_per_second is not None:
            self.send_paced(body, max(bytes_per_second, 1))
            return
        self.wfile.write(body)

    def send_endless(self, code, extra=()):
        self.send_head(code, None, list(extra) + [("Connection", "close")])
        self.close_connection = True
        zeros = b"\0" * 65536
        while True:
            self.wfile.write(zeros)

    def not_found(self):
        self.send_head(404, 0)

    def do_GET(self):
        try:
            if self.rules_path is not None:
                self.serve_by_rules()
            else:
                self.serve_by_prefix()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def take_rule(self, path):
        try:
            with open(self.rules_path, encoding="utf-8") as rules_file:
                rules = json.load(rules_file)
        except (OSError, ValueError):
            return None
        for rule in rules:
            if not fnmatch.fnmatchcase(path, rule["path"]):
                continue
            times = rule.get("times", -1)
            used = count_request(json.dumps(rule, sort_keys=True))
            if times >= 0 and used >= times:
                continue
            return rule
        return None

    def serve_by_rules(self):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        rule = self.take_rule(path) or {"action": ""}
        action = rule["action"]
        if action == "redirect":
            self.send_head(302, 0, [("Location", rule["location"])])
            return
        data = self.read_file(path.lstrip("/"))
        if action == "not_found" or data is None:
            self.not_found()
            return
        if action == "corrupt":
            at = rule.get("after_bytes", 0) % max(len(data), 1)
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        elif action == "append":
            data += b"\0" * rule.get("extra_bytes", 1)
        if action == "stall":
            self.send_file(data, stall_after=rule.get("after_bytes", 0),
                           stall_seconds=rule.get("seconds", 3600))
        elif action == "truncate":
            self.send_file(data, drop_after=rule.get("after_bytes", 0))
        elif action == "slow":
            self.send_file(data,
                           bytes_per_second=rule.get("bytes_per_second", 1024))
        else:
            self.send_file(data)

    def serve_by_prefix(self):
        parts = urllib.parse.unquote(self.path).lstrip("/").split("/")
        mode = parts[0]
        if mode == "redirect":
            target = urllib.parse.unquote(self.path.split("/", 2)[2],
                                          encoding="latin-1")
            self.send_head(302, 0, [("Location", target)])
            return
        if mode == "loop":
            self.send_head(302, 0, [("Location", "/loop/%d" % (int(parts[1]) + 1))])
            return
        if mode == "stallheaders":
            self.log_answer(0)
            time.sleep(3600)
            return
        if mode in ("drop", "droponce", "stall", "stallonce", "short",
                    "oversize", "status", "endless-status", "trickle",
                    "flaky"):
            number, name = int(parts[1]), "/".join(parts[2:])
        else:
            number, name = 0, "/".join(parts[1:])
        if mode == "status":
            self.send_head(number, 0)
            return
        if mode == "endless-status":
            location = ([("Location", "/files/" + name)]
                        if 300 <= number < 400 else [])
            self.send_endless(number, location)
            return
        data = self.read_file(name)
        if data is None:
            self.not_found()
            return
        first = count_request(self.path) == 0
        if mode == "files":
            self.send_file(data)
        elif mode == "norange":
            self.send_file(data, honour_range=False)
        elif mode == "drop" or (mode == "droponce" and first):
            self.send_file(data, drop_after=number)
        elif mode == "droponce":
            self.send_file(data)
        elif mode == "stall" or (mode == "stallonce" and first):
            self.send_file(data, stall_after=number)
        elif mode == "stallonce":
            self.send_file(data)
        elif mode == "short":
            self.send_head(200, min(number, len(data)))
            self.wfile.write(data[:number])
        elif mode == "oversize":
            self.send_head(200, len(data) + number)
            self.wfile.write(data + b"\0" * number)
        elif mode == "endless":
            self.send_head(200, None, [("Connection", "close")])
            self.close_connection = True
            self.wfile.write(data)
            zeros = b"\0" * 65536
            while True:
                self.wfile.write(zeros)
        elif mode == "corrupt":
            self.send_head(200, len(data))
            self.wfile.write(bytes([data[0] ^ 0xFF]) + data[1:])
        elif mode == "trickle":
            self.send_file(data, honour_range=False, bytes_per_second=number)
        elif mode == "flaky":
            if count_request("flaky-count:" + self.path) < number:
                self.send_head(503, 0)
            else:
                self.send_file(data)
        else:
            self.not_found()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--rules")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    Handler.root = os.path.realpath(args.root)
    Handler.log_path = args.log
    Handler.rules_path = args.rules
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    temp = args.port_file + ".tmp"
    with open(temp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(temp, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
