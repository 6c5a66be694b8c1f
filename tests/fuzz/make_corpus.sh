#!/bin/sh
# Writes the seed corpus of fuzz_dept (tests/fuzz/corpus/dept): valid serialized DeptClientMsg
# bodies of each kind, and a few broken ones, encoded by protoc from the protobuf text below;
# and the seeds of fuzz_intake for the commands its hand-written seeds predate. Run from the
# repository's root after a .proto file changes; libFuzzer mutates from here.
set -eu
out=tests/fuzz/corpus/dept
type=DeptClientMsg
mkdir -p "$out"
seed() { protoc -Iproto --encode="gridcase.$type" proto/*.proto > "$out/$1.bin"; }

seed subscribe_after <<'EOF'
subscribe { department: "municipal" after_seq: 41 credit: 100 }
EOF
seed subscribe_from_acked <<'EOF'
subscribe { from_acked: true credit: 1000 }
EOF
seed ack <<'EOF'
ack { up_to_seq: 42 }
EOF
seed action_accept <<'EOF'
action { request_id: "act-1" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_ACCEPT department: "municipal" }
EOF
seed action_progress <<'EOF'
action { request_id: "act-2" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_PROGRESS note: "材料已到，明日施工" }
EOF
seed action_resolve <<'EOF'
action { request_id: "act-3" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_RESOLVE note: "已更换新井盖" }
EOF
seed action_return <<'EOF'
action { request_id: "act-4" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_RETURN note: "树木受损，属园林" }
EOF
seed action_extension <<'EOF'
action { request_id: "act-5" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_REQUEST_EXTENSION note: "等待配件" extension_hours: 24 }
EOF
seed inspection_grid <<'EOF'
inspection { request_id: "inspect-1" department: "sanitation" report { idempotency_key: "k-1" category: "dirty_surroundings" grid: "4101020301" description: "巡查发现垃圾堆积" source: SOURCE_DEPARTMENT } }
EOF
seed inspection_point <<'EOF'
inspection { request_id: "inspect-2" report { idempotency_key: "k-2" category: "drain_cover" description: "井盖缺失" location { lon: 113.7512 lat: 34.7401 } address: "八里庙路12号" reporter_name: "张华" reporter_phone: "+86 138-0000-0000" } }
EOF
seed inspection_street <<'EOF'
inspection { request_id: "inspect-3" report { idempotency_key: "k-3" category: "street_vending" street: "410102" address: "祭城路与金水东路交叉口" description: "占道经营" } }
EOF
seed inspection_diary <<'EOF'
inspection { request_id: "inspect-4" report { idempotency_key: "k-4" category: "green_space" from_diary_entry: 7 } }
EOF
# refused ones, for the paths of the checks (protoc complains of the invalid UTF-8 on stderr:
# that one is meant)
seed action_bad_utf8 <<'EOF'
action { request_id: "act-6" case_ref: "GC-00000042" kind: DEPT_ACTION_KIND_PROGRESS note: "\377\376" }
EOF
seed action_nul <<'EOF'
action { request_id: "act-7" case_ref: "GC-00000042\000junk" kind: DEPT_ACTION_KIND_PROGRESS }
EOF
seed action_unknown_kind <<'EOF'
action { request_id: "act-8" case_ref: "GC-00000042" kind: 99 }
EOF
: > "$out/empty.bin"
# found by fuzz_dept: an ack, then field number 0 in a two-byte tag (80 00), which protobuf-c
# 1.4.1 keeps as an unknown field and writes back as a one-byte tag it then refuses itself
printf '\022\002\010\052\200\000\022' > "$out/field_zero_two_byte_tag.bin"

out=tests/fuzz/corpus/intake
type=IntakeRequest
seed command_meeting_joint <<'EOF'
request_id: "m1" command { case_ref: "GC-00000042" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_ASSIGN_JOINT departments: ["cityman", "planning"] deadline_ms: 1790000000000 actor: "街道联席会议" }
EOF
seed command_meeting_close <<'EOF'
request_id: "m2" command { case_ref: "GC-00000042" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_CLOSE note: "联席会议决定结案" }
EOF
seed command_decide_extension <<'EOF'
request_id: "e1" command { case_ref: "GC-00000042" kind: COMMAND_KIND_DECIDE_EXTENSION grant: true note: "同意延期" }
EOF
seed command_set_category <<'EOF'
request_id: "c1" command { case_ref: "GC-00000042" kind: COMMAND_KIND_SET_CATEGORY category: "green_space" }
EOF
