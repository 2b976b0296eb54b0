#!/usr/bin/env python3
"""odoo_double.py - a local Odoo 17/18 external JSON-RPC server for tests.

Speaks protocols.md section 2 (and its notes in 2.9 / 2.10) on POST
/jsonrpc: common.version, common.login, common.authenticate and
object.execute_kw with search_read, search, search_count, read, create
(one dict -> id, a list -> [ids], all or nothing), write and unlink on the
seed's two custom models, manychat.contact (unique manychat_id) and
manychat.state (unique idempotency_key). Errors come back as Odoo 17/18
envelopes: HTTP 200, error.code 200, data.name "odoo.exceptions.X" or
"builtins.ValueError", data.message, data.debug (a fake traceback).

What a test needs besides Odoo itself:
  * a log: one JSON line per request to /jsonrpc, written before the
    answer, with its arrival time ("t", epoch seconds; "mono",
    time.monotonic() when its request line was read off the socket, for
    gaps between requests as Odoo sees them; "conn", the client's port),
    service, method,
    model, ORM method, record count, HTTP status, error name and whether
    the rate limit refused it;
  * a rate limit (--rate R, --burst B): a token bucket that answers 429
    with Retry-After when a request comes too early (--slack-ms of
    tolerance for clock jitter);
  * switches, on the command line or by POST /control (JSON object):
      {"script": [{"status": 429, "retry_after": "2"}, {"status": 503},
                  {"drop": true}, {"error": "odoo.exceptions.AccessError",
                  "message": "..."}]}  the next requests' answers, in order
      {"delay_ms": 3000, "delay_ops": ["create"], "delay_when": "after"}
          slow: sleep before answering ("after": the call has been
          executed - a timeout then leaves its outcome unknown)
      {"fail_on": [{"field": "email", "value": "bad@example.com",
                    "message": "Invalid email"}]}  a ValidationError for
          any create/write whose values hold that field = value
      {"password": "new"}                     change the password
      {"blind_searches": 1}   the next N search/search_read answer
          nothing, as if a concurrent creator were not visible yet
      {"clear": true}                         drop switches and script
      {"handshake_delay_ms": 30}  TLS only: each new connection's
          handshake waits this long first (a far or slow Odoo: the
          request that opens a connection leaves well after its client
          decided to send it)
    --tls-cert/--tls-key serve HTTPS (a client that refuses the
    certificate never gets to /jsonrpc, so nothing is logged).
    GET /dump answers every record and the counters; "down" is the test
    stopping this process (connections are then refused) and starting it
    again with the same --state file, where the records are kept.

Standard library only (no PyPI on the build machine).
"""

import argparse
import json
import math
import os
import re
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SERVER_VERSION = {
    "server_version": "18.0",
    "server_version_info": [18, 0, 0, "final", 0, ""],
    "server_serie": "18.0",
    "protocol_version": 1,
}

DT_FORMAT = "%Y-%m-%d %H:%M:%S"
DT_RE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$")

# The seed's custom models (seed 000) as a real Odoo 18 holds them: each
# field carries the name the ManyChat payload gives its value (ultimo_estado,
# datetime_actual, ...); the contact's record name is "name" (the real
# model's first drain passed it, issue 11) and nombre_lead is kept as sent.
MODELS = {
    "manychat.contact": {
        "fields": {
            "manychat_id": "char", "name": "char", "nombre_lead": "char",
            "first_name": "char", "last_name": "char", "phone": "char",
            "email": "char", "ultimo_estado": "char",
            "datetime_actual": "datetime",
        },
        "required": ["manychat_id", "name"],
        "unique": ("manychat_id", "The ManyChat id must be unique!"),
    },
    "manychat.state": {
        "fields": {
            "manychat_id": "char", "ultimo_estado": "char",
            "campaign_id": "char", "comercial_id": "char",
            "tipo_asignacion": "char", "datetime_actual": "datetime",
            "idempotency_key": "char",
        },
        "required": ["manychat_id", "idempotency_key"],
        "unique": ("idempotency_key", "The idempotency key must be unique!"),
    },
}
MAGIC = {"id": "integer", "create_date": "datetime", "write_date": "datetime",
         "display_name": "char"}


class OdooError(Exception):
    """An exception Odoo would serialize into the error envelope."""

    def __init__(self, name, message):
        super().__init__(message)
        self.name = name
        self.message = message


def validation(msg):
    return OdooError("odoo.exceptions.ValidationError", msg)


def value_error(msg):
    return OdooError("builtins.ValueError", msg)


class Store:
    """The records of both models, kept in memory and in --state."""

    def __init__(self, path):
        self.path = path
        self.tables = {m: {} for m in MODELS}
        self.next_id = {m: 1 for m in MODELS}
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                data = json.load(f)
            for m in MODELS:
                self.tables[m] = {int(k): v for k, v in
                                  data["tables"].get(m, {}).items()}
                self.next_id[m] = data["next_id"].get(m, 1)

    def save(self):
        if not self.path:
            return
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"tables": self.tables, "next_id": self.next_id}, f)
        os.replace(tmp, self.path)


def now_dt():
    return time.strftime(DT_FORMAT, time.gmtime())


class Odoo:
    """The ORM part: one lock, every method as Odoo would answer it."""

    def __init__(self, opts):
        self.db = opts.db
        self.login = opts.user
        self.password = opts.password
        self.uid = opts.uid
        self.store = Store(opts.state)
        self.fail_on = []
        self.blind_searches = 0
        self.lock = threading.Lock()

    # -- common ---------------------------------------------------------
    def common(self, method, args):
        if method == "version":
            return SERVER_VERSION
        if method in ("login", "authenticate"):
            if len(args) < 3:
                raise OdooError("builtins.TypeError",
                                "exp_%s() missing required positional "
                                "arguments" % method)
            db, login, password = args[0], args[1], args[2]
            if db != self.db:
                raise OdooError("psycopg2.OperationalError",
                                'connection to server failed: FATAL:  '
                                'database "%s" does not exist' % db)
            # Odoo 17/18 catch AccessDenied here and answer false.
            if login == self.login and password == self.password:
                return self.uid
            return False
        raise OdooError("builtins.AttributeError",
                        "The method '%s' does not exist" % method)

    # -- object.execute_kw ------------------------------------------------
    def execute_kw(self, args):
        if len(args) < 6:
            raise OdooError("builtins.TypeError", "execute_kw() missing "
                            "required positional arguments")
        db, uid, password, model, method, pargs = args[:6]
        kwargs = args[6] if len(args) > 6 and args[6] else {}
        if db != self.db:
            raise OdooError("psycopg2.OperationalError",
                            'FATAL:  database "%s" does not exist' % db)
        # The password (or API key) is checked on every call.
        if uid != self.uid or password != self.password:
            raise OdooError("odoo.exceptions.AccessDenied", "Access Denied")
        if model not in MODELS:
            raise OdooError("builtins.KeyError", repr(model))
        fn = getattr(self, "m_" + str(method), None)
        if fn is None:
            raise OdooError("builtins.AttributeError",
                            "The method '%s' does not exist on the model "
                            "'%s'" % (method, model))
        if not isinstance(pargs, list) or not isinstance(kwargs, dict):
            raise OdooError("builtins.TypeError", "args must be a list and "
                            "kwargs an object")
        return fn(model, pargs, kwargs)

    # -- the ORM methods ---------------------------------------------------
    def m_search(self, model, pargs, kw):
        return [r["id"] for r in self._search(model, pargs, kw)]

    def m_search_count(self, model, pargs, kw):
        return len(self._search(model, pargs, dict(kw, limit=None)))

    def m_search_read(self, model, pargs, kw):
        fields = kw.get("fields")
        if fields is None and len(pargs) > 1:
            fields = pargs[1]
        spec = dict(MODELS[model]["fields"], **MAGIC)
        for f in fields or []:     # checked before searching, as Odoo does
            if f not in spec:
                raise value_error("Invalid field %r on model %r" %
                                  (f, model))
        return [self._read_one(model, r, fields)
                for r in self._search(model, pargs[:1], kw)]

    def m_read(self, model, pargs, kw):
        ids = pargs[0] if pargs else []
        ids = [ids] if isinstance(ids, int) else ids
        table = self.store.tables[model]
        missing = [i for i in ids if i not in table]
        if missing:
            raise OdooError("odoo.exceptions.MissingError",
                            "Record does not exist or has been deleted.\n"
                            "(Record: %s(%s,), User: %d)" %
                            (model, missing[0], self.uid))
        return [self._read_one(model, table[i], kw.get("fields"))
                for i in ids]

    def m_create(self, model, pargs, kw):
        if not pargs:
            raise OdooError("builtins.TypeError", "create() missing 1 "
                            "required positional argument: 'vals_list'")
        single = isinstance(pargs[0], dict)
        vals_list = [pargs[0]] if single else pargs[0]
        if not isinstance(vals_list, list) or \
                not all(isinstance(v, dict) for v in vals_list):
            raise value_error("create() takes a dict or a list of dicts")
        # All or nothing: check every record before keeping any.
        ufield, umsg = MODELS[model]["unique"]
        seen = {r.get(ufield) for r in self.store.tables[model].values()}
        clean = []
        for vals in vals_list:
            rec = self._check_vals(model, vals, creating=True)
            if rec.get(ufield) in seen:
                raise validation(umsg)
            seen.add(rec.get(ufield))
            clean.append(rec)
        ids = []
        for rec in clean:
            rid = self.store.next_id[model]
            self.store.next_id[model] = rid + 1
            rec["id"] = rid
            rec["create_date"] = rec["write_date"] = now_dt()
            self.store.tables[model][rid] = rec
            ids.append(rid)
        if ids:
            self.store.save()
        return ids[0] if single else ids

    def m_write(self, model, pargs, kw):
        if len(pargs) < 2 or not isinstance(pargs[1], dict):
            raise OdooError("builtins.TypeError", "write() takes ids and "
                            "a dict of values")
        ids = [pargs[0]] if isinstance(pargs[0], int) else pargs[0]
        rec = self._check_vals(model, pargs[1], creating=False)
        table = self.store.tables[model]
        ufield, umsg = MODELS[model]["unique"]
        if ufield in rec:
            others = [r for r in table.values() if r["id"] not in ids and
                      r.get(ufield) == rec[ufield]]
            if others or len([i for i in ids if i in table]) > 1:
                raise validation(umsg)
        # Ids that do not exist are ignored and true is answered (2.9).
        for i in ids:
            if i in table:
                table[i].update(rec)
                table[i]["write_date"] = now_dt()
        self.store.save()
        return True

    def m_unlink(self, model, pargs, kw):
        ids = pargs[0] if pargs else []
        ids = [ids] if isinstance(ids, int) else ids
        for i in ids:
            self.store.tables[model].pop(i, None)
        self.store.save()
        return True

    def m_fields_get(self, model, pargs, kw):
        spec = dict(MODELS[model]["fields"], **MAGIC)
        return {f: {"string": f.replace("_", " ").title(), "type": t,
                    "required": f in MODELS[model]["required"]}
                for f, t in spec.items()}

    # -- helpers -------------------------------------------------------------
    def _check_vals(self, model, vals, creating):
        spec = MODELS[model]["fields"]
        rec = {}
        for field, value in vals.items():
            if field not in spec:
                raise value_error("Invalid field '%s' on model '%s'" %
                                  (field, model))
            if value is None:
                value = False
            if spec[field] == "datetime" and value is not False:
                if not isinstance(value, str) or not DT_RE.match(value):
                    raise value_error("time data %r does not match format "
                                      "'%s'" % (value, DT_FORMAT))
            elif spec[field] == "char" and value is not False:
                if isinstance(value, bool) or \
                        not isinstance(value, (str, int, float)):
                    raise value_error("Wrong value for %s.%s: %r" %
                                      (model, field, value))
                value = str(value)
            rec[field] = value
        for rule in self.fail_on:
            if rule.get("model", model) == model and \
                    rule.get("field") in rec and \
                    rec[rule["field"]] == rule.get("value"):
                raise OdooError(rule.get("error",
                                         "odoo.exceptions.ValidationError"),
                                rule.get("message", "Invalid value"))
        if creating:
            for field in MODELS[model]["required"]:
                if rec.get(field) in (None, False, ""):
                    raise validation("Missing required value for the field "
                                     "'%s' (%s)" % (field.replace("_", " ")
                                                    .title(), field))
        return rec

    def _read_one(self, model, rec, fields):
        spec = dict(MODELS[model]["fields"], **MAGIC)
        names = fields or list(spec)
        out = {"id": rec["id"]}
        for f in names:
            if f not in spec:
                raise value_error("Invalid field '%s' on model '%s'" %
                                  (f, model))
            if f == "display_name":
                out[f] = rec.get("name") or "%s,%d" % (model, rec["id"])
                continue
            v = rec.get(f)
            out[f] = False if v is None else v    # NULL reads as false
        return out

    def _search(self, model, pargs, kw):
        domain = pargs[0] if pargs else kw.get("domain", [])
        pred = compile_domain(model, domain)
        if self.blind_searches > 0:
            self.blind_searches -= 1
            return []
        rows = [r for r in self.store.tables[model].values() if pred(r)]
        order = str(kw.get("order") or "id asc")
        rows.sort(key=lambda r: r["id"], reverse="desc" in order.lower())
        off = kw.get("offset") or 0
        lim = kw.get("limit")
        return rows[off:off + lim] if lim else rows[off:]


def compile_domain(model, domain):
    """A predicate for an Odoo domain (prefix "&", "|", "!"; implicit AND)."""
    if not isinstance(domain, list):
        raise value_error("Invalid domain: %r" % (domain,))
    spec = dict(MODELS[model]["fields"], **MAGIC)
    items = list(domain)

    def term():
        if not items:
            raise value_error("Invalid domain: %r" % (domain,))
        t = items.pop(0)
        if t == "!":
            a = term()
            return lambda r: not a(r)
        if t in ("&", "|"):
            a, b = term(), term()
            if t == "&":
                return lambda r: a(r) and b(r)
            return lambda r: a(r) or b(r)
        if not isinstance(t, list) or len(t) != 3:
            raise value_error("Invalid leaf %r" % (t,))
        field, op, value = t
        if field not in spec:
            raise value_error("Invalid field %s.%s in leaf %s" %
                              (model, field, json.dumps(t)))
        return leaf(field, op, value)

    preds = []
    while items:
        preds.append(term())
    return lambda r: all(p(r) for p in preds)


def leaf(field, op, value):
    def get(r):
        v = r.get(field)
        return False if v is None else v

    if op == "=":
        return lambda r: get(r) == value
    if op == "!=":
        return lambda r: get(r) != value
    if op in ("in", "not in"):
        if not isinstance(value, list):
            value = [value]
        vals = set(v for v in value if not isinstance(v, (list, dict)))
        if op == "in":
            return lambda r: get(r) in vals
        return lambda r: get(r) not in vals
    if op in ("ilike", "like"):
        needle = str(value).lower() if op == "ilike" else str(value)
        return lambda r: get(r) is not False and needle in (
            str(get(r)).lower() if op == "ilike" else str(get(r)))
    raise value_error("Invalid operator %r" % (op,))


class Double:
    """Transport-level behaviour: rate limit, script, delays, log."""

    def __init__(self, opts):
        self.odoo = Odoo(opts)
        self.rate = opts.rate
        self.burst = opts.burst or max(1.0, opts.rate)
        self.slack = opts.slack_ms / 1000.0
        self.tokens = self.burst
        self.updated = None
        self.script = []
        self.delay_ms = 0
        self.delay_ops = None
        self.delay_when = "before"
        self.handshake_delay_ms = opts.handshake_delay_ms
        self.seq = 0
        self.stats = {"requests": 0, "rate_limited": 0, "errors": 0}
        self.lock = threading.Lock()
        self.log = open(opts.log, "a", encoding="utf-8") if opts.log \
            else None
        for name in ("script", "fail_on"):
            v = getattr(opts, name)
            if v:
                self.control({name: json.loads(v)})

    def control(self, c):
        with self.lock:
            if c.get("clear"):
                self.script = []
                self.odoo.fail_on = []
                self.odoo.blind_searches = 0
                self.delay_ms = 0
                self.delay_ops = None
            if "script" in c:
                self.script.extend(c["script"])
            if "delay_ms" in c:
                self.delay_ms = int(c["delay_ms"])
                self.delay_ops = c.get("delay_ops")
                self.delay_when = c.get("delay_when", "before")
            if "fail_on" in c:
                self.odoo.fail_on = list(c["fail_on"])
            if "password" in c:
                self.odoo.password = c["password"]
            if "handshake_delay_ms" in c:
                self.handshake_delay_ms = float(c["handshake_delay_ms"])
            if "blind_searches" in c:
                self.odoo.blind_searches = int(c["blind_searches"])
            if "rate" in c:
                self.rate = float(c["rate"])
                self.burst = float(c.get("burst") or max(1.0, self.rate))
                self.tokens = self.burst
                self.updated = None
            return {"ok": True}

    def dump(self):
        with self.odoo.lock:
            return {"models": {m: sorted(t.values(), key=lambda r: r["id"])
                               for m, t in self.odoo.store.tables.items()},
                    "stats": dict(self.stats)}

    def admit(self, t):
        """Token bucket of --rate/--burst; True when t may pass."""
        if self.rate <= 0:
            return True
        if self.updated is not None:
            self.tokens = min(self.burst, self.tokens +
                              (t - self.updated) * self.rate)
        self.updated = t
        if self.tokens + self.slack * self.rate >= 1.0:
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False

    def write_log(self, entry):
        if self.log:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()


def describe(req):
    """(service, method, model, orm method, record count) of a request."""
    p = req.get("params") if isinstance(req, dict) else None
    if not isinstance(p, dict):
        return None, None, None, None, 0
    args = p.get("args") if isinstance(p.get("args"), list) else []
    if p.get("service") != "object" or len(args) < 6:
        return p.get("service"), p.get("method"), None, None, 0
    model, op, pargs = args[3], args[4], args[5]
    n = 0
    if isinstance(pargs, list) and pargs:
        a0 = pargs[0]
        if op == "create":
            n = len(a0) if isinstance(a0, list) else 1
        elif op in ("write", "read", "unlink"):
            n = len(a0) if isinstance(a0, list) else 1
        elif op in ("search_read", "search", "search_count") and \
                isinstance(a0, list):
            for leaf_ in a0:
                if isinstance(leaf_, list) and len(leaf_) == 3 and \
                        isinstance(leaf_[2], list):
                    n = max(n, len(leaf_[2]))
                elif isinstance(leaf_, list):
                    n = max(n, 1)
    return p.get("service"), p.get("method"), model, op, n


def envelope_error(rid, name, message):
    cls = name.rsplit(".", 1)[-1]
    return {"jsonrpc": "2.0", "id": rid, "error": {
        "code": 200, "message": "Odoo Server Error",
        "data": {"name": name, "message": message, "arguments": [message],
                 "context": {},
                 "debug": "Traceback (most recent call last):\n"
                          '  File "/odoo/odoo/http.py", line 1957, in '
                          "_serve_db\n%s: %s\n" % (cls, message)}}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"     # keep-alive, as Odoo behind a proxy
    disable_nagle_algorithm = True    # headers and body go out at once
    server_version = "Werkzeug/3.0.1"
    sys_version = "Python/3.11"

    def log_message(self, fmt, *args):
        pass

    def parse_request(self):
        # The request line has just been read: its arrival at the socket,
        # or a little later (this thread's wake-up). A connection's first
        # request is read by a thread started after the accept, so it is
        # dated by when the TLS handshake ended instead, which its bytes
        # cannot precede: a gap to the next request is then never shorter
        # than the truth.
        self.arrived = time.monotonic()
        ready = getattr(self.request, "hs_ready", None)
        if ready is not None:
            self.arrived = min(self.arrived, ready)
            self.request.hs_ready = None
        return super().parse_request()

    def answer(self, status, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else \
            json.dumps(body).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def do_GET(self):
        d = self.server.double
        if self.path == "/dump":
            self.answer(200, d.dump())
        elif self.path == "/web/webclient/version_info":
            self.answer(200, {"jsonrpc": "2.0", "id": None,
                              "result": SERVER_VERSION})
        else:
            self.answer(404 if self.path != "/jsonrpc" else 405,
                        b"Not Found", "text/html")

    def do_POST(self):
        d = self.server.double
        if self.path == "/control":
            try:
                c = json.loads(self.read_body() or b"{}")
                self.answer(200, d.control(c))
            except (ValueError, TypeError, KeyError) as e:
                self.answer(400, {"error": str(e)})
            return
        if self.path != "/jsonrpc":
            self.read_body()
            self.answer(404, b"<h1>Not Found</h1>", "text/html")
            return
        self.jsonrpc(d)

    def jsonrpc(self, d):
        t = time.time()
        raw = self.read_body()
        entry = {"t": round(t, 6), "mono": round(self.arrived, 6),
                 "conn": self.client_address[1]}
        try:
            req = json.loads(raw)
        except ValueError:
            req = None
        service, method, model, op, n = describe(req)
        entry.update(service=service, method=method, model=model, op=op,
                     n=n)
        with d.lock:
            d.seq += 1
            entry["seq"] = d.seq
            d.stats["requests"] += 1
            admitted = d.admit(t)
            step = d.script.pop(0) if d.script and admitted else None
            delay = d.delay_ms if d.delay_ms and \
                (not d.delay_ops or op in d.delay_ops or
                 method in d.delay_ops) else 0
            when = d.delay_when
        ctype = (self.headers.get("Content-Type") or "").split(";")[0]
        if not admitted:
            d.stats["rate_limited"] += 1
            entry.update(status=429, rate_limited=True)
            d.write_log(entry)
            retry = max(1, math.ceil(1.0 / d.rate))
            self.answer(429, b"<h1>Too Many Requests</h1>", "text/html",
                        {"Retry-After": str(retry)})
            return
        if step and step.get("drop"):
            entry.update(status=0, dropped=True)
            d.write_log(entry)
            self.close_connection = True
            return
        if step and step.get("status"):
            entry.update(status=step["status"], scripted=True)
            d.write_log(entry)
            extra = {"Retry-After": str(step["retry_after"])} \
                if step.get("retry_after") is not None else {}
            self.answer(int(step["status"]), b"<html>scripted</html>",
                        "text/html", extra)
            return
        if ctype not in ("application/json", "application/json-rpc"):
            entry.update(status=400, error="BadRequest")
            d.write_log(entry)
            self.answer(400, b"<p>Bad Request: expected application/json"
                             b"</p>", "text/html")
            return
        if req is None or not isinstance(req, dict):
            entry.update(status=400, error="Invalid JSON data")
            d.write_log(entry)
            self.answer(400, b"Invalid JSON data", "text/html")
            return
        rid = req.get("id")
        if delay and when == "before":
            time.sleep(delay / 1000.0)
        if step and step.get("error"):
            body = envelope_error(rid, step["error"],
                                  step.get("message", "scripted error"))
        else:
            body = self.dispatch(d, req, rid)
        err = body.get("error")
        entry.update(status=200, error=err["data"]["name"] if err else None)
        if err:
            d.stats["errors"] += 1
            entry["message"] = err["data"]["message"][:200]
        d.write_log(entry)
        if delay and when == "after":
            time.sleep(delay / 1000.0)
        try:
            self.answer(200, body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def dispatch(self, d, req, rid):
        p = req.get("params")
        if not isinstance(p, dict):
            return envelope_error(rid, "builtins.TypeError",
                                  "params must be an object")
        try:
            with d.odoo.lock:
                args = p.get("args") or []
                if p.get("service") == "common":
                    res = d.odoo.common(p.get("method"), args)
                elif p.get("service") == "object" and \
                        p.get("method") == "execute_kw":
                    res = d.odoo.execute_kw(args)
                else:
                    raise OdooError("builtins.KeyError",
                                    repr(p.get("service")))
            return {"jsonrpc": "2.0", "id": rid, "result": res}
        except OdooError as e:
            return envelope_error(rid, e.name, e.message)
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            return envelope_error(rid, "builtins." + type(e).__name__,
                                  str(e))


class Server(ThreadingHTTPServer):
    """Accepts plain TCP and, with TLS, does each handshake itself, after
    the double's handshake delay."""

    tls = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls is not None:
            delay = self.double.handshake_delay_ms
            if delay > 0:
                time.sleep(delay / 1000.0)
            sock.settimeout(10)     # a silent client stalls no one long
            try:
                sock = self.tls.wrap_socket(sock, server_side=True)
            except OSError:
                sock.close()
                raise
            sock.settimeout(None)
            sock.hs_ready = time.monotonic()
        return sock, addr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0,
                    help="0: any free port (see --port-file)")
    ap.add_argument("--port-file", help="write the bound port here")
    ap.add_argument("--db", default="odoo")
    ap.add_argument("--user", default="bot@example.com")
    ap.add_argument("--password", default="secret")
    ap.add_argument("--uid", type=int, default=2)
    ap.add_argument("--state", help="JSON file keeping the records")
    ap.add_argument("--log", help="JSON-lines log of every /jsonrpc call")
    ap.add_argument("--rate", type=float, default=0,
                    help="requests per second before 429 (0: no limit)")
    ap.add_argument("--burst", type=float, default=0,
                    help="bucket size (default: max(1, rate))")
    ap.add_argument("--slack-ms", type=float, default=50,
                    help="tolerance of the rate limit for clock jitter")
    ap.add_argument("--script", help="JSON list of scripted answers")
    ap.add_argument("--fail-on", dest="fail_on",
                    help="JSON list of {field, value, message}")
    ap.add_argument("--tls-cert", help="serve HTTPS with this PEM chain")
    ap.add_argument("--tls-key", help="its private key (PEM)")
    ap.add_argument("--handshake-delay-ms", dest="handshake_delay_ms",
                    type=float, default=0,
                    help="TLS: wait this long before each handshake")
    opts = ap.parse_args()
    double = Double(opts)
    srv = Server((opts.host, opts.port), Handler)
    srv.daemon_threads = True
    srv.double = double
    if opts.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(opts.tls_cert, opts.tls_key)
        srv.tls = ctx
    if opts.port_file:
        tmp = opts.port_file + ".tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            f.write("%d\n" % srv.server_address[1])
        os.replace(tmp, opts.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
