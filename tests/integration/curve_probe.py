#!/usr/bin/python3
"""Probes of the CurveZMQ sockets for t_curve.sh, with Debian's python3-zmq.

  curve_probe.py dealer URL SERVER_KEY KEY_FILE|plain
      sends one request to intake (any bytes: a request intake can read gets an answer, even
      MALFORMED) and prints "answered" or "silent" (no answer within 3 s: not let in)
  curve_probe.py sub URL SERVER_KEY KEY_FILE|plain SECONDS
      subscribes to everything and prints "received" or "silent"
  curve_probe.py relay LISTEN_PORT TARGET_PORT OUT_FILE SECONDS
      forwards TCP connections to TARGET_PORT for SECONDS and writes every byte seen to OUT_FILE
"""
import socket
import sys
import threading
import time

import zmq


def curve_socket(ctx, kind, server_key, key_file):
    s = ctx.socket(kind)
    s.linger = 0
    if key_file != "plain":
        secret = open(key_file, "rb").read().strip()
        s.curve_secretkey = secret
        s.curve_publickey = zmq.curve_public(secret)
        s.curve_serverkey = server_key.encode()
    return s


def dealer(url, server_key, key_file):
    ctx = zmq.Context()
    s = curve_socket(ctx, zmq.DEALER, server_key, key_file)
    s.connect(url)
    s.send_multipart([b"", b"\x08\x01"])
    print("answered" if s.poll(3000) else "silent")


def sub(url, server_key, key_file, seconds):
    ctx = zmq.Context()
    s = curve_socket(ctx, zmq.SUB, server_key, key_file)
    s.setsockopt(zmq.SUBSCRIBE, b"")
    s.connect(url)
    print("received" if s.poll(int(float(seconds) * 1000)) else "silent")


def relay(listen_port, target_port, out_file, seconds):
    seen = bytearray()
    lock = threading.Lock()

    def pump(src, dst):
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                with lock:
                    seen.extend(data)
                dst.sendall(data)
        except OSError:
            pass

    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", int(listen_port)))
    server.listen()
    server.settimeout(0.2)
    end = time.time() + float(seconds)
    while time.time() < end:
        try:
            client, _ = server.accept()
        except socket.timeout:
            continue
        upstream = socket.create_connection(("127.0.0.1", int(target_port)))
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=pump, args=(a, b), daemon=True).start()
    with lock, open(out_file, "wb") as f:
        f.write(seen)


if __name__ == "__main__":
    {"dealer": dealer, "sub": sub, "relay": relay}[sys.argv[1]](*sys.argv[2:])
