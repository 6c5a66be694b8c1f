#!/usr/bin/env node
// A department's client of gridcase in Node.js: npm `zeromq` 6 and `protobufjs` (package.json and
// package-lock.json beside this file: `npm ci` here). It connects to routing's department socket
// over CurveZMQ, receives deliveries, acts on them, saves its position and acknowledges, keeps
// its subscription alive while idle, and resumes from the saved position after a restart.
//
//   GC_DEPT_URL=tcp://127.0.0.1:7103 GC_DEPT_SERVER_KEY=<routing's public key, Z85> \
//   node dept_client.js KEYFILE [--state FILE] [--count N] [--handle] [--credit N]
//
// KEYFILE is the department's secret key (`gridctl dept keygen DEPT` writes it); its public key
// is read from the .pub file gridctl writes beside it (police.key: police.pub). --state FILE
// holds the highest delivery seq taken (default: KEYFILE with .seq for .key); without it the
// client starts after the last delivery the department acknowledged. --count N stops after N
// new deliveries (default: run until stopped). --handle accepts every case delivered to the
// department as lead (NEW, REOPENED, ESCALATED, JOINT_MEETING) and resolves it; without it the
// client only takes and acknowledges. Each step is printed on its own line:
//   delivery SEQ CASE_REF REASON CATEGORY AREA lead|co-handler
//   accept CASE_REF: ok          (or: accept CASE_REF: refused: CODE message)
//   resolve CASE_REF: ok
//   ack SEQ
//   resubscribe after SEQ        (routing had forgotten the connection: it restarted)
// Exit status: 0 done, 1 refused by routing (the message says why), 2 authentication refused
// (the key is not registered), 3 no answer from routing, 64 usage.
"use strict";
const fs = require("fs");
const path = require("path");
const zmq = require("zeromq");
const protobuf = require("protobufjs");

const KEEPALIVE_MS = 2000; // routing forgets a connection silent for 10 s
const CONNECT_TIMEOUT_MS = Number(process.env.GC_CONNECT_TIMEOUT_MS || 10000);
const REPLY_TIMEOUT_MS = 30000;

function fail(status, message) {
  console.error(`dept_client: ${message}`);
  process.exit(status);
}

function parseArgs(argv) {
  const usage = "usage: dept_client.js KEYFILE [--state FILE] [--count N] [--handle] [--credit N]";
  const a = { keyFile: null, state: null, count: 0, handle: false, credit: 100 };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : fail(64, `${v} needs a value\n${usage}`));
    if (v === "--state") a.state = value();
    else if (v === "--count") a.count = Number(value());
    else if (v === "--credit") a.credit = Number(value());
    else if (v === "--handle") a.handle = true;
    else if (v === "--help" || v === "-h") { console.log(usage); process.exit(0); }
    else if (!v.startsWith("-") && a.keyFile === null) a.keyFile = v;
    else fail(64, `unknown argument ${v}\n${usage}`);
  }
  if (a.keyFile === null) fail(64, usage);
  if (!Number.isInteger(a.count) || a.count < 0) fail(64, "--count is a whole number");
  if (!Number.isInteger(a.credit) || a.credit < 1 || a.credit > 1000) fail(64, "--credit is 1-1000");
  a.state = a.state || a.keyFile.replace(/\.key$/, "") + ".seq";
  return a;
}

// The department's key pair: the secret from KEYFILE, the public key from the .pub beside it.
function readKeys(keyFile) {
  const pubFile = keyFile.endsWith(".key") ? keyFile.slice(0, -4) + ".pub" : keyFile + ".pub";
  const read = (file, what) => {
    let text;
    try { text = fs.readFileSync(file, "utf8").trim(); }
    catch (e) { fail(64, `${file}: ${e.code === "ENOENT" ? "no such file" : e.message} (${what})`); }
    if (text.length !== 40) fail(64, `${file}: not a CURVE key (one line, 40 characters of Z85)`);
    return text;
  };
  return { secret: read(keyFile, "the department's secret key"),
           public: read(pubFile, "its public key, written by gridctl beside the secret one") };
}

// The position: the highest delivery seq taken, as a BigInt (uint64 never fits a JS number
// safely); null when there is no file yet. Saved by writing a new file and renaming it over the
// old one, so a crash leaves either position, never half of one.
function loadPosition(file) {
  let text;
  try { text = fs.readFileSync(file, "utf8").trim(); }
  catch (e) { if (e.code === "ENOENT") return null; throw e; }
  if (!/^[0-9]+$/.test(text)) fail(64, `${file}: not a position (one decimal number)`);
  return BigInt(text);
}
function savePosition(file, seq) {
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w", 0o644);
  fs.writeSync(fd, `${seq}\n`);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const url = process.env.GC_DEPT_URL, serverKey = process.env.GC_DEPT_SERVER_KEY;
  if (!url || !serverKey) fail(64, "set GC_DEPT_URL and GC_DEPT_SERVER_KEY (routing's public key)");
  const keys = readKeys(args.keyFile);
  const protoDir = process.env.GC_PROTO_DIR || path.join(__dirname, "..");
  const root = protobuf.loadSync(path.join(protoDir, "dept.proto"));
  const ClientMsg = root.lookupType("gridcase.DeptClientMsg");
  const ServerMsg = root.lookupType("gridcase.DeptServerMsg");
  const Long = protobuf.util.Long;
  const u64 = (n) => Long.fromString(n.toString(), true); // BigInt -> protobufjs uint64
  // every 64-bit field as a decimal string (seq, deadline_ms), enums by name
  const decode = (frame) => ServerMsg.toObject(ServerMsg.decode(frame),
                                               { longs: String, enums: String, defaults: true });

  const sock = new zmq.Dealer({ curveServerKey: serverKey, curvePublicKey: keys.public,
                                curveSecretKey: keys.secret, receiveTimeout: KEEPALIVE_MS,
                                linger: 2000 });
  // A refused key gets no message at all: the handshake fails (ZAP status 400) and libzmq
  // retries quietly. The socket's events are the only place it shows.
  // A wrong server key gets nothing either: routing cannot read the client's greeting and
  // drops the connection, so a connection without a handshake points at GC_DEPT_SERVER_KEY.
  let connected = false;
  const noAnswer = setTimeout(() => fail(3, connected
    ? `connected to ${url}, but the CurveZMQ handshake did not finish within ` +
      `${CONNECT_TIMEOUT_MS} ms: is GC_DEPT_SERVER_KEY routing's public key?`
    : `no answer from ${url} within ${CONNECT_TIMEOUT_MS} ms (is routing running? is ` +
      "GC_DEPT_URL right?)"), CONNECT_TIMEOUT_MS);
  sock.events.on("connect", () => { connected = true; });
  sock.events.on("handshake", () => clearTimeout(noAnswer));
  sock.events.on("handshake:error:auth", (ev) =>
    fail(2, `authentication refused by routing (ZAP status ${ev.error.status}): the public key ` +
            `${keys.public} is not registered for a department (gridctl dept register DEPT ` +
            `--key ${args.keyFile})`));
  sock.events.on("handshake:error:protocol", (ev) =>
    fail(2, `CurveZMQ handshake with ${url} failed (${ev.error.code}): is GC_DEPT_SERVER_KEY ` +
            "routing's public key?"));
  sock.connect(url);

  const send = (body) => sock.send(ClientMsg.encode(ClientMsg.fromObject(body)).finish());
  const queue = []; // messages read while waiting for an action's reply
  const next = async () => (queue.length ? queue.shift() : decode((await sock.receive())[0]));

  let have = loadPosition(args.state);
  let actions = 0;
  const instance = require("crypto").randomBytes(8).toString("hex");
  // An action and its reply; deliveries that arrive meanwhile wait in the queue.
  async function act(caseRef, kind, note) {
    // unique for good: routing answers a request_id it has seen with that request's outcome
    const requestId = `js-${instance}-${++actions}`;
    await send({ action: { requestId, caseRef, kind, note } });
    const deadline = Date.now() + REPLY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      let m;
      try { m = decode((await sock.receive())[0]); }
      catch (e) { if (e.code === "EAGAIN") continue; throw e; }
      if (m.reply && m.reply.requestId === requestId) {
        const e = m.reply.error;
        const outcome = e ? `refused: ${e.code} ${e.message}` : "ok";
        console.log(`${kind.replace("DEPT_ACTION_KIND_", "").toLowerCase()} ${caseRef}: ${outcome}`);
        return !e;
      }
      queue.push(m);
    }
    fail(3, `no reply to ${kind} ${caseRef} within ${REPLY_TIMEOUT_MS} ms`);
  }

  // What the department does with a delivery before it is acknowledged.
  async function take(d) {
    console.log(`delivery ${d.seq} ${d.caseRef} ${d.reason.replace("DELIVERY_REASON_", "")} ` +
                `${d.category} ${d.area} ${d.lead ? "lead" : "co-handler"}`);
    const work = ["DELIVERY_REASON_NEW", "DELIVERY_REASON_REOPENED", "DELIVERY_REASON_ESCALATED",
                  "DELIVERY_REASON_JOINT_MEETING"];
    if (args.handle && d.lead && work.includes(d.reason)) {
      // ACCEPT is refused once the case is in hand (a reopened or escalated case may be): the
      // resolution is what counts
      await act(d.caseRef, "DEPT_ACTION_KIND_ACCEPT", "accepted by the Node.js client");
      await act(d.caseRef, "DEPT_ACTION_KIND_RESOLVE", "resolved by the Node.js client");
    }
  }

  let taken = 0;
  // BEGIN README: the essentials (proto/README.md shows this region; make lint keeps them equal)
  const subscribe = () => send({ subscribe: { afterSeq: u64(have ?? 0n), fromAcked: have === null,
                                              credit: args.credit } });
  await subscribe();
  while (args.count === 0 || taken < args.count) {
    let m;
    try { m = await next(); } catch (e) {
      if (e.code !== "EAGAIN") throw e;
      await subscribe(); // 2 s without traffic: the keepalive routing needs (silent 10 s: dropped)
      continue;
    }
    if (m.delivery) {
      const seq = BigInt(m.delivery.seq); // uint64 as a string: never compare protobufjs Longs
      if (have !== null && seq <= have) continue; // sent again after a reconnect: already taken
      await take(m.delivery); // act on it,
      savePosition(args.state, seq); // keep the position durably,
      have = seq;
      await send({ ack: { upToSeq: u64(seq) } }); // then acknowledge
      console.log(`ack ${seq}`);
      taken++;
    } else if (m.error && m.error.code === "ERROR_CODE_INVALID_STATE") {
      console.log(`resubscribe after ${have ?? "the last acknowledged"}`); // routing restarted
      await subscribe();
      if (have !== null) await send({ ack: { upToSeq: u64(have) } });
    } else if (m.error) {
      fail(1, `refused by routing: ${m.error.code}: ${m.error.message}`);
    }
  }
  // END README
  clearTimeout(noAnswer);
  sock.close(); // linger: the last acknowledgement still goes out
}

main().catch((e) => fail(1, e.stack || String(e)));
