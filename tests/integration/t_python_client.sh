# The department protocol from another language: proto/examples/dept_client.py (pyzmq and
# protobuf from Debian) receives a case over CURVE and accepts it. Grid 4101020105.
mkdir -p "$GC_VAR/py"
protoc -Iproto --python_out="$GC_VAR/py" proto/*.proto
ref=$(gridctl submit --category green_space --grid 4101020105 --desc "绿地被踩坏")
wait_for "the case is routed to landscaping" 10 field_is "$ref" .status routed
start=$(sql "SELECT last_seq - 1 FROM department_delivery_state WHERE department = 'landscaping'")
gridctl dept listen landscaping --after "$start" --count 1 --timeout 5 >/dev/null  # acks it
out=$(PYTHONPATH="$GC_VAR/py" timeout -k 5 20 /usr/bin/python3 proto/examples/dept_client.py \
      "$GC_DEPT_KEYS_DIR/landscaping.key" accept "$ref" 2>&1)
expect_eq "the Python client accepts the case" "$out" "ok"
expect_eq "and it is on the timeline as landscaping's" \
    "$(case_field "$ref" '.timeline[-1] | "\(.kind) \(.department) \(.note)"')" "accepted landscaping accepted from Python"
ref2=$(gridctl submit --category green_space --grid 4101020105 --desc "草坪枯死")
wait_for "a second case is routed" 10 field_is "$ref2" .status routed
out=$(PYTHONPATH="$GC_VAR/py" timeout -k 5 20 /usr/bin/python3 proto/examples/dept_client.py \
      "$GC_DEPT_KEYS_DIR/landscaping.key" listen 1 2>&1)
expect_eq "the Python client receives it over CURVE" "$(cut -d' ' -f2-3 <<<"$out")" "$ref2 DELIVERY_REASON_NEW"

# an action sent again under its request_id (its reply lost on a bad link) is answered with the
# first outcome and applied once; the id used again for another action is refused
out=$(PYTHONPATH="$GC_VAR/py:proto/examples" timeout -k 5 20 /usr/bin/python3 - "$GC_DEPT_KEYS_DIR/landscaping.key" "$ref2" <<'PY' 2>&1
import os, sys, dept_pb2, common_pb2
from dept_client import connect, send
s = connect(os.environ["GC_DEPT_URL"], os.environ["GC_DEPT_SERVER_KEY"], sys.argv[1])
def act(request_id, kind):
    send(s, action=dept_pb2.DeptAction(request_id=request_id, case_ref=sys.argv[2], kind=kind))
    while True:
        m = dept_pb2.DeptServerMsg.FromString(s.recv())
        if m.HasField("reply") and m.reply.request_id == request_id:
            return common_pb2.ErrorCode.Name(m.reply.error.code) if m.reply.HasField("error") else "ok"
rid = "py-again-" + os.urandom(8).hex()
print(act(rid, dept_pb2.DEPT_ACTION_KIND_ACCEPT), act(rid, dept_pb2.DEPT_ACTION_KIND_ACCEPT),
      act("py-new-" + os.urandom(8).hex(), dept_pb2.DEPT_ACTION_KIND_ACCEPT),
      act(rid, dept_pb2.DEPT_ACTION_KIND_RESOLVE))
PY
)
expect_eq "the same request_id again: the first outcome; a new one: refused; the id for another action: a conflict" \
    "$out" "ok ok ERROR_CODE_INVALID_STATE ERROR_CODE_IDEMPOTENCY_CONFLICT"
expect_eq "the accept is applied once" \
    "$(sql "SELECT count(*) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.ref = '$ref2' AND e.kind = 'accepted'")" "1"
