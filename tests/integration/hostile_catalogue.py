#!/usr/bin/python3
"""The generated part of the hostile catalogue, for t_hostile_catalogue.sh.

t_hostile.sh writes each hostile message by hand and names what it tests; this file makes the
many more that follow a rule, for every door that reads from outside:
  - intake and the department socket: every text field with every way bytes fail to be text,
    every field of every message with each wrong wire type and each impossible length, every
    truncation, enums out of range (sent with gc-rawsend, many messages per connection);
  - the event and statistics streams (PUB): subscription messages no subscriber sends;
  - the HTTP doors (the board, the statistics' /metrics, the Open311 gateway): broken request
    lines, headers and bodies, and every Open311 form field with every bad value.
Each message must be answered with a typed error (ZeroMQ) or a 4xx status (HTTP), or cost the
sender its connection; t_hostile_catalogue.sh checks that nothing changed in the database and
that every daemon still serves.

  hostile_catalogue.py BIN_DIR
  environment: the stack's (GC_INTAKE_URL GC_DEPT_URL GC_EVENTS_URL GC_STATS_URL ...), and
  HC_PROBE (a case of municipal's), HC_GRID (the grid the messages aim at), HC_APIKEY (an
  Open311 api key)
Prints one TAP line per family ("ok - ..." or "not ok - ...", with the first failures after
it) and "# hostile messages sent: N".
"""
import os
import socket
import struct
import subprocess
import sys
import time

import zmq

BIN = sys.argv[1]
ENV = os.environ
PROBE = ENV["HC_PROBE"].encode()
GRID = ENV["HC_GRID"].encode()
APIKEY = ENV["HC_APIKEY"]
RUN = str(os.getpid())
sent = 0
failed = 0

# ---- protobuf wire format, by hand: every byte is ours to spoil ------------------------------

VARINT, I64, LEN, SGROUP, EGROUP, I32 = 0, 1, 2, 3, 4, 5


def varint(n):
    n &= (1 << 64) - 1
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def tag(num, wt):
    return varint(num << 3 | wt)


class F:
    """One field: number, wire type, value (bytes for LEN, int for VARINT, bytes for fixed)."""

    def __init__(self, num, wt, value):
        self.num, self.wt, self.value = num, wt, value

    def encode(self):
        if self.wt == LEN:
            return tag(self.num, LEN) + varint(len(self.value)) + bytes(self.value)
        if self.wt == VARINT:
            return tag(self.num, VARINT) + varint(self.value)
        return tag(self.num, self.wt) + self.value


class M:
    """A message: fields in order. As a field value (LEN) it encodes itself."""

    def __init__(self, *fields):
        self.fields = list(fields)

    def encode(self):
        return b"".join(f.encode() for f in self.fields)


def s(num, text):
    return F(num, LEN, text if isinstance(text, bytes) else text.encode())


class _Nested(bytes):
    """A nested message kept as an M so mutations can reach inside; encodes on demand."""

    def __new__(cls, m):
        obj = super().__new__(cls, m.encode())
        obj.m = m
        return obj


def msg(num, *fields):
    return F(num, LEN, _Nested(M(*fields)))


def submission(key, over=None):
    f = {1: key, 2: b"drain_cover", 3: GRID, 4: "井盖被盗".encode(), 9: "映月路".encode()}
    f.update(over or {})
    fields = [s(n, v) for n, v in f.items() if v is not None]
    fields.append(F(6, VARINT, 1))  # SOURCE_RESIDENT
    return fields


def command(kind=1, over=None):
    f = {1: PROBE, 3: "巡查记录".encode(), 4: "网格员".encode()}
    f.update(over or {})
    return [s(n, v) for n, v in f.items() if v is not None] + [F(2, VARINT, kind)]


def diary(over=None):
    f = {1: GRID, 2: b"2026-03-01", 3: "张华".encode(), 4: "走访映月路".encode()}
    f.update(over or {})
    return [s(n, v) for n, v in f.items() if v is not None]


def intake_request(body_num, body_fields, request_id=b"hc"):
    return M(s(1, request_id), F(body_num, LEN, _Nested(M(*body_fields))))


def dept_msg(body_num, body_fields):
    return M(F(body_num, LEN, _Nested(M(*body_fields))))


def key():
    """A fresh idempotency key: a spoiled submission stored by mistake shows as a new case."""
    return ("hc-%s-%d" % (RUN, sent + len(pending))).encode()


# The ways bytes fail to be text (t_hostile.sh names each): overlong, surrogate, past U+10FFFF,
# a 5-byte form, stray and cut continuations, C1, escape, DEL, C0, and a NUL with junk after it.
BAD_TEXT = [b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xf8\x88\x80\x80\x80", b"\x80",
            "井盖".encode() + b"\xe4\xba", b"ok\x80", b"\xc2\x85", b"\x1b[2J", "井盖".encode() + b"\x7f",
            b"\x07", b"\x01", "井盖".encode() + b"\x00\x1b[2J", b"\xff\xfe", b"\xef\xbf\xbe\xc3"]

# ---- sending through gc-rawsend ----------------------------------------------------------------

pending = []  # (name, [frame in hex, ...]) until flush sends them
problems = {}
counts = {}


def answered_with_error(line):
    if line.startswith("error ERROR_CODE_"):
        return True
    parts = line.split()
    return line.startswith("reply request_id=") and len(parts) >= 3 and parts[2].startswith("ERROR_CODE_")


def check(family, name, line, want):
    counts[family] = counts.get(family, 0) + 1
    ok = want(line)
    if not ok:
        problems.setdefault(family, []).append("%s: got '%s'" % (name, line))


def flush(args, family, want, batch=100):
    """Sends the pending messages, batch per connection, each expecting want(line)."""
    global sent, pending
    queued, pending = pending, []
    for i in range(0, len(queued), batch):
        part = queued[i:i + batch]
        frames = []
        for j, (_, hexed) in enumerate(part):
            if j:
                frames.append("--then")
            frames.extend(hexed)
        out = subprocess.run([BIN + "/gc-rawsend"] + args + frames, capture_output=True,
                             text=True, errors="replace", timeout=300).stdout.splitlines()
        out = [line for line in out if not line.startswith("delivery ")]
        for j, (name, _) in enumerate(part):
            check(family, name, out[j] if j < len(out) else "(nothing: the connection ended)", want)
        sent += len(part)


def add(name, *frames):
    """Queues one message of these frames (bytes, or an M to encode). For intake, gc-rawsend puts
    the empty delimiter first."""
    pending.append((name, [(f.encode() if isinstance(f, M) else f).hex() for f in frames]))


# ---- intake ----------------------------------------------------------------------------------

INTAKE = [ENV["GC_INTAKE_URL"]]

SUBMIT_TEXT = {1: "idempotency_key", 2: "category", 3: "grid", 4: "description", 7: "reporter_name",
               8: "reporter_phone", 9: "address", 10: "street", 12: "person"}


def bad_submissions():
    """(name, fields): a submission with one text field spoiled, for each field and bad text."""
    for num, field in SUBMIT_TEXT.items():
        for i, bad in enumerate(BAD_TEXT):
            over = {num: bad}
            if num == 10:
                over[3] = None  # a street only for a report without a grid
            yield "%s bad text %d" % (field, i), submission(key(), over)


for name, fields in bad_submissions():
    add("submit " + name, intake_request(2, fields))
for i, bad in enumerate(BAD_TEXT):
    add("request_id bad text %d" % i, intake_request(2, submission(key()), request_id=bad))
for num, field in {1: "grid", 2: "visited_on", 3: "author", 4: "note"}.items():
    for i, bad in enumerate(BAD_TEXT):
        add("diary %s bad text %d" % (field, i), intake_request(4, diary({num: bad})))
for num, field, kind in ((1, "case_ref", 1), (3, "note", 1), (4, "actor", 1), (11, "person", 3),
                         (5, "category", 6)):
    for i, bad in enumerate(BAD_TEXT):
        add("command %s bad text %d" % (field, i),
            intake_request(3, command(kind, {num: bad})))
for i, bad in enumerate(BAD_TEXT):
    add("meeting department bad text %d" % i, intake_request(3, [
        s(1, PROBE), F(2, VARINT, 7), F(6, VARINT, 1), s(7, b"cityman"), s(7, bad)]))
flush(INTAKE, "intake: every text field, every kind of bad text",
      lambda line: line.startswith("error ERROR_CODE_INVALID_ARGUMENT"))


def spoilings(m, path=""):
    """Every message made from m by spoiling one field: each wrong wire type, a length past the
    end, a length of 2^63, and (inside a nested message) the same one level down."""
    for i, f in enumerate(m.fields):
        where = "%sfield %d" % (path, f.num)
        for wt in (VARINT, I64, LEN, SGROUP, EGROUP, I32, 6, 7):
            if wt == f.wt:
                continue
            body = f.value if f.wt != VARINT else varint(f.value)
            raw = tag(f.num, wt) + (varint(len(body)) + body if wt == LEN and f.wt != LEN else body)
            yield "%s as wire type %d" % (where, wt), _replace(m, i, raw)
        if f.wt == LEN:
            body = bytes(f.value)
            for length in (len(body) + 1, len(body) + 1000, 1 << 63):
                yield "%s with length %d" % (where, length), _replace(m, i, tag(f.num, LEN) + varint(length) + body)
            if isinstance(f.value, _Nested):
                for name, inner in spoilings(f.value.m, where + " > "):
                    yield name, _replace(m, i, tag(f.num, LEN) + varint(len(inner)) + inner)


def _replace(m, i, raw):
    return b"".join(raw if j == i else f.encode() for j, f in enumerate(m.fields))


def truncations(raw):
    return [raw[:n] for n in range(len(raw) - 1, 0, -1)]


def wire_faults(name, m):
    """Queues every spoiling and every truncation of the message m."""
    for spoiled, raw in spoilings(m):
        add("%s: %s" % (name, spoiled), raw)
    for raw in truncations(m.encode()):
        add("%s cut to %d bytes" % (name, len(raw)), raw)


wire_faults("submission", intake_request(2, submission(key()) + [
    msg(5, F(1, I64, struct.pack("<d", 113.7)), F(2, I64, struct.pack("<d", 34.7)))]))
wire_faults("command", intake_request(3, command(1)))
wire_faults("diary entry", intake_request(4, diary()))
for kind in (0, 9, 100, -1, 1 << 31, (1 << 63) - 1):
    add("command kind %d" % kind, intake_request(3, command()[:-1] + [F(2, VARINT, kind)]))
for source in (0, 6, 99, -1):
    add("source %d" % source, intake_request(2, submission(key())[:-1] + [F(6, VARINT, source)]))
for outcome in (0, 4, -1, 1 << 40):
    add("meeting outcome %d" % outcome, intake_request(3, [s(1, PROBE), F(2, VARINT, 7), F(6, VARINT, outcome)]))
for level in (0, 5, -1):
    add("resolve on spot at level %d" % level, intake_request(3, [s(1, PROBE), F(2, VARINT, 2), F(10, VARINT, level)]))
flush(INTAKE, "intake: wrong wire types, impossible lengths, truncations, enums out of range",
      answered_with_error)

# ---- the department socket ---------------------------------------------------------------------

MUNICIPAL = ["--dept", "municipal", ENV["GC_DEPT_URL"]]
SANITATION = ["--dept", "sanitation", ENV["GC_DEPT_URL"]]


def action(over=None):
    f = {1: b"hc", 2: PROBE, 4: "施工中".encode()}
    f.update(over or {})
    return [s(n, v) for n, v in f.items() if v is not None] + [F(3, VARINT, 2)]


for num, field in {1: "request_id", 2: "case_ref", 4: "note"}.items():
    for i, bad in enumerate(BAD_TEXT):
        add("action %s bad text %d" % (field, i), dept_msg(3, action({num: bad})))
flush(MUNICIPAL, "departments: every text field of an action, every kind of bad text",
      lambda line: answered_with_error(line) and "ERROR_CODE_INVALID_ARGUMENT" in line)
for name, fields in bad_submissions():
    add("inspection report " + name, dept_msg(4, [s(1, b"hc"), msg(3, *fields)]))
for i, bad in enumerate(BAD_TEXT):
    add("inspection request_id bad text %d" % i, dept_msg(4, [s(1, bad), msg(3, *submission(key()))]))
flush(SANITATION, "departments: every text field of an inspection report, every kind of bad text",
      lambda line: answered_with_error(line) and "ERROR_CODE_INVALID_ARGUMENT" in line)

wire_faults("action", dept_msg(3, action()))
for name, raw in spoilings(dept_msg(1, [F(2, VARINT, 1), F(3, VARINT, 10)])):
    add("subscribe: " + name, raw)
for name, raw in spoilings(dept_msg(2, [F(1, VARINT, 1)])):
    add("ack: " + name, raw)
for kind in (0, 6, 100, -1, 1 << 33):
    add("action kind %d" % kind, dept_msg(3, action()[:-1] + [F(3, VARINT, kind)]))
for hours in (0, 721, 1 << 32, -1):
    add("extension of %d hours" % hours, dept_msg(3, action()[:-1] + [F(3, VARINT, 5), F(6, VARINT, hours)]))
flush(MUNICIPAL, "departments: wrong wire types, impossible lengths, truncations, enums out of range",
      answered_with_error)
wire_faults("inspection", dept_msg(4, [s(1, b"hc"), msg(3, *submission(key()))]))
flush(SANITATION, "departments: an inspection report's wrong wire types, lengths and truncations",
      answered_with_error)

# ---- the streams: subscription messages no subscriber sends -----------------------------------


def curve(sock, server_key_env):
    server_key = ENV.get(server_key_env, "")
    if not server_key:
        return
    secret = open(ENV["GC_CLIENT_KEY_FILE"], "rb").read().strip()
    sock.curve_secretkey = secret
    sock.curve_publickey = zmq.curve_public(secret)
    sock.curve_serverkey = server_key.encode()


def streams():
    """Junk up the PUB sockets' read side; a fresh subscriber then still receives."""
    global sent
    ctx = zmq.Context()
    family = "streams: subscription messages no subscriber sends"
    junk = [b"", b"\x02junk", b"\xff" * 10, b"\x00never-subscribed", b"\x01" + b"\xff" * 60000,
            b"\x00", b"\x01", b"\x01\x80\x80", b"\x03" + "井".encode(), b"\x00" + b"a" * 1000]
    for url, key_env, what in ((ENV["GC_EVENTS_URL"], "GC_INTAKE_SERVER_KEY", "events"),
                               (ENV["GC_STATS_URL"], "GC_STATS_SERVER_KEY", "stats")):
        for round_ in range(3):
            x = ctx.socket(zmq.XSUB)
            x.linger = 0
            curve(x, key_env)
            x.connect(url)
            for j in junk:
                x.send(j)
            x.send_multipart([b"\x01multi", b"part", b"frames"])
            sent += len(junk) + 1
            counts[family] = counts.get(family, 0) + len(junk) + 1
            time.sleep(0.2)
            x.close()
        # a subscriber that follows the rules still gets the stream (stats: every round; events:
        # the note t_hostile_catalogue.sh sends after this)
        if what == "stats":
            sub = ctx.socket(zmq.SUB)
            sub.linger = 0
            curve(sub, key_env)
            sub.setsockopt(zmq.SUBSCRIBE, b"")
            sub.connect(url)
            got = sub.poll(10000)
            sub.close()
            if not got:
                problems.setdefault(family, []).append("stats: nothing received in 10 s after the junk")
    ctx.term()


streams()

# ---- the HTTP doors ----------------------------------------------------------------------------


def http(door, raw, wait=10.0):
    """Sends raw bytes on a fresh connection; the status line's code, or 'cut'."""
    host, port = door.rsplit(":", 1)
    c = socket.create_connection((host, int(port)), timeout=wait)
    reply = b""
    try:
        c.sendall(raw)
        c.shutdown(socket.SHUT_WR)
        while len(reply) < 64:
            chunk = c.recv(4096)
            if not chunk:
                break
            reply += chunk
    except socket.timeout:
        return "timeout"
    except OSError:  # reset, broken pipe, not connected: the server cut the connection
        pass
    finally:
        c.close()
    first = reply.split(b"\r\n", 1)[0].split()
    return first[1].decode() if len(first) >= 2 and first[0].startswith(b"HTTP/") else ("cut" if not reply else "junk")


def refused(status):
    return status == "cut" or status.isdigit() and (400 <= int(status) < 500 or status in ("501", "505"))


def answered(status):
    return status == "cut" or status.isdigit() and int(status) < 500


def http_family(family, door, requests):
    """Each request must be refused (4xx, 501, 505) or cut; those named "tolerated: ..." are
    oddities libmicrohttpd reads leniently as the request they resemble: they must be answered
    without a server error (the catalogue sends them only where a request changes nothing)."""
    global sent
    for name, raw in requests:
        status = http(door, raw)
        sent += 1
        check(family, name, status, answered if name.startswith("tolerated: ") else refused)


def broken_requests(path, post):
    host = b"Host: x\r\n"
    p = path.encode()
    yield "a request line of one word", b"GARBAGE\r\n\r\n"
    yield "no version", b"GET " + p + b"\r\n" + host + b"\r\n"
    yield "version HTTP/9.9", b"GET " + p + b" HTTP/9.9\r\n" + host + b"\r\n"
    yield "version HTTP/1.1x", b"GET " + p + b" HTTP/1.1x\r\n" + host + b"\r\n"
    yield "version in lower case", b"GET " + p + b" http/1.1\r\n" + host + b"\r\n"
    yield "HTTP/1.1 without Host", b"GET " + p + b" HTTP/1.1\r\n\r\n"
    yield "tolerated: " + "two Hosts", b"GET " + p + b" HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"
    for method in (b"DELETE", b"PUT", b"PATCH", b"TRACE", b"CONNECT", b"BREW", b"G\x00T", b"GET\x7f"):
        if method == b"POST" and post:
            continue
        yield "method %r" % method, method + b" " + p + b" HTTP/1.1\r\n" + host + b"\r\n"
    yield "a path of 100 kB", b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n" + host + b"\r\n"
    yield "a header of 100 kB", b"GET " + p + b" HTTP/1.1\r\n" + host + b"X-A: " + b"a" * 100000 + b"\r\n\r\n"
    yield "2000 headers", b"GET " + p + b" HTTP/1.1\r\n" + host + b"".join(b"X-%d: a\r\n" % i for i in range(2000)) + b"\r\n"
    yield "a header without a colon", b"GET " + p + b" HTTP/1.1\r\n" + host + b"NoColonHere\r\n\r\n"
    yield "tolerated: " + "a header name with a space", b"GET " + p + b" HTTP/1.1\r\n" + host + b"Bad Name: x\r\n\r\n"
    yield "tolerated: " + "a folded header (obsolete)", b"GET " + p + b" HTTP/1.1\r\n" + host + b"X-A: a\r\n b\r\n\r\n"
    yield "tolerated: " + "a NUL in a header", b"GET " + p + b" HTTP/1.1\r\n" + host + b"X-A: a\x00b\r\n\r\n"
    yield "tolerated: " + "bare LF line ends and a NUL", b"GET " + p + b"\x00 HTTP/1.1\n" + host + b"\n"
    for length in (b"-1", b"abc", b"99999999999999999999", b"1, 2", b"0x10", b"+5"):
        yield "Content-Length %r" % length, (b"POST " + p + b" HTTP/1.1\r\n" + host
                                             + b"Content-Length: " + length + b"\r\n\r\nabcde")
    yield "two different Content-Lengths", (b"POST " + p + b" HTTP/1.1\r\n" + host
                                            + b"Content-Length: 5\r\nContent-Length: 6\r\n\r\nabcdef")
    yield "a chunk size that is not hex", (b"POST " + p + b" HTTP/1.1\r\n" + host
                                           + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n")
    yield "a chunk size past 2^64", (b"POST " + p + b" HTTP/1.1\r\n" + host
                                     + b"Transfer-Encoding: chunked\r\n\r\nfffffffffffffffffff\r\nabc\r\n0\r\n\r\n")
    yield "an unknown transfer coding", (b"POST " + p + b" HTTP/1.1\r\n" + host
                                         + b"Transfer-Encoding: gzip\r\n\r\nabc")
    yield "a body shorter than its length", (b"POST " + p + b" HTTP/1.1\r\n" + host
                                             + b"Content-Length: 100\r\n\r\nabc")
    yield "a body of 2 MB", (b"POST " + p + b" HTTP/1.1\r\n" + host
                             + b"Content-Length: 2000000\r\n\r\n" + b"a" * 2000000)
    for odd in (b"/../../../etc/passwd", b"/%2e%2e/%2e%2e/etc/passwd", b"/%00", b"/%ff%fe",
                b"/\xff\xfe", b"//etc/passwd", b"*", b"http://evil/x"):
        yield ("tolerated: " if odd == b"/%00" else "") + "the path %r" % odd[:30], b"GET " + odd + b" HTTP/1.1\r\n" + host + b"\r\n"


doors = (("the board", ENV["GC_BOARD_BIND"], "/api/area", False),
         ("the statistics' /metrics", ENV["GC_METRICS_BIND"], "/metrics", False),
         ("the Open311 gateway", ENV["GC_OPEN311_BIND"], "/open311/v2/requests.json", True))
for what, door, path, post in doors:
    http_family("HTTP: %s, broken requests" % what, door, broken_requests(path, post))


def form_value(v):
    return "".join(c if c.isalnum() else "%%%02X" % ord(c) for c in v) if isinstance(v, str) else "".join("%%%02X" % b for b in v)


def open311_posts():
    good = {"api_key": APIKEY, "service_code": "drain_cover", "lat": "34.778", "long": "113.768",
            "description": "井盖被盗", "address_string": "映月路", "first_name": "张", "last_name": "华",
            "phone": "13800000000", "email": "a@b.cn", "device_id": "d1", "account_id": "a1"}
    bad_values = [b for b in BAD_TEXT] + [b"a" * 5000]
    for field in good:
        for i, bad in enumerate(bad_values):
            form = dict(good)
            form[field] = bad
            yield "%s bad value %d" % (field, i), form
    for field, values in (("lat", ["nan", "inf", "-91", "1e308", "34,7", "", "0x10"]),
                          ("long", ["-inf", "181", "NaN", " 113"]),
                          ("service_code", ["", "ufo", "drain_cover' OR '1'='1", "a" * 300]),
                          ("api_key", ["", "x", "0" * 64, APIKEY + "x"])):
        for v in values:
            form = dict(good)
            form[field] = v
            yield "%s = %r" % (field, v[:20]), form
    for field in ("api_key", "service_code", "description"):
        form = dict(good)
        del form[field]
        if field == "description":
            del form["lat"], form["long"], form["address_string"]
        yield "without %s" % field, form


def post(form, content_type=b"application/x-www-form-urlencoded"):
    body = "&".join("%s=%s" % (k, form_value(v)) for k, v in form.items()).encode()
    return (b"POST /open311/v2/requests.json HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: "
            + content_type + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body)


open311 = ENV["GC_OPEN311_BIND"]
http_family("HTTP: Open311 posts, every field with every bad value", open311,
            ((name, post(form)) for name, form in open311_posts()))
http_family("HTTP: Open311 posts in the wrong content type", open311,
            (("content type %r" % ct, post({"api_key": APIKEY, "service_code": "drain_cover",
                                                      "description": "x"}, ct))
             for ct in (b"application/json", b"text/plain", b"multipart/form-data; boundary=x", b"",
                        b"application/x-www-form-urlencoded; charset=gbk")))

# ---- the report --------------------------------------------------------------------------------

for family, n in counts.items():
    bad = problems.get(family, [])
    print("%s - %s: %d of %d handled as they must be" % ("not ok" if bad else "ok", family, n - len(bad), n))
    for line in bad[:40]:
        print("#   " + line)
    if len(bad) > 40:
        print("#   ... and %d more" % (len(bad) - 40))
    failed += bool(bad)
print("# hostile messages sent: %d" % sent)
sys.exit(1 if failed else 0)
