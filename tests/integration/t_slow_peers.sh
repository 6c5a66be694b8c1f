# Peers that misbehave on the transport, not in their messages: at every door that reads from
# outside (the board's and the Open311 gateway's HTTP, intake's and routing's ZeroMQ sockets):
# a request sent one byte at a time is answered; a connection that stops halfway (half-open) is
# cut; a peer that opens more connections than the door holds takes only its share, and another
# peer is still served; after all of it every daemon serves as before.
doors=("$GC_BOARD_BIND" "$GC_OPEN311_BIND")
zmq_ports=("${GC_INTAKE_URL##*:}" "${GC_DEPT_URL##*:}")
out=$(timeout -k 5 120 /usr/bin/python3 - "${doors[@]}" "${zmq_ports[@]}" <<'PY' 2>&1
import socket, sys, time, threading
board, open311, intake_port, dept_port = sys.argv[1:5]
def addr(b):
    h, p = b.rsplit(":", 1)
    return h, int(p)
def request(door, path, source="127.0.0.1", byte_gap=0.0):
    s = socket.create_connection(addr(door), timeout=10, source_address=(source, 0))
    data = ("GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n" % path).encode()
    if byte_gap:
        for b in data:
            s.send(bytes([b])); time.sleep(byte_gap)
    else:
        s.sendall(data)
    reply = b""
    while True:
        chunk = s.recv(65536)
        if not chunk: break
        reply += chunk
    s.close()
    return reply.split(b"\r\n", 1)[0].decode(errors="replace")
paths = {board: "/healthz", open311: "/open311/v2/services.json"}
results = []
# slow senders: one byte every 50 ms (about 3 s a request), answered
for door in (board, open311):
    results.append("slow %s" % request(door, paths[door], byte_gap=0.05))
# half-open: a request cut off halfway, at each HTTP door, and a ZeroMQ greeting cut off
# halfway at intake and routing: each must be closed by the server, not held for ever
half = []
for door, data in ((board, b"GET /healthz HTTP/1.1\r\nHo"), (open311, b"POST /open311/v2/requests.json HTTP/1.1\r\nContent-Length: 100\r\n\r\nabc"),
                   ("127.0.0.1:" + intake_port, b"\xff\x00\x00\x00"), ("127.0.0.1:" + dept_port, b"\xff\x00\x00\x00")):
    s = socket.create_connection(addr(door), timeout=70)
    s.sendall(data)
    half.append(s)
def cut_within(s, out, i):
    t = time.time()
    try:
        while s.recv(65536): pass
        out[i] = "cut after %d s" % round(time.time() - t, -1) if time.time() - t < 65 else "held"
    except socket.timeout:
        out[i] = "held"
    except OSError:
        out[i] = "cut after %d s" % round(time.time() - t, -1)
cuts = [None] * len(half)
threads = [threading.Thread(target=cut_within, args=(s, cuts, i)) for i, s in enumerate(half)]
for t in threads: t.start()
# many connections from one peer (127.0.0.1): more than the door holds, all idle
for door, n in ((board, 300), (open311, 600)):
    flood = []
    for _ in range(n):
        try:
            s = socket.create_connection(addr(door), timeout=5)
            s.send(b"GET /")
            flood.append(s)
        except OSError:
            break
    time.sleep(0.5)
    try:
        other = request(door, paths[door], source="127.0.0.2")
    except OSError as e:
        other = "failed: %s" % e
    results.append("flood %s: another peer: %s" % (door == board and "board" or "open311", other))
    for s in flood: s.close()
    again = ""
    for _ in range(20):  # the server ends the flood's threads first
        time.sleep(0.25)
        try:
            again = request(door, paths[door])
        except OSError:
            continue
        if again.endswith("200 OK"): break
    results.append("after the flood: %s" % again)
# many connections at once from one peer at intake's and routing's sockets: a report still goes
# through while they are open
import subprocess
flood = []
for port in (intake_port, dept_port):
    for _ in range(400):
        try:
            flood.append(socket.create_connection(("127.0.0.1", int(port)), timeout=5))
        except OSError:
            break
r = subprocess.run(["gridctl", "submit", "--category", "green_space", "--grid", "4101020105",
                    "--desc", "许多连接之中"], capture_output=True, text=True, timeout=20)
results.append("zmq flood: %d connections, a report: %s" % (len(flood), "stored" if r.returncode == 0 and r.stdout.startswith("GC-") else r.stderr.strip()))
for s in flood: s.close()
for t in threads: t.join()
results.append("half-open: " + ", ".join(cuts))
print("\n".join(results))
PY
)
echo "$out" | sed 's/^/# /'
expect_eq "a request one byte at a time is answered at both HTTP doors" \
    "$(grep -c '^slow HTTP/1.1 200' <<< "$out")" 2
expect_eq "a peer holding more connections than the board takes leaves room for another" \
    "$(grep '^flood board' <<< "$out")" "flood board: another peer: HTTP/1.1 200 OK"
expect_eq "the same at the Open311 gateway" \
    "$(grep '^flood open311' <<< "$out")" "flood open311: another peer: HTTP/1.1 200 OK"
expect_eq "and once the flood is gone its peer is served again" \
    "$(grep -c '^after the flood: HTTP/1.1 200' <<< "$out")" 2
expect_eq "800 connections from one peer at intake and routing: a report still goes through" \
    "$(grep '^zmq flood' <<< "$out")" "zmq flood: 800 connections, a report: stored"
expect_eq "half-open connections are cut within a minute (HTTP: 30 s idle; ZeroMQ: 30 s handshake)" \
    "$(grep '^half-open' <<< "$out" | grep -o 'held' | wc -l)" 0
d=""
for x in intake routing escalation stats board open311; do kill -0 "$(cat "$GC_VAR/run/$x.pid")" 2>/dev/null || d="$d gc-$x"; done
expect_eq "every daemon is alive" "$d" ""
ref=$(gridctl submit --category green_space --grid 4101020105 --desc "慢速连接之后")
wait_for "intake and routing still serve" 10 field_is "$ref" .status routed
