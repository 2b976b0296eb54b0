#!/usr/bin/env python3
"""graph_double.py - a local WhatsApp Cloud API (Graph API) for tests.

Speaks protocols.md section 4.4 for what hookspool sends:

  POST /{version}/{phone_id}/messages   a text or interactive (button or
      list) message. Checks, in this order: the bearer token (wrong or
      missing: 401, error 190), the path (another version or phone id:
      400, error 100), the JSON body, messaging_product == "whatsapp", to,
      and the limits table of 4.4, counted in characters (a violation:
      400 with error 131009, a missing or ill-typed field: 400 with error
      100). Success: 200 {"messaging_product":"whatsapp","contacts":[{
      "input":to,"wa_id":to}],"messages":[{"id":"wamid.<unique>"}]}.
  GET /{version}/{phone_id}[?fields=id]  the sink's probe: 200 {"id":
      phone_id} (401, error 190, on a bad token).

Errors are Meta's envelope: {"error":{"message":...,"type":
"OAuthException","code":C,"error_data":{"messaging_product":"whatsapp",
"details":...},"fbtrace_id":...}}.

What a test needs besides the API:
  * --log FILE: one JSON line per Graph request, appended before it is
    answered: {"t": epoch seconds, "mono": time.monotonic() when its
    request line was read, "method", "path", "auth": "ok"|"bad", "body":
    the parsed JSON or null, "status": the answered status (null: never
    answered), "code": Meta's error code or null, "wamid": the id given or
    null, "held": whether it was held}.
  * POST /control (JSON object), any of:
      {"script": [{"status": 429, "retry_after": "1"}, {"status": 500},
                  {"code": 131047}, {"code": 190}, {"code": 130429},
                  {"delay_ms": 3000}, {"hold": true}]}
          answers the next Graph requests, one step each, in order. A
          "code" answers Meta's envelope with its HTTP status (190: 401;
          130429, 131056, 4, 80007: 429; 131047, 131026, 100, 131009 and
          unknown codes: 400; 131000, 1, 2: 500), or with "status" if the
          step gives one; a "status" alone answers that status with an
          envelope that has no code (200: answered normally); "retry_after"
          adds a Retry-After header; "message" replaces Meta's text; a step
          with only "delay_ms" answers normally that much later; "hold"
          keeps the request waiting until {"release": true}.
      {"delay_ms": N}        every answer N ms later (0: off)
      {"token": "new"}       the token accepted from now on
      {"release": true}      the held requests go: each is answered 500
                             (error 131000) and logged with status 500 -
                             it was never sent to anyone
      {"clear": true}        drops the script and the delay
    A held request whose client hangs up is logged with status null and
    held true.
  * GET /received: the messages answered 200 (the log's entries for POST
    .../messages with status 200), in arrival order: what Meta would have
    sent to users.

--port 0 picks a free port; --ready-file gets the port number once the
double listens. Standard library only (no PyPI on the build machine).
"""

import argparse
import json
import os
import select
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# The HTTP status Meta answers each error code with.
CODE_STATUS = {
    190: 401,
    4: 429, 80007: 429, 130429: 429, 131056: 429,
    131047: 400, 131026: 400, 131048: 400, 368: 400, 100: 400,
    131009: 400, 131051: 400,
    131000: 500, 1: 500, 2: 500,
}

CODE_TEXT = {
    190: ("Error validating access token: Session has expired",
          "The access token is expired or invalid"),
    4: ("Application request limit reached", "Too many calls"),
    80007: ("Rate limit hit", "The WhatsApp Business Account reached its "
            "rate limit"),
    130429: ("Rate limit hit", "Cloud API message throughput has been "
             "reached"),
    131056: ("(Business Account, Consumer Account) pair rate limit hit",
             "Too many messages sent from this phone number to the same "
             "phone number in a short period of time"),
    131047: ("Re-engagement message", "Message failed to send because more "
             "than 24 hours have passed since the customer last replied "
             "to this number"),
    131026: ("Message undeliverable", "Unable to deliver message"),
    131048: ("Spam rate limit hit", "Message failed to send because there "
             "are restrictions on how many messages can be sent"),
    368: ("Temporarily blocked for policies violations", "The account is "
          "restricted"),
    100: ("Invalid parameter", "Invalid parameter"),
    131009: ("Parameter value is not valid", "Parameter value is not "
             "valid"),
    131051: ("Unsupported message type", "Message type is not supported"),
    131000: ("Something went wrong", "Something went wrong"),
    1: ("An unknown error occurred", "An unknown error occurred"),
    2: ("Service temporarily unavailable", "Service temporarily "
        "unavailable"),
}


class Invalid(Exception):
    """A request Meta refuses: its error code and message."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def chars(s):
    """Characters (code points), as Meta counts them."""
    return len(s)


def need_str(obj, key, where, lo, hi):
    v = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(v, str):
        raise Invalid(100, "(#100) The parameter %s%s is required"
                      % (where, key))
    if not lo <= chars(v) <= hi:
        raise Invalid(131009, "(#131009) Parameter value is not valid: "
                      "%s%s has %d characters, allowed %d to %d"
                      % (where, key, chars(v), lo, hi))
    return v


def opt_str(obj, key, where, hi):
    if isinstance(obj, dict) and key in obj:
        return need_str(obj, key, where, 0, hi)
    return None


def need_obj(obj, key, where):
    v = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(v, dict):
        raise Invalid(100, "(#100) The parameter %s%s is required"
                      % (where, key))
    return v


def check_header(ia):
    h = ia.get("header")
    if h is None:
        return
    if not isinstance(h, dict) or h.get("type") != "text":
        raise Invalid(100, "(#100) interactive.header must be of type text")
    need_str(h, "text", "interactive.header.", 1, 60)


def check_buttons(action):
    bs = action.get("buttons")
    if not isinstance(bs, list):
        raise Invalid(100, "(#100) The parameter interactive.action.buttons"
                      " is required")
    if not 1 <= len(bs) <= 3:
        raise Invalid(131009, "(#131009) Parameter value is not valid: "
                      "%d buttons, allowed 1 to 3" % len(bs))
    ids = set()
    for i, b in enumerate(bs):
        where = "interactive.action.buttons[%d]." % i
        if not isinstance(b, dict) or b.get("type") != "reply":
            raise Invalid(100, "(#100) %stype must be reply" % where)
        r = need_obj(b, "reply", where)
        bid = need_str(r, "id", where + "reply.", 1, 256)
        need_str(r, "title", where + "reply.", 1, 20)
        if bid in ids:
            raise Invalid(131009, "(#131009) Parameter value is not valid: "
                          "button id %r is not unique" % bid)
        ids.add(bid)


def check_list(action):
    need_str(action, "button", "interactive.action.", 1, 20)
    ss = action.get("sections")
    if not isinstance(ss, list):
        raise Invalid(100, "(#100) The parameter interactive.action."
                      "sections is required")
    if not 1 <= len(ss) <= 10:
        raise Invalid(131009, "(#131009) Parameter value is not valid: "
                      "%d sections, allowed 1 to 10" % len(ss))
    ids, rows = set(), 0
    for i, s in enumerate(ss):
        where = "interactive.action.sections[%d]." % i
        if not isinstance(s, dict):
            raise Invalid(100, "(#100) %s must be an object" % where)
        if len(ss) > 1:
            need_str(s, "title", where, 1, 24)
        else:
            opt_str(s, "title", where, 24)
        rs = s.get("rows")
        if not isinstance(rs, list) or not rs:
            raise Invalid(100, "(#100) The parameter %srows is required"
                          % where)
        for j, r in enumerate(rs):
            rw = "%srows[%d]." % (where, j)
            rid = need_str(r, "id", rw, 1, 200)
            need_str(r, "title", rw, 1, 24)
            opt_str(r, "description", rw, 72)
            if rid in ids:
                raise Invalid(131009, "(#131009) Parameter value is not "
                              "valid: row id %r is not unique" % rid)
            ids.add(rid)
            rows += 1
    if rows > 10:
        raise Invalid(131009, "(#131009) Parameter value is not valid: "
                      "%d rows, allowed at most 10" % rows)


def check_message(body):
    """Raises Invalid when Meta would refuse body."""
    if not isinstance(body, dict):
        raise Invalid(100, "(#100) The request body must be a JSON object")
    if body.get("messaging_product") != "whatsapp":
        raise Invalid(100, "(#100) The parameter messaging_product is "
                      "required and must be whatsapp")
    to = body.get("to")
    if not isinstance(to, str) or not to:
        raise Invalid(100, "(#100) The parameter to is required")
    kind = body.get("type", "text")
    if kind == "text":
        need_str(need_obj(body, "text", ""), "body", "text.", 1, 4096)
    elif kind == "interactive":
        ia = need_obj(body, "interactive", "")
        need_str(need_obj(ia, "body", "interactive."), "text",
                 "interactive.body.", 1, 1024)
        check_header(ia)
        if "footer" in ia:
            need_str(need_obj(ia, "footer", "interactive."), "text",
                     "interactive.footer.", 1, 60)
        action = need_obj(ia, "action", "interactive.")
        if ia.get("type") == "button":
            check_buttons(action)
        elif ia.get("type") == "list":
            check_list(action)
        else:
            raise Invalid(131009, "(#131009) Parameter value is not valid: "
                          "interactive.type %r" % (ia.get("type"),))
    else:
        raise Invalid(131051, "(#131051) Unsupported message type: %r"
                      % (kind,))


def envelope(code, message=None):
    title, details = CODE_TEXT.get(code, ("Error", "Error"))
    err = {"message": message or "(#%d) %s" % (code, title),
           "type": "OAuthException", "code": code,
           "error_data": {"messaging_product": "whatsapp",
                          "details": details},
           "fbtrace_id": "A" + uuid.uuid4().hex[:22]}
    if code == 190:
        err["error_subcode"] = 463
        del err["error_data"]
    return {"error": err}


class Double:
    """The token, the script, delays, held requests and the log."""

    def __init__(self, opts):
        self.token = opts.token
        self.phone_id = opts.phone_id
        self.version = opts.version
        self.script = []
        self.delay_ms = 0
        self.seq = 0
        self.entries = []
        self.release_gen = 0
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.log = open(opts.log, "a", encoding="utf-8") if opts.log \
            else None

    def control(self, c):
        if not isinstance(c, dict):
            raise ValueError("control wants a JSON object")
        with self.lock:
            if c.get("clear"):
                self.script = []
                self.delay_ms = 0
            if "script" in c:
                if not isinstance(c["script"], list) or not all(
                        isinstance(s, dict) for s in c["script"]):
                    raise ValueError("script wants a list of objects")
                self.script.extend(c["script"])
            if "delay_ms" in c:
                self.delay_ms = int(c["delay_ms"])
            if "token" in c:
                self.token = str(c["token"])
            if c.get("release"):
                self.release_gen += 1
                self.cond.notify_all()
            return {"ok": True}

    def next_step(self):
        with self.lock:
            self.seq += 1
            step = self.script.pop(0) if self.script else {}
            return self.seq, step, self.delay_ms

    def write_log(self, entry):
        with self.lock:
            self.entries.append(entry)
            if self.log:
                self.log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.log.flush()

    def received(self):
        with self.lock:
            return [e for e in self.entries if e["method"] == "POST" and
                    e["status"] == 200]

    def wamid(self, seq):
        return "wamid.HBgL%06d%s" % (seq, uuid.uuid4().hex[:16].upper())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive, as Graph
    disable_nagle_algorithm = True
    server_version = "graph-double"

    def log_message(self, fmt, *args):
        pass

    def parse_request(self):
        self.arrived = time.monotonic()
        return super().parse_request()

    def answer(self, status, body, extra=None):
        data = json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        if self.path == "/received":
            self.answer(200, self.server.double.received())
            return
        self.graph("GET", b"")

    def do_POST(self):
        raw = self.read_body()
        if self.path == "/control":
            try:
                c = json.loads(raw or b"{}")
                self.answer(200, self.server.double.control(c))
            except (ValueError, TypeError) as e:
                self.answer(400, {"error": str(e)})
            return
        self.graph("POST", raw)

    def client_gone(self):
        """True when the client closed its end (EOF waiting to be read)."""
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            if not r:
                return False
            return self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def hold(self, d):
        """Waits for a release; False when the client hung up first."""
        with d.lock:
            gen = d.release_gen
        while True:
            with d.lock:
                if d.release_gen != gen:
                    return True
                d.cond.wait(0.05)
                if d.release_gen != gen:
                    return True
            if self.client_gone():
                return False

    def graph(self, method, raw):
        d = self.server.double
        t = time.time()
        path = self.path.split("?", 1)[0]
        auth = "ok" if self.headers.get("Authorization") == \
            "Bearer " + d.token else "bad"
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        seq, step, delay = d.next_step()
        entry = {"t": round(t, 6), "mono": round(self.arrived, 6),
                 "method": method, "path": path, "auth": auth, "body": body,
                 "status": None, "code": None, "wamid": None,
                 "held": bool(step.get("hold"))}
        wait = (delay or 0) + int(step.get("delay_ms") or 0)
        if wait > 0:
            time.sleep(wait / 1000.0)
        extra = {}
        if step.get("retry_after") is not None:
            extra["Retry-After"] = str(step["retry_after"])
        if step.get("hold"):
            if not self.hold(d):
                d.write_log(entry)
                self.close_connection = True
                return
            status, out = 500, envelope(131000)
            entry.update(code=131000)
        elif step.get("code") is not None:
            code = int(step["code"])
            status = int(step.get("status") or CODE_STATUS.get(code, 400))
            out = envelope(code, step.get("message"))
            entry.update(code=code)
        elif step.get("status") and int(step["status"]) != 200:
            status = int(step["status"])
            out = {"error": {"message": "scripted HTTP %d" % status,
                             "type": "GraphMethodException",
                             "fbtrace_id": "A" + uuid.uuid4().hex[:22]}}
        else:
            status, out = self.api(d, method, path, auth, body, raw, seq,
                                   entry)
        entry["status"] = status
        d.write_log(entry)
        self.answer(status, out, extra)

    def api(self, d, method, path, auth, body, raw, seq, entry):
        """The Graph API proper: (status, answer); fills entry."""
        if auth != "ok":
            entry["code"] = 190
            return 401, envelope(190, "Error validating access token: "
                                 "Session has expired or the token is "
                                 "invalid")
        base = "/%s/%s" % (d.version, d.phone_id)
        want = base + "/messages" if method == "POST" else base
        if path != want:
            entry["code"] = 100
            return 400, envelope(100, "Unsupported %s request. Object with "
                                 "ID '%s' does not exist, cannot be loaded "
                                 "due to missing permissions, or does not "
                                 "support this operation"
                                 % (method.lower(), path))
        if method == "GET":
            return 200, {"id": d.phone_id}
        try:
            if body is None:
                raise Invalid(100, "(#100) The request body is not JSON"
                              if raw else "(#100) The request body is "
                              "empty")
            check_message(body)
        except Invalid as e:
            entry["code"] = e.code
            return 400, envelope(e.code, e.message)
        wamid = d.wamid(seq)
        entry["wamid"] = wamid
        return 200, {"messaging_product": "whatsapp",
                     "contacts": [{"input": body["to"],
                                   "wa_id": body["to"]}],
                     "messages": [{"id": wamid}]}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0,
                    help="0: any free port (see --ready-file)")
    ap.add_argument("--log", help="JSON-lines log of every Graph request")
    ap.add_argument("--token", default="graph-test-token")
    ap.add_argument("--phone-id", dest="phone_id",
                    default="106540352242922")
    ap.add_argument("--version", default="v25.0")
    ap.add_argument("--ready-file", dest="ready_file",
                    help="gets the port number once listening")
    opts = ap.parse_args()
    srv = ThreadingHTTPServer((opts.host, opts.port), Handler)
    srv.daemon_threads = True
    srv.double = Double(opts)
    if opts.ready_file:
        tmp = opts.ready_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, opts.ready_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
