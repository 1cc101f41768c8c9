#!/usr/bin/env python3
"""t/webhook/receiver.py DIR [ANSWER ...]: a webhook receiver for the
tests of oms-events-webhook.  It listens on 127.0.0.1 (a port of its own,
written to DIR/port), checks each POST's X-Oms-Signature with Python's own
HMAC-SHA256 under the secret in DIR/secret, and appends what it got to DIR/requests.jsonl:
the delivery id, whether the signature held, the answer it gave, the
headers the tests look at, and the body.  ANSWERs are taken in turn, the
last one for every request after: an HTTP status (200, 503), "slow" (200
after 1.5 s), "hang" (no answer for 30 s) or "redirect" (302 to /moved).
A GET, which a redirect followed would be, is answered 200 and noted in
DIR/gets."""
import hashlib
import hmac
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DIR = sys.argv[1]
with open(os.path.join(DIR, "secret"), "rb") as f:
    SECRET = f.read().strip()
ANSWERS = sys.argv[2:] or ["200"]
count = 0


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        global count
        answer = ANSWERS[min(count, len(ANSWERS) - 1)]
        count += 1
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        want = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        got = self.headers.get("X-Oms-Signature", "")
        with open(os.path.join(DIR, "body-%d" % count), "wb") as f:
            f.write(body)
        rec = {
            "n": count,
            "signature": got,
            "delivery": self.headers.get("X-Oms-Delivery"),
            "signature_ok": hmac.compare_digest(want, got),
            "answer": answer,
            "content_type": self.headers.get("Content-Type"),
            "authorization": self.headers.get("Authorization"),
            "path": self.path,
        }
        try:
            rec["body"] = json.loads(body)
        except ValueError:
            rec["body"] = body.decode("utf-8", "replace")
        with open(os.path.join(DIR, "requests.jsonl"), "a") as f:
            f.write(json.dumps(rec, sort_keys=True) + "\n")
        if answer == "hang":
            time.sleep(30)
            return
        if answer == "slow":
            time.sleep(1.5)
            answer = "200"
        if answer == "redirect":
            self.send_response(302)
            self.send_header("Location", "/moved")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(int(answer))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        with open(os.path.join(DIR, "gets"), "a") as f:
            f.write(self.path + "\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(DIR, "port.tmp"), "w") as f:
    f.write(str(server.server_address[1]))
os.rename(os.path.join(DIR, "port.tmp"), os.path.join(DIR, "port"))
server.serve_forever()
