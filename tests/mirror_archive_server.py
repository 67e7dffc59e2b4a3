#!/usr/bin/env python3
"""Serves a test Debian archive over loopback HTTP, friendly or hostile.

Usage: mirror_archive_server.py ROOT PORT_FILE RULES_FILE LOG_FILE

Serves the files under ROOT (GET and HEAD, byte ranges "bytes=N-" and
"bytes=N-M" as 206, keep-alive) on 127.0.0.1 at a free port, which it writes
to PORT_FILE once it listens. Before each request it reads RULES_FILE (a JSON
list; missing or empty: serve normally); the first rule whose "path" (an
fnmatch pattern over the URL path) matches and which has requests left
("times", -1 for all) decides what happens instead:
  not_found   404
  redirect    302 to "location"
  stall       send the headers and "after_bytes" bytes, then hang
  truncate    announce the whole length, send "after_bytes" bytes, close
  corrupt     serve the file with its byte at "after_bytes" changed
  append      serve the file followed by "extra_bytes" more bytes
  slow        serve at "bytes_per_second"
Each answered request is appended to LOG_FILE as a JSON line
{"path", "range", "status", "rule"}, so that a test can count what a client
fetched (and how often it resumed).
"""

import fnmatch
import http.server
import json
import os
import sys
import threading
import time
import urllib.parse

ROOT, PORT_FILE, RULES_FILE, LOG_FILE = sys.argv[1:5]
_lock = threading.Lock()
# Requests used per rule, by the rule's JSON text (a new rules file with the
# same rule starts it afresh only when the rule's text differs).
_used = {}


def _take_rule(path):
    try:
        with open(RULES_FILE, encoding="utf-8") as rules_file:
            rules = json.load(rules_file)
    except (OSError, ValueError):
        return None
    with _lock:
        for rule in rules:
            if not fnmatch.fnmatchcase(path, rule["path"]):
                continue
            key = json.dumps(rule, sort_keys=True)
            times = rule.get("times", -1)
            if times >= 0 and _used.get(key, 0) >= times:
                continue
            _used[key] = _used.get(key, 0) + 1
            return rule
    return None


def _log(entry):
    with _lock:
        with open(LOG_FILE, "a", encoding="utf-8") as log_file:
            log_file.write(json.dumps(entry) + "\n")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        pass

    def do_HEAD(self):
        self._serve(send_body=False)

    def do_GET(self):
        self._serve(send_body=True)

    def _answer(self, status, headers=(), body=b""):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _serve(self, send_body):
        path = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path)
        byte_range = self.headers.get("Range", "")
        rule = _take_rule(path)
        action = rule["action"] if rule else ""
        entry = {"path": path, "range": byte_range, "rule": action}
        if action == "redirect":
            entry["status"] = 302
            _log(entry)
            self._answer(302, [("Location", rule["location"])])
            return
        local = os.path.realpath(os.path.join(ROOT, path.lstrip("/")))
        if action == "not_found" or not (
            local.startswith(os.path.realpath(ROOT) + os.sep) and os.path.isfile(local)
        ):
            entry["status"] = 404
            _log(entry)
            self._answer(404, body=b"not found\n")
            return
        with open(local, "rb") as served:
            data = served.read()
        if action == "corrupt":
            at = rule.get("after_bytes", 0) % max(len(data), 1)
            data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]
        elif action == "append":
            data += b"\0" * rule.get("extra_bytes", 1)
        status, start = 200, 0
        headers = [("Accept-Ranges", "bytes")]
        if byte_range.startswith("bytes="):
            first, _, last = byte_range[len("bytes="):].partition("-")
            start = int(first or 0)
            end = int(last) + 1 if last else len(data)
            if start >= len(data):
                entry["status"] = 416
                _log(entry)
                self._answer(416, [("Content-Range", f"bytes */{len(data)}")])
                return
            headers.append(
                ("Content-Range", f"bytes {start}-{min(end, len(data)) - 1}/{len(data)}"))
            data = data[start:end]
            status = 206
        entry["status"] = status
        _log(entry)
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if not send_body:
            return
        if action in ("stall", "truncate"):
            self.wfile.write(data[: rule.get("after_bytes", 0)])
            self.wfile.flush()
            if action == "stall":
                time.sleep(rule.get("seconds", 3600))
            self.close_connection = True
            return
        if action == "slow":
            rate = max(rule.get("bytes_per_second", 1024), 1)
            chunk = max(rate // 10, 1)
            for offset in range(0, len(data), chunk):
                self.wfile.write(data[offset:offset + chunk])
                self.wfile.flush()
                time.sleep(chunk / rate)
            return
        self.wfile.write(data)


def main():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(PORT_FILE + ".tmp", "w", encoding="utf-8") as port_file:
        port_file.write(str(server.server_address[1]))
    os.rename(PORT_FILE + ".tmp", PORT_FILE)
    server.serve_forever()


if __name__ == "__main__":
    main()
