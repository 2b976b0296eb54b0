#!/usr/bin/env python3
"""meta_send.py - a stand-in for Meta: WhatsApp webhook notifications, signed.

Builds the envelope Meta POSTs to a WhatsApp Cloud API callback
(protocols.md 4.3), signs the exact bytes it sends with X-Hub-Signature-256
(4.2) and POSTs them; or, for the benchmark, sends one conversation after
another at a fixed rate. Python 3 standard library only.

usage: meta_send.py send URL --secret S [ITEMS and MODIFIERS...] [options]
       meta_send.py bench URL --secret S --rate N --seconds S --times FILE
       meta_send.py send --print [ITEMS...]   (the body only, nothing sent)

ITEMS, in order; each becomes one element of a messages[] or statuses[]
list, or one change of its own (see --split):
  --text BODY               a text message (non-ASCII and emoji welcome)
  --button-reply ID=TITLE   an interactive button_reply (a menu choice)
  --list-reply ID=TITLE     an interactive list_reply (a menu choice)
  --quick-reply PAYLOAD=TEXT  a template quick reply (type "button")
  --image                   an image message (media id, mime type, sha256)
  --unknown TYPE            a message of a type nobody knows, with a member
                            TYPE holding an object
  --status STATUS           a status (sent, delivered, read, failed; failed
                            carries errors[] with code 131047) of message
                            --status-id, for recipient --from
  --change FIELD            a change of field FIELD whose value has neither
                            messages nor statuses

MODIFIERS apply to the items after them, until changed:
  --from WA_ID              the user (default 16505551234); a status's
                            recipient_id
  --name NAME               the contact's profile name (default Sheena Nelson)
  --timestamp UNIX_S        Meta's timestamp, a string of unix seconds
  --age SECONDS             timestamp = now - SECONDS (default 0)
and apply to the next item only:
  --id WAMID                the next message's id (default: a fresh wamid)
  --status-id WAMID         the next status's message id (default: fresh)
  --context WAMID           the next message's context.id (what it answers)

Envelope:
  --waba ID                 entry[].id (default 102290129340398)
  --phone-id ID             metadata.phone_number_id (default 106540352242922)
  --split none|changes|entries
                            none (default): one entry, one change holding
                            every message and status; changes: one change
                            per item; entries: one entry per item
  --meta-escapes            serialize as Meta does: non-ASCII as \\uXXXX,
                            "/" as "\\/" (default: raw UTF-8, "/" as is)
  --body-file FILE          send FILE's bytes instead of building a body

Signature (X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, bytes)>):
  --secret S                the app secret (required unless --signature
                            missing or --print)
  --signature MODE          good (default) | wrong (another key) | upper
                            (uppercase hex) | repeated (the good header
                            twice) | missing | malformed (hex without
                            "sha256=") | stale (the good signature of the
                            body, then one space appended to the body)

Output of send: one line "STATUS ELAPSED_MS" (000 when there was no
answer), then the answer's body as received. --headers FILE writes the
answer's headers ("Name: value" lines), --sent FILE the exact bytes sent,
--times FILE appends the POST's start (epoch seconds, float). Exit 0 when
an answer came, 1 when none did, 2 on usage errors.

bench: one conversation = one POST of one text message from a user of its
own (wa_id = --prefix + a counter), started every 1/--rate s for
--seconds, each on its own connection from a pool of --workers threads so
that a slow answer never delays the next start. --times FILE gets one line
per POST: "START_EPOCH WA_ID WAMID STATUS ANSWER_MS" (STATUS 000: no
answer). Prints one summary line:
  meta_send: sent=N ok=N non200=N errors=N late_starts=N answer_p50_ms=X
  answer_p99_ms=X answer_max_ms=X seconds=X
late_starts counts POSTs that started more than 50 ms after their slot.
"""

import base64
import hashlib
import hmac
import http.client
import json
import math
import os
import sys
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor

DEFAULT_FROM = "16505551234"
DEFAULT_NAME = "Sheena Nelson"
DEFAULT_WABA = "102290129340398"
DEFAULT_PHONE_ID = "106540352242922"
DISPLAY_PHONE = "15550783881"

_counter = [0]
_counter_lock = threading.Lock()


def fresh_wamid():
    """A wamid shaped like Meta's: base64 of a few bytes, '=' padded."""
    with _counter_lock:
        _counter[0] += 1
        n = _counter[0]
    raw = b"\x15\x02\x00\x12\x18\x14" + os.urandom(10) + n.to_bytes(4, "big")
    b = base64.b64encode(raw).decode("ascii").replace("+", "P") \
        .replace("/", "S")
    return "wamid.HBgL" + b


class Usage(Exception):
    pass


# --- building ----------------------------------------------------------------

def split_pair(v, opt):
    if "=" not in v:
        raise Usage("%s wants ID=TITLE, not %r" % (opt, v))
    a, b = v.split("=", 1)
    if not a:
        raise Usage("%s wants a non-empty ID in %r" % (opt, v))
    return a, b


def message(kind, arg, st):
    """One element of messages[] (Meta's shape)."""
    m = {"from": st["from"], "id": st.pop("id", None) or fresh_wamid(),
         "timestamp": st["timestamp"]()}
    ctx = st.pop("context", None)
    if ctx:
        m["context"] = {"from": DISPLAY_PHONE, "id": ctx}
    if kind == "text":
        m["type"] = "text"
        m["text"] = {"body": arg}
    elif kind in ("button-reply", "list-reply"):
        rid, title = split_pair(arg, "--" + kind)
        sub = kind.replace("-", "_")
        m["type"] = "interactive"
        m["interactive"] = {"type": sub, sub: {"id": rid, "title": title}}
        if kind == "list-reply":
            m["interactive"][sub]["description"] = "Horarios y reglamento"
        if not ctx:
            m["context"] = {"from": DISPLAY_PHONE, "id": fresh_wamid()}
    elif kind == "quick-reply":
        payload, text = split_pair(arg, "--quick-reply")
        m["type"] = "button"
        m["button"] = {"payload": payload, "text": text}
    elif kind == "image":
        m["type"] = "image"
        m["image"] = {"caption": "foto/adjunta", "mime_type": "image/jpeg",
                      "sha256": base64.b64encode(os.urandom(32)).decode(),
                      "id": str(int.from_bytes(os.urandom(6), "big"))}
    elif kind == "unknown":
        m["type"] = arg
        m[arg] = {"something": "new", "nested": {"n": 1, "list": [1, 2]}}
    return m


def status(arg, st):
    s = {"id": st.pop("status_id", None) or fresh_wamid(), "status": arg,
         "timestamp": st["timestamp"](), "recipient_id": st["from"]}
    if arg in ("sent", "delivered"):
        s["conversation"] = {"id": "CONVERSATION_ID",
                             "origin": {"type": "service"}}
        s["pricing"] = {"billable": False, "pricing_model": "PMP",
                        "category": "service"}
    if arg == "failed":
        s["errors"] = [{"code": 131047, "title": "Re-engagement message",
                        "message": "Re-engagement message",
                        "error_data": {"details": "Message failed to send "
                                       "because more than 24 hours have "
                                       "passed since the customer last "
                                       "replied to this number."}}]
    return s


def value_base(st, with_contacts):
    v = {"messaging_product": "whatsapp",
         "metadata": {"display_phone_number": DISPLAY_PHONE,
                      "phone_number_id": st["phone_id"]}}
    if with_contacts:
        v["contacts"] = with_contacts
    return v


def build(items, st):
    """The envelope (a dict) for items: [(kind, payload dict), ...]."""
    def contacts_of(msgs):
        seen, out = set(), []
        for m in msgs:
            if m["from"] not in seen:
                seen.add(m["from"])
                out.append({"profile": {"name": st["names"].get(
                    m["from"], DEFAULT_NAME)}, "wa_id": m["from"]})
        return out

    def change_of(group):
        if len(group) == 1 and group[0][0] == "change":
            return {"field": group[0][1]["field"],
                    "value": group[0][1]["value"]}
        msgs = [p for k, p in group if k == "message"]
        sts = [p for k, p in group if k == "status"]
        v = value_base(st, contacts_of(msgs))
        if msgs:
            v["messages"] = msgs
        if sts:
            v["statuses"] = sts
        return {"field": "messages", "value": v}

    split = st["split"]
    entries = []
    if split == "none":
        plain = [it for it in items if it[0] != "change"]
        changes = [change_of(plain)] if plain else []
        changes += [change_of([it]) for it in items if it[0] == "change"]
        entries.append({"id": st["waba"], "changes": changes})
    elif split == "changes":
        entries.append({"id": st["waba"],
                        "changes": [change_of([it]) for it in items]})
    else:
        for it in items:
            entries.append({"id": st["waba"], "changes": [change_of([it])]})
    return {"object": "whatsapp_business_account", "entry": entries}


def serialize(doc, meta_escapes):
    if meta_escapes:
        text = json.dumps(doc, ensure_ascii=True, separators=(",", ":"))
        return text.replace("/", "\\/").encode("ascii")
    return json.dumps(doc, ensure_ascii=False,
                      separators=(",", ":")).encode("utf-8")


# --- signing and sending -----------------------------------------------------

def sign(secret, body):
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def signature_headers(mode, secret, body):
    """(headers [(name, value)], body to send) for a signature mode."""
    name = "X-Hub-Signature-256"
    if mode == "missing":
        return [], body
    if secret is None:
        raise Usage("--secret is required with --signature %s" % mode)
    good = "sha256=" + sign(secret, body)
    if mode == "good":
        return [(name, good)], body
    if mode == "upper":
        return [(name, "sha256=" + sign(secret, body).upper())], body
    if mode == "wrong":
        return [(name, "sha256=" + sign(secret + "-not-it", body))], body
    if mode == "repeated":
        return [(name, good), (name, good)], body
    if mode == "malformed":
        return [(name, sign(secret, body))], body
    if mode == "stale":
        return [(name, good)], body + b" "
    raise Usage("unknown --signature %r" % mode)


def post(url, body, headers, timeout, errors=None):
    """(status, answer headers [(k, v)], answer body bytes, start epoch,
    elapsed ms); status 0 when no answer came (the reason on stderr, or
    appended to the list errors)."""
    u = urllib.parse.urlsplit(url)
    if u.scheme not in ("http", "https"):
        raise Usage("URL must be http:// or https://, not %r" % url)
    path = (u.path or "/") + ("?" + u.query if u.query else "")
    cls = http.client.HTTPSConnection if u.scheme == "https" else \
        http.client.HTTPConnection
    start = time.time()
    t0 = time.monotonic()
    conn = cls(u.hostname, u.port, timeout=timeout)
    try:
        conn.putrequest("POST", path, skip_accept_encoding=True)
        conn.putheader("Content-Type", "application/json")
        conn.putheader("User-Agent", "facebookexternalua")
        conn.putheader("Content-Length", str(len(body)))
        for k, v in headers:
            conn.putheader(k, v)
        conn.endheaders(body)
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.monotonic() - t0) * 1000.0
        return resp.status, resp.getheaders(), data, start, ms
    except (OSError, http.client.HTTPException) as e:
        ms = (time.monotonic() - t0) * 1000.0
        if errors is None:
            sys.stderr.write("meta_send: POST %s: %s\n" % (url, e))
        else:
            errors.append(str(e))
        return 0, [], b"", start, ms
    finally:
        conn.close()


# --- command line --------------------------------------------------------------

ITEM_OPTS = {"--text": "text", "--button-reply": "button-reply",
             "--list-reply": "list-reply", "--quick-reply": "quick-reply",
             "--unknown": "unknown", "--status": "status",
             "--change": "change"}
FLAG_ITEMS = {"--image": "image"}


def parse(argv):
    """The options and the built items of a send command line."""
    o = {"url": None, "secret": None, "signature": "good", "print": False,
         "headers": None, "sent": None, "times": None, "body_file": None,
         "meta_escapes": False, "timeout": 30.0}
    ts = {"fixed": None, "age": 0}
    st = {"from": DEFAULT_FROM, "split": "none", "waba": DEFAULT_WABA,
          "phone_id": DEFAULT_PHONE_ID, "names": {},
          "timestamp": lambda: ts["fixed"] if ts["fixed"] is not None
          else str(int(time.time()) - ts["age"])}
    name = DEFAULT_NAME
    items = []
    i = 0

    def val():
        nonlocal i
        if i + 1 >= len(argv):
            raise Usage("%s wants a value" % argv[i])
        i += 1
        return argv[i]

    while i < len(argv):
        a = argv[i]
        if "=" in a and a.startswith("--") and a.split("=", 1)[0] in (
                "--secret", "--signature", "--split", "--from", "--age",
                "--timestamp", "--timeout"):
            k, v = a.split("=", 1)
            argv = argv[:i] + [k, v] + argv[i + 1:]
            a = k
        if a in ITEM_OPTS:
            kind, arg = ITEM_OPTS[a], val()
            st["names"].setdefault(st["from"], name)
            if kind == "status":
                items.append(("status", status(arg, st)))
            elif kind == "change":
                items.append(("change", {"field": arg, "value": {
                    "messaging_product": "whatsapp",
                    "metadata": {"display_phone_number": DISPLAY_PHONE,
                                 "phone_number_id": st["phone_id"]},
                    "event": "ACCOUNT_UPDATE",
                    "ban_info": {"waba_ban_state": "SCHEDULE_FOR_DISABLE"},
                    "seq": len(items)}}))
            else:
                items.append(("message", message(kind, arg, st)))
        elif a in FLAG_ITEMS:
            st["names"].setdefault(st["from"], name)
            items.append(("message", message(FLAG_ITEMS[a], None, st)))
        elif a == "--from":
            st["from"] = val()
        elif a == "--name":
            name = val()
            st["names"][st["from"]] = name
        elif a == "--timestamp":
            ts["fixed"] = val()
        elif a == "--age":
            ts["fixed"] = None
            ts["age"] = int(val())
        elif a == "--id":
            st["id"] = val()
        elif a == "--status-id":
            st["status_id"] = val()
        elif a == "--context":
            st["context"] = val()
        elif a == "--waba":
            st["waba"] = val()
        elif a == "--phone-id":
            st["phone_id"] = val()
        elif a == "--split":
            st["split"] = val()
            if st["split"] not in ("none", "changes", "entries"):
                raise Usage("--split is none, changes or entries")
        elif a == "--meta-escapes":
            o["meta_escapes"] = True
        elif a == "--body-file":
            o["body_file"] = val()
        elif a == "--secret":
            o["secret"] = val()
        elif a == "--signature":
            o["signature"] = val()
        elif a == "--print":
            o["print"] = True
        elif a == "--headers":
            o["headers"] = val()
        elif a == "--sent":
            o["sent"] = val()
        elif a == "--times":
            o["times"] = val()
        elif a == "--timeout":
            o["timeout"] = float(val())
        elif a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            sys.exit(0)
        elif a.startswith("-"):
            raise Usage("unknown option %r" % a)
        elif o["url"] is None:
            o["url"] = a
        else:
            raise Usage("one URL only (got %r and %r)" % (o["url"], a))
        i += 1
    if o["body_file"] is None and not items:
        raise Usage("nothing to send: give items (--text ...) or "
                    "--body-file")
    return o, items, st


def cmd_send(argv):
    o, items, st = parse(argv)
    if o["body_file"] is not None:
        with open(o["body_file"], "rb") as f:
            body = f.read()
    else:
        body = serialize(build(items, st), o["meta_escapes"])
    if o["print"]:
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.write(b"\n")
        return 0
    if not o["url"]:
        raise Usage("send wants a URL")
    headers, body = signature_headers(o["signature"], o["secret"], body)
    if o["sent"]:
        with open(o["sent"], "wb") as f:
            f.write(body)
    status_, rheaders, data, start, ms = post(o["url"], body, headers,
                                              o["timeout"])
    if o["times"]:
        with open(o["times"], "a", encoding="ascii") as f:
            f.write("%.6f\n" % start)
    if o["headers"]:
        with open(o["headers"], "w", encoding="utf-8") as f:
            for k, v in rheaders:
                f.write("%s: %s\n" % (k, v))
    out = sys.stdout.buffer
    out.write(b"%03d %.3f\n" % (status_, ms))
    out.write(data)
    out.flush()
    return 0 if status_ else 1


def percentile(sorted_vals, p):
    if not sorted_vals:
        return float("nan")
    k = max(0, min(len(sorted_vals) - 1,
                   math.ceil(p / 100.0 * len(sorted_vals)) - 1))
    return sorted_vals[k]


def cmd_bench(argv):
    o = {"url": None, "secret": None, "rate": None, "seconds": None,
         "times": None, "prefix": None, "workers": 64, "timeout": 10.0,
         "text": "Hola, quiero información"}
    i = 0
    while i < len(argv):
        a = argv[i]
        if a.startswith("--") and "=" in a:
            a, v = a.split("=", 1)
            argv = argv[:i] + [a, v] + argv[i + 1:]
        key = a[2:].replace("-", "_") if a.startswith("--") else None
        if key in o and key != "url":
            if i + 1 >= len(argv):
                raise Usage("%s wants a value" % a)
            o[key] = argv[i + 1]
            i += 2
            continue
        if a in ("-h", "--help"):
            sys.stdout.write(__doc__)
            return 0
        if a.startswith("-"):
            raise Usage("unknown bench option %r" % a)
        if o["url"] is not None:
            raise Usage("one URL only")
        o["url"] = a
        i += 1
    for k in ("url", "secret", "rate", "seconds", "times"):
        if o[k] is None:
            raise Usage("bench wants --%s" % k if k != "url" else
                        "bench wants a URL")
    rate, secs = float(o["rate"]), float(o["seconds"])
    workers, timeout = int(o["workers"]), float(o["timeout"])
    if rate <= 0 or secs <= 0 or workers < 1:
        raise Usage("--rate, --seconds and --workers must be positive")
    prefix = o["prefix"] or "549%06d" % (os.getpid() % 1000000)
    if not prefix.isdigit():
        raise Usage("--prefix must be digits (a wa_id is digits)")
    total = int(rate * secs)
    lines, lock, why = [], threading.Lock(), []
    late = [0]

    def one(n, slot):
        wa_id = "%s%05d" % (prefix, n)
        st = {"from": wa_id, "split": "none", "waba": DEFAULT_WABA,
              "phone_id": DEFAULT_PHONE_ID, "names": {wa_id: "Bench %d" % n},
              "timestamp": lambda: str(int(time.time()))}
        m = message("text", o["text"], st)
        body = serialize(build([("message", m)], st), True)
        headers, body = signature_headers("good", o["secret"], body)
        if time.monotonic() - slot > 0.050:
            with lock:
                late[0] += 1
        status_, _, _, start, ms = post(o["url"], body, headers, timeout,
                                        why)
        with lock:
            lines.append("%.6f %s %s %03d %.3f" % (start, wa_id, m["id"],
                                                   status_, ms))

    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for n in range(total):
            slot = t0 + n / rate
            d = slot - time.monotonic()
            if d > 0:
                time.sleep(d)
            pool.submit(one, n, slot)
    wall = time.monotonic() - t0
    lines.sort()
    with open(o["times"], "w", encoding="ascii") as f:
        for ln in lines:
            f.write(ln + "\n")
    st_ = [ln.split() for ln in lines]
    ok = sum(1 for s in st_ if s[3] == "200")
    errors = sum(1 for s in st_ if s[3] == "000")
    ms = sorted(float(s[4]) for s in st_ if s[3] != "000")
    print("meta_send: sent=%d ok=%d non200=%d errors=%d late_starts=%d "
          "answer_p50_ms=%.2f answer_p99_ms=%.2f answer_max_ms=%.2f "
          "seconds=%.2f" % (len(st_), ok, len(st_) - ok - errors, errors,
                            late[0], percentile(ms, 50), percentile(ms, 99),
                            ms[-1] if ms else float("nan"), wall))
    if why:
        sys.stderr.write("meta_send: %d POSTs got no answer; the first: %s\n"
                         % (len(why), why[0]))
    return 0 if errors == 0 else 1


def main(argv):
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        sys.stdout.write(__doc__)
        return 0 if len(argv) >= 2 else 2
    try:
        if argv[1] == "send":
            return cmd_send(argv[2:])
        if argv[1] == "bench":
            return cmd_bench(argv[2:])
        raise Usage("the command is send or bench, not %r" % argv[1])
    except Usage as e:
        sys.stderr.write("meta_send: %s (--help explains)\n" % e)
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
