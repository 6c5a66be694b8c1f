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
