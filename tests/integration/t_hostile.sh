# Hostile input: every socket that reads from outside gets a catalogue of broken,
# oversized, mistyped and replayed messages, sent raw to intake and, over CURVE as registered
# departments, to the department socket. Each must get a typed error reply or cost the sender
# its connection (an old acknowledgement, idempotent by design, is taken in silence); nothing
# may change in the database; every daemon must still serve the next valid request. Grid
# 4101010202 (映月路社区第二网格) and its cases only: no other test uses it, nor counts its
# community's figures. At the end, hostile_catalogue.py adds the messages that follow a rule (every
# field with every fault, every truncation, every HTTP door's broken requests): about 1,600 more.
# (Invalid input through gridctl: t_malformed; single refusals of NaN,
# source 99 and SQL in a category: t_intake.)
g=4101010202
tried=0

# ---- tools -------------------------------------------------------------------------------

# enc TYPE: the protobuf text format on stdin serialized as gridcase.TYPE, in hex. protoc writes
# invalid UTF-8 when told to (it only complains on stderr), which is what we want here. A typo
# in the text yields a frame gc-rawsend refuses, so the check fails instead of testing nothing.
enc() {
    local err
    if ! err=$(protoc -Iproto --encode="gridcase.$1" proto/*.proto 2>&1 >"$GC_VAR/hostile.bin"); then
        echo "enc: $err" >&2
        echo "not-encoded"
        return 1
    fi
    od -An -tx1 -v "$GC_VAR/hostile.bin" | tr -d ' \n'
}

# fields NAME=VALUE...: protobuf text "name: value ...", a later NAME replacing an earlier one
# and an empty VALUE dropping the field. The builders below give a valid message, which would
# be stored if sent as is: each entry spoils one thing, so a check that let it through would
# show up as a change in the database.
fields() {
    local -A value=()
    local order=() kv k
    for kv in "$@"; do
        k=${kv%%=*}
        [ -z "${value[$k]+set}" ] && order+=("$k")
        value[$k]=${kv#*=}
    done
    for k in "${order[@]}"; do [ -n "${value[$k]}" ] && printf '%s: %s ' "$k" "${value[$k]}"; done
}
submission() { fields idempotency_key="\"hostile-$(date +%s%N)\"" category='"drain_cover"' grid="\"$g\"" description='"井盖被盗"' source=SOURCE_RESIDENT "$@"; }
note_on_probe() { fields case_ref="\"$probe\"" kind=COMMAND_KIND_NOTE note='"巡查记录"' actor='"网格员"' "$@"; }
diary_entry() { fields grid="\"$g\"" visited_on='"2026-03-01"' author='"张华"' note='"走访映月路"' "$@"; }
progress_on_probe() { fields request_id='"h1"' case_ref="\"$probe\"" kind=DEPT_ACTION_KIND_PROGRESS note='"施工中"' "$@"; }

# hostile NAME EXPECTED GC-RAWSEND-ARGS...: one catalogue entry. What gc-rawsend prints, its
# lines joined by "|", must match the glob EXPECTED* (one line per message sent: the reply,
# "disconnected" or "noreply", after any deliveries).
hostile() {
    local name=$1 expected=$2 out
    shift 2
    tried=$((tried + 1))
    out=$(gc-rawsend "$@" 2>&1 | paste -sd'|')
    # shellcheck disable=SC2053 # EXPECTED is a glob on purpose
    if [[ $out == $expected* ]]; then ok "$name"; else not_ok "$name" "expected '$expected', got '$out'"; fi
}
# intake NAME EXPECTED [--raw] [--timeout MS] FRAME...: to the intake socket
intake() {
    local name=$1 expected=$2 opts=()
    shift 2
    while [[ ${1:-} == --* ]]; do
        case $1 in
            --raw) opts+=("$1"); shift ;;
            *) opts+=("$1" "$2"); shift 2 ;;
        esac
    done
    hostile "$name" "$expected" "${opts[@]}" "$GC_INTAKE_URL" "$@"
}
# as DEPT NAME EXPECTED [--timeout MS] FRAME... [--then FRAME...]: to the department socket,
# authenticated with DEPT's key
as() {
    local dept=$1 name=$2 expected=$3 opts=()
    shift 3
    [ "${1:-}" == --timeout ] && opts=("$1" "$2") && shift 2
    hostile "$name" "$expected" --dept "$dept" "${opts[@]}" "$GC_DEPT_URL" "$@"
}

# truncations NAME EXPECTED HEX GC-RAWSEND-ARGS...: every proper prefix of the message HEX (all
# but its last byte, ..., its first byte alone) on one connection; each must get EXPECTED
truncations() {
    local name=$1 expected=$2 hex=$3 args=() n line bad="" count=0
    shift 3
    for ((n = ${#hex} - 2; n >= 2; n -= 2)); do
        [ $count -gt 0 ] && args+=(--then)
        args+=("${hex:0:n}")
        count=$((count + 1))
    done
    tried=$((tried + count))
    while IFS= read -r line; do
        [[ $line == "$expected"* ]] || bad="$bad [$line]"
        count=$((count - 1))
    done < <(gc-rawsend "$@" "${args[@]}" 2>&1)
    expect_eq "$name" "$bad, $count unanswered" ", 0 unanswered"
}

# What hostile input must never change: every table a request can write, to the row.
fingerprint() {
    sql "SELECT concat_ws(' ',
        (SELECT count(*) || '/' || md5(coalesce(string_agg(concat_ws(',', id, status, level,
                category, area_code, updated_at, deadline_at, closed_at, duplicate_of,
                supervised_at), ';' ORDER BY id), '')) FROM cases),
        (SELECT 'events:' || coalesce(max(seq), 0) FROM case_events),
        (SELECT 'deliveries:' || count(*) FROM deliveries),
        (SELECT md5(coalesce(string_agg(concat_ws(',', case_id, department, is_lead, active), ';'
                ORDER BY case_id, department), '')) FROM case_assignments),
        (SELECT string_agg(concat_ws(':', department, last_seq, acked_seq), ','
                ORDER BY department) FROM department_delivery_state),
        (SELECT 'extensions:' || count(*) || '/' || count(decided_at) FROM extension_requests),
        (SELECT 'diary:' || count(*) || '/' || count(case_id) FROM grid_diary))"
}
# The fingerprint once routing and escalation have stopped moving it (they work behind intake).
settled() {
    local a b
    a=$(fingerprint)
    for _ in $(seq 50); do
        sleep 0.3
        b=$(fingerprint)
        [ "$a" == "$b" ] && break
        a=$b
    done
    echo "$a"
}
# alive DAEMON: running and not a zombie (as deploy/stack.sh tells)
alive() {
    local state
    state=$(ps -o stat= -p "$(cat "$GC_VAR/run/$1.pid")" 2>/dev/null) && [ -n "$state" ] && [ "${state:0:1}" != Z ]
}
# group NAME ... served: a group of catalogue entries between the database's fingerprint before
# it and the checks after it: nothing changed, no daemon died, intake and routing still serve.
group() {
    group_name=$1
    echo "# $group_name"
    before=$(settled)
}
served() {
    expect_eq "$group_name: nothing changed in the database" "$(settled)" "$before"
    local d dead=""
    for d in intake routing escalation stats; do alive $d || dead="$dead gc-$d"; done
    expect_eq "$group_name: every daemon is alive" "$dead" ""
    expect_ok "$group_name: intake still takes a note" gridctl note "$probe" --note "after: $group_name"
    expect_ok "$group_name: routing still takes municipal's progress report" \
        gridctl dept progress "$probe" --dept municipal --note "after: $group_name"
}

# ---- the cases hostile messages aim at -------------------------------------------------------

settled >/dev/null # what earlier tests left to route and escalate is done first
# municipal's (two, so that municipal has old deliveries to acknowledge again); cityman's with
# planning as co-handler; cityman's, raised to the street for the joint meeting's commands
probe=$(gridctl submit --category drain_cover --grid $g --desc "映月路井盖缺失")
light=$(gridctl submit --category street_light --grid $g --desc "映月路路灯不亮")
joint=$(gridctl submit --category illegal_construction --grid $g --desc "楼顶私搭乱建")
street=$(gridctl submit --category street_vending --grid $g --desc "占道经营屡禁不止")
for ref in "$probe" "$light" "$joint" "$street"; do
    wait_for "$ref is routed" 30 field_is "$ref" .status routed
done
expect_ok "municipal accepts the probe case" gridctl dept accept "$probe" --dept municipal
expect_eq "cityman leads the joint case, planning co-handles" \
    "$(case_field "$joint" '[.departments[] | "\(.department):\(.lead)"] | join(",")')" "cityman:true,planning:false"
for level in community street; do
    gridctl escalate "$street" --reason "网格无法解决" >/dev/null
    wait_for "the street case reaches the $level" 30 field_is "$street" .level $level
done
# a department's inspection report with a known key, to replay it later
report_key="hostile-report-$$"
inspection=$(enc DeptClientMsg <<< "inspection { request_id: \"setup\" report { $(submission idempotency_key="\"$report_key\"" category='"dirty_surroundings"' description='"巡查发现垃圾"') } }")
expect_eq "sanitation reports a problem found on inspection" \
    "$(gc-rawsend --dept sanitation "$GC_DEPT_URL" "$inspection" | cut -d' ' -f1-3)" "reply request_id=setup ok"
# municipal's client takes and acknowledges every delivery: there are old ones to replay
gridctl dept listen municipal --timeout 3 >/dev/null
last=$(sql "SELECT last_seq FROM department_delivery_state WHERE department = 'municipal'")
expect_eq "municipal acknowledged everything" \
    "$(sql "SELECT acked_seq FROM department_delivery_state WHERE department = 'municipal'")" "$last"
expect_ok "municipal has at least two deliveries" test "$last" -ge 2

# ---- intake: frames, sizes, broken protobuf -------------------------------------------------

group "intake: frames and sizes"
valid_submit=$(enc IntakeRequest <<< "request_id: \"h1\" submit { $(submission) }")
intake "garbage bytes: MALFORMED" "error ERROR_CODE_MALFORMED the body is not an IntakeRequest" ffffffff0102
intake "an empty body: no submit or command" "error ERROR_CODE_INVALID_ARGUMENT" ""
intake "too many frames: MALFORMED" "error ERROR_CODE_MALFORMED" "" "" "" "" "" "" ""
intake "no body frame after the delimiter: MALFORMED" "error ERROR_CODE_MALFORMED expected frames" --raw ""
intake "a valid submission without the empty delimiter: MALFORMED" "error ERROR_CODE_MALFORMED" --raw "$valid_submit"
intake "a non-empty delimiter: MALFORMED" "error ERROR_CODE_MALFORMED" --raw 00 "$valid_submit"
intake "the delimiter twice: MALFORMED" "error ERROR_CODE_MALFORMED" --raw "" "" "$valid_submit"
intake "a valid submission with a second body frame: MALFORMED" "error ERROR_CODE_MALFORMED" "$valid_submit" "$valid_submit"
intake "an empty frame after the body: MALFORMED" "error ERROR_CODE_MALFORMED" "$valid_submit" ""
intake "a message over GC_MAX_MESSAGE_BYTES gets no reply (the peer is cut off)" "disconnected" "0a*100000"
protoc -Iproto --encode=gridcase.IntakeRequest proto/*.proto > "$GC_VAR/huge-submit.bin" \
    <<< "request_id: \"h1\" submit { $(submission description="\"$(head -c 70000 /dev/zero | tr '\0' a)\"") }"
intake "a valid submission of 70 kB is cut off before it is read" "disconnected" "@$GC_VAR/huge-submit.bin"
intake "60 kB of garbage, under the limit: MALFORMED" "error ERROR_CODE_MALFORMED" "ff*60000"
# ZMQ_MAXMSGSIZE bounds each frame, not the message: a message of many frames under the limit is
# read whole (its size is bounded only by memory) before it is refused
twenty=(); for _ in $(seq 20); do twenty+=("ff*60000"); done
intake "twenty frames of 60 kB (1.2 MB in all): MALFORMED" "error ERROR_CODE_MALFORMED" "${twenty[@]}"
intake "a description of 4001 bytes: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT description" \
    "$(enc IntakeRequest <<< "submit { $(submission description="\"$(head -c 4001 /dev/zero | tr '\0' a)\"") }")"
intake "a request_id of 65 bytes: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT request_id" \
    "$(enc IntakeRequest <<< "request_id: \"$(head -c 65 /dev/zero | tr '\0' r)\" submit { $(submission) }")"
served

group "intake: broken protobuf"
truncations "every truncation of a valid submission: MALFORMED" "error ERROR_CODE_MALFORMED" \
    "$(enc IntakeRequest <<< "submit { $(submission) }")" "$GC_INTAKE_URL"
intake "a length running past the end: MALFORMED" "error ERROR_CODE_MALFORMED" 12ff010a02
intake "a length of 2^64-1: MALFORMED" "error ERROR_CODE_MALFORMED" 12ffffffffffffffffff01
intake "a command kind in an 11-byte varint: MALFORMED" "error ERROR_CODE_MALFORMED" "1a0c10$(printf 'ff%.0s' {1..10})01"
intake "a string field sent as a varint: MALFORMED" "error ERROR_CODE_MALFORMED" 0801
intake "a submission sent as a 32-bit number: MALFORMED" "error ERROR_CODE_MALFORMED" 1501020304
intake "a group (wire type 3): MALFORMED" "error ERROR_CODE_MALFORMED" 0b0c
intake "field number 0: MALFORMED" "error ERROR_CODE_MALFORMED" 0200
intake "unknown fields only: no submit or command" "error ERROR_CODE_INVALID_ARGUMENT the request has no" f8ffffff0f01ba060161
intake "a submission then a command (oneof twice): the last one counts" "error ERROR_CODE_UNKNOWN_CASE" \
    "$(enc IntakeRequest <<< "submit { $(submission category='"ufo"') }")$(enc IntakeRequest <<< 'command { case_ref: "GC-99999999" kind: COMMAND_KIND_NOTE note: "x" }')"
intake "a command then a submission (oneof twice): the last one counts" "error ERROR_CODE_UNKNOWN_CATEGORY" \
    "$(enc IntakeRequest <<< 'command { case_ref: "GC-99999999" kind: COMMAND_KIND_NOTE note: "x" }')$(enc IntakeRequest <<< "submit { $(submission category='"ufo"') }")"
served

# ---- intake: text that is not UTF-8, in each text field ----------------------------------

group "intake: invalid UTF-8"
# shellcheck disable=SC2089 # protobuf text for protoc: the quotes and escapes are its own
bad='"\377\376"'
intake "request_id not UTF-8: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT request_id" \
    "$(enc IntakeRequest <<< "request_id: $bad submit { $(submission) }")"
# protobuf-c cuts C strings at a NUL byte: what follows must not slip past the checks
intake "a command's case_ref with a NUL byte and junk after it: INVALID_ARGUMENT" \
    "error ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc IntakeRequest <<< "request_id: \"h1\" command { $(note_on_probe case_ref="\"$probe\000junk\"") }")"
intake "a note with a NUL byte and a terminal escape after it: INVALID_ARGUMENT" \
    "error ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc IntakeRequest <<< "request_id: \"h1\" command { $(note_on_probe note='"visible\000\033[2J hidden"') }")"
intake "a description with a NUL byte and control characters after it: INVALID_ARGUMENT" \
    "error ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc IntakeRequest <<< "request_id: \"h1\" submit { $(submission description='"abc\000\001\002"') }")"
intake "field number 0 in a two-byte tag: MALFORMED" "error ERROR_CODE_MALFORMED" 0a0268318000
for field in idempotency_key category grid street description address reporter_name reporter_phone; do
    intake "submission's $field not UTF-8: INVALID_ARGUMENT, saying where" "error ERROR_CODE_INVALID_ARGUMENT $field is not valid UTF-8 at byte 0" \
        "$(enc IntakeRequest <<< "request_id: \"h1\" submit { $(submission "$field=$bad") }")"
done
for field in case_ref note actor; do
    intake "command's $field not UTF-8: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT $field is not valid UTF-8 at byte 0" \
        "$(enc IntakeRequest <<< "command { $(note_on_probe "$field=$bad") }")"
done
intake "set-category's category not UTF-8: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT set category" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_SET_CATEGORY category: $bad }")"
intake "a joint meeting's department not UTF-8: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT a department code" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_ASSIGN_JOINT departments: [\"cityman\", $bad] }")"
for field in grid visited_on author note; do
    intake "diary entry's $field not UTF-8: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT $field" \
        "$(enc IntakeRequest <<< "diary { $(diary_entry "$field=$bad") }")"
done
# the ways bytes fail to be UTF-8 text (overlong, surrogate, past U+10FFFF, 5-byte, stray or
# cut continuation) or to be text at all (C1, escape, DEL, C0), each in a description: the
# refusal says which and at which byte (counted from 0), never "description is required"
utf8="is not valid UTF-8 at byte"
control="contains control character"
while IFS='|' read -r text says; do
    intake "description \"$text\": INVALID_ARGUMENT, \"description $says\"" \
        "error ERROR_CODE_INVALID_ARGUMENT description $says" \
        "$(enc IntakeRequest <<< "submit { $(submission description="\"$text\"") }")"
done <<EOF
\300\257|$utf8 0
\355\240\200|$utf8 0
\364\220\200\200|$utf8 0
\370\210\200\200\200|$utf8 0
\200|$utf8 0
井盖\344\272|$utf8 6
井盖 ok\200|$utf8 9
\302\205|$control U+0085 at byte 0 (newline and tab are the only control characters allowed)
\033[2J|$control U+001B at byte 0
井盖\177|$control U+007F at byte 6
路灯不亮\a|$control U+0007 at byte 12
\001|$control U+0001 at byte 0
EOF
served

# ---- intake: numbers and enums out of range -----------------------------------------------

group "intake: enums and numbers out of range"
for kind in 0 42 -5; do
    intake "command kind $kind: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT unknown command kind" \
        "$(enc IntakeRequest <<< "command { $(note_on_probe kind=$kind) }")"
done
intake "source -1 (a 10-byte varint): INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT unknown source" \
    "$(enc IntakeRequest <<< "submit { $(submission source=-1) }")"
for outcome in 9 -1; do
    intake "meeting outcome $outcome: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT unknown meeting outcome" \
        "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: $outcome }")"
done
intake "a meeting naming 11 departments: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT a joint meeting names at most 10" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_ASSIGN_JOINT departments: [$(printf '"cityman",%.0s' $(seq 10))\"police\"] }")"
intake "a meeting naming an unknown department: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_ASSIGN_JOINT departments: \"nosuch\" }")"
for deadline in -1 9223372036854775807; do
    intake "deadline_ms $deadline: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT deadline_ms is out of range" \
        "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_NEW_DEADLINE deadline_ms: $deadline }")"
done
intake "a new deadline in 1970: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT the new deadline is not in the future" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_NEW_DEADLINE deadline_ms: 1 }")"
intake "an extension decided when none was asked: INVALID_STATE" "error ERROR_CODE_INVALID_STATE" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$probe\" kind: COMMAND_KIND_DECIDE_EXTENSION grant: true }")"
for where in 'lon: nan lat: 34.7' 'lon: 113.7 lat: inf' 'lon: 1e308 lat: 34.7' 'lon: 113.7 lat: -90.0001'; do
    intake "location {$where}: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT location" \
        "$(enc IntakeRequest <<< "submit { $(submission grid= "location={ $where }") }")"
done
# values the database would refuse are refused before it: a number past bigint, a day the
# month does not have, a date with a space where a digit goes
intake "from_diary_entry 2^64-1: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT from_diary_entry" \
    "$(enc IntakeRequest <<< "submit { $(submission from_diary_entry=18446744073709551615) }")"
for day in 2026-02-30 2026-13-01 '2026- 3-01' 2100-02-29; do
    intake "diary date $day: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT visited_on" \
        "$(enc IntakeRequest <<< "diary { $(diary_entry visited_on="\"$day\"") }")"
done
served

# ---- intake: people acting outside their rights ----------------------------------------------
# (an application scoped elsewhere needs a CURVE intake: t_people has those)

group "intake: people outside their rights"
intake "verify in the name of another street's grid worker: NOT_PERMITTED" \
    "error ERROR_CODE_NOT_PERMITTED 4101020101-W1 is grid_worker of 4101020101" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$probe\" kind: COMMAND_KIND_VERIFY person: \"4101020101-W1\" }")"
intake "an escalation in the name of another community's leader: NOT_PERMITTED" \
    "error ERROR_CODE_NOT_PERMITTED 41010101-L is leader of 41010101" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$probe\" kind: COMMAND_KIND_REQUEST_ESCALATION note: \"x\" person: \"41010101-L\" }")"
intake "close on the spot in the name of a retired grid worker: NOT_PERMITTED" \
    "error ERROR_CODE_NOT_PERMITTED 4101010101-W0 is retired" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$light\" kind: COMMAND_KIND_RESOLVE_ON_SPOT person: \"4101010101-W0\" }")"
intake "a meeting decision in the name of another street's office: NOT_PERMITTED" \
    "error ERROR_CODE_NOT_PERMITTED 410102-M is meeting_office of 410102" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$street\" kind: COMMAND_KIND_MEETING_OUTCOME outcome: MEETING_OUTCOME_CLOSE note: \"x\" person: \"410102-M\" }")"
intake "a person's code that is SQL: NOT_PERMITTED, no such person" \
    "error ERROR_CODE_NOT_PERMITTED no person has the code '; DELETE FROM people; --" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$probe\" kind: COMMAND_KIND_VERIFY person: \"'; DELETE FROM people; --\" }")"
intake "a person's code of 65 bytes: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT person" \
    "$(enc IntakeRequest <<< "command { case_ref: \"$probe\" kind: COMMAND_KIND_VERIFY person: \"$(printf 'P%.0s' {1..65})\" }")"
served

# ---- intake: messages meant for the department socket -------------------------------------

group "intake: a department's messages"
intake "a DeptSubscribe: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< 'subscribe { after_seq: 0 credit: 10 from_acked: true }')"
intake "a DeptAck: MALFORMED" "error ERROR_CODE_MALFORMED" "$(enc DeptClientMsg <<< 'ack { up_to_seq: 5 }')"
intake "a DeptAction: MALFORMED" "error ERROR_CODE_MALFORMED" "$(enc DeptClientMsg <<< "action { $(progress_on_probe) }")"
intake "an InspectionReport (read as a diary entry without a note): INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT note" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"$g\" department: \"2026-03-01\" report { $(submission) } }")"
served

# ---- departments: frames, sizes, broken protobuf --------------------------------------------

group "departments: frames and sizes"
valid_action=$(enc DeptClientMsg <<< "action { $(progress_on_probe) }")
hostile "a client without CURVE is refused at the handshake" "handshake refused" --raw "$GC_DEPT_URL" "$valid_action"
# a DEALER cannot send a message of no frame: an empty frame is the least there is
as municipal "an empty body: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT empty DeptClientMsg" ""
as municipal "garbage bytes: MALFORMED" "error ERROR_CODE_MALFORMED the body is not a DeptClientMsg" ffffffff0102
as municipal "a valid action after an empty delimiter (intake's framing): MALFORMED" \
    "error ERROR_CODE_MALFORMED expected one frame" "" "$valid_action"
as municipal "a valid action with a second frame: MALFORMED" "error ERROR_CODE_MALFORMED expected one frame" "$valid_action" "$valid_action"
as municipal "ten frames (more than are kept): MALFORMED" "error ERROR_CODE_MALFORMED expected one frame" \
    "$valid_action" "" "" "" "" "" "" "" "" ""
as municipal "a message over GC_MAX_MESSAGE_BYTES: the connection is dropped" "disconnected" "0a*100000"
protoc -Iproto --encode=gridcase.DeptClientMsg proto/*.proto > "$GC_VAR/huge-report.bin" \
    <<< "inspection { request_id: \"h1\" report { $(submission description="\"$(head -c 70000 /dev/zero | tr '\0' a)\"") } }"
as sanitation "a valid inspection report of 70 kB is cut off before it is read" "disconnected" "@$GC_VAR/huge-report.bin"
as municipal "60 kB of garbage, under the limit: MALFORMED" "error ERROR_CODE_MALFORMED" "ff*60000"
as municipal "a note of 4001 bytes: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe note="\"$(head -c 4001 /dev/zero | tr '\0' a)\"") }")"
served

group "departments: broken protobuf"
truncations "every truncation of a valid action: MALFORMED" "error ERROR_CODE_MALFORMED" \
    "$valid_action" --dept municipal "$GC_DEPT_URL"
as municipal "a length running past the end: MALFORMED" "error ERROR_CODE_MALFORMED" 1aff010a02
as municipal "an ack in an 11-byte varint: MALFORMED" "error ERROR_CODE_MALFORMED" "120c08$(printf 'ff%.0s' {1..10})01"
as municipal "an action sent as a varint: MALFORMED" "error ERROR_CODE_MALFORMED" 1801
as municipal "a group (wire type 3): MALFORMED" "error ERROR_CODE_MALFORMED" 1b1c
as municipal "field number 0: MALFORMED" "error ERROR_CODE_MALFORMED" 0200
as municipal "unknown fields only: INVALID_ARGUMENT" "error ERROR_CODE_INVALID_ARGUMENT empty DeptClientMsg" f8ffffff0f01ba060161
# protobuf-c 1.4.1 takes these for unknown fields; protobuf has no such field numbers
as municipal "a valid action, then field number 0 in a two-byte tag: MALFORMED" \
    "error ERROR_CODE_MALFORMED the body is not a DeptClientMsg" "${valid_action}800001"
as municipal "a valid action, then field number 2^29: MALFORMED" \
    "error ERROR_CODE_MALFORMED the body is not a DeptClientMsg" "${valid_action}808080801001"
as municipal "a valid action then an ack (oneof twice): the last one counts" "error ERROR_CODE_INVALID_STATE subscribe before acknowledging" \
    "$valid_action$(enc DeptClientMsg <<< 'ack { up_to_seq: 1 }')"
served

# ---- departments: text, numbers and enums ------------------------------------------------

group "departments: invalid text"
# an action's reply echoes request_id and case_ref only when they are text: a reply is proto3,
# and gc-rawsend says "bad reply" for one holding a string that is not UTF-8
as municipal "action's request_id not UTF-8: INVALID_ARGUMENT, not echoed" \
    "reply request_id= ERROR_CODE_INVALID_ARGUMENT" "$(enc DeptClientMsg <<< "action { $(progress_on_probe "request_id=$bad") }")"
as municipal "action's case_ref not UTF-8: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT case_ref is not valid UTF-8 at byte 3" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref="\"GC-\377\"") }")"
as municipal "action's note not UTF-8: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe "note=$bad") }")"
as municipal "action's note with a terminal escape: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT note contains control character U+001B at byte 0" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe note='"\033[2J"') }")"
# protobuf-c cuts C strings at a NUL byte: what follows must not slip past the checks
as municipal "a case_ref with a NUL byte and junk after it: INVALID_ARGUMENT" \
    "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref="\"$probe\000junk\"") }")"
as municipal "a note with a NUL byte and a terminal escape after it: INVALID_ARGUMENT" \
    "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe note='"施工中\000\033[2J"') }")"
as police "a department field not UTF-8 is ignored: police's key still does not hold municipal's case" \
    "reply request_id=h1 ERROR_CODE_NOT_ASSIGNED" "$(enc DeptClientMsg <<< "action { $(progress_on_probe "department=$bad") }")"
as sanitation "inspection's request_id not UTF-8: INVALID_ARGUMENT, not echoed" "reply request_id= ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< "inspection { request_id: $bad report { $(submission) } }")"
for field in idempotency_key category grid street description address reporter_name reporter_phone; do
    as sanitation "inspection report's $field not UTF-8: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT $field is not valid UTF-8 at byte 0" \
        "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" report { $(submission "$field=$bad") } }")"
done
as sanitation "inspection report's description with a NUL byte: INVALID_ARGUMENT" \
    "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT a text field holds a NUL byte" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" report { $(submission description='"垃圾\000\001"') } }")"
as sanitation "an inspection with no report: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< 'inspection { request_id: "h1" }')"
as sanitation "an inspection's department field is ignored (an unknown category is still refused)" \
    "reply request_id=h1 ERROR_CODE_UNKNOWN_CATEGORY" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" department: $bad report { $(submission category='"ufo"') } }")"
as sanitation "SQL in an inspection's grid is just an unknown grid" "reply request_id=h1 ERROR_CODE_UNKNOWN_GRID" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" report { $(submission grid="\"$g'; DELETE FROM cases; --\"") } }")"
served

group "departments: enums and numbers out of range"
for kind in 0 99 -5; do
    as municipal "action kind $kind: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT unknown action" \
        "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=$kind) }")"
done
for hours in 0 721 4294967295; do
    as municipal "an extension of $hours hours: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT extension_hours" \
        "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=DEPT_ACTION_KIND_REQUEST_EXTENSION extension_hours=$hours) }")"
done
as municipal "an extension without a reason: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=DEPT_ACTION_KIND_REQUEST_EXTENSION extension_hours=24 note=) }")"
as municipal "a return without a reason: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=DEPT_ACTION_KIND_RETURN note=) }")"
as sanitation "an inspection report at NaN: INVALID_ARGUMENT" "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT location" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" report { $(submission grid= 'location={ lon: nan lat: 34.7 }') } }")"
# past PostgreSQL's bigint: refused before the database (never "unavailable, retry")
as sanitation "an inspection report from diary entry 2^64-1: INVALID_ARGUMENT" \
    "reply request_id=h1 ERROR_CODE_INVALID_ARGUMENT from_diary_entry" \
    "$(enc DeptClientMsg <<< "inspection { request_id: \"h1\" report { $(submission from_diary_entry=18446744073709551615) } }")"
for after in $((last + 1)) 18446744073709551615; do
    as municipal "a subscription after delivery $after (past the last): INVALID_ARGUMENT, naming both" \
        "error ERROR_CODE_INVALID_ARGUMENT after_seq is past the department's last delivery ($after > $last)" \
        "$(enc DeptClientMsg <<< "subscribe { after_seq: $after credit: 10 }")"
done
# credit outside 1-1000 is refused, not clamped (a client would get a window it did not ask for)
for credit in 0 1001 4294967295; do
    as municipal "a subscription with credit $credit: INVALID_ARGUMENT" \
        "error ERROR_CODE_INVALID_ARGUMENT credit must be 1-1000 (got $credit)" \
        "$(enc DeptClientMsg <<< "subscribe { after_seq: $last credit: $credit }")"
done
for credit in 1 1000; do
    as municipal "a subscription with credit $credit is taken (no answer: nothing to send)" "noreply" \
        --timeout 500 "$(enc DeptClientMsg <<< "subscribe { after_seq: $last credit: $credit }")"
done
as municipal "a refused credit leaves the connection unsubscribed (an ack then: INVALID_STATE)" \
    "error ERROR_CODE_INVALID_ARGUMENT credit must be 1-1000 (got 0)*|error ERROR_CODE_INVALID_STATE subscribe before acknowledging" \
    "$(enc DeptClientMsg <<< "subscribe { after_seq: $last }")" --then "$(enc DeptClientMsg <<< "ack { up_to_seq: $last }")"
served

group "departments: intake's messages"
as municipal "an IntakeRequest submission: MALFORMED" "error ERROR_CODE_MALFORMED" \
    "$(enc IntakeRequest <<< "request_id: \"h1\" submit { $(submission) }")"
as municipal "an IntakeRequest command: MALFORMED" "error ERROR_CODE_MALFORMED" \
    "$(enc IntakeRequest <<< "command { $(note_on_probe) }")"
as municipal "an IntakeRequest diary entry: MALFORMED" "error ERROR_CODE_MALFORMED" \
    "$(enc IntakeRequest <<< "request_id: \"h1\" diary { $(diary_entry) }")"
as municipal "an IntakeRequest with intake's framing: MALFORMED" "error ERROR_CODE_MALFORMED expected one frame" \
    "" "$(enc IntakeRequest <<< "request_id: \"h1\" submit { $(submission) }")"
served

# ---- departments: replays, and cases someone else holds ------------------------------------

group "departments: replayed acknowledgements"
acked=$last
ack() { enc DeptClientMsg <<< "ack { up_to_seq: $1 }"; }
subscribe() { enc DeptClientMsg <<< "subscribe { after_seq: $1 credit: 1 }"; }
as municipal "an ack before any subscription: INVALID_STATE" "error ERROR_CODE_INVALID_STATE subscribe before acknowledging" "$(ack "$acked")"
as municipal "an ack of a delivery not yet made: INVALID_STATE" "noreply|error ERROR_CODE_INVALID_STATE ack beyond what was delivered" \
    --timeout 1000 "$(subscribe "$last")" --then "$(ack $((last + 1)))"
as municipal "an ack of 2^64-1: INVALID_STATE" "noreply|error ERROR_CODE_INVALID_STATE ack beyond what was delivered" \
    --timeout 1000 "$(subscribe "$last")" --then "$(ack 18446744073709551615)"
# acks are idempotent by design (a client acks again after a reconnect): an old one is taken in
# silence, frees credit, and never moves the recorded position back
as municipal "a replay of the first ack: ignored, the next delivery comes" "delivery 1 GC-*|noreply|delivery 2 GC-*|noreply" \
    --timeout 1000 "$(subscribe 0)" --then "$(ack 1)"
as municipal "a replay of the last ack: ignored" "delivery $acked GC-*|noreply|noreply" \
    --timeout 1000 "$(subscribe $((acked - 1)))" --then "$(ack "$acked")"
as municipal "an ack going backwards: ignored" "noreply|noreply" --timeout 1000 "$(subscribe "$last")" --then "$(ack $((last - 1)))"
as municipal "an ack of 0: ignored" "noreply|noreply" --timeout 1000 "$(subscribe "$last")" --then "$(ack 0)"
as municipal "a subscription claiming to be police is municipal's (an ack past municipal's last: INVALID_STATE)" \
    "noreply|error ERROR_CODE_INVALID_STATE ack beyond" \
    --timeout 1000 "$(enc DeptClientMsg <<< "subscribe { department: \"police\" after_seq: $last credit: 1 }")" --then "$(ack $((last + 1)))"
as municipal "a subscription whose department is not UTF-8 is municipal's all the same" \
    "noreply|error ERROR_CODE_INVALID_STATE ack beyond" \
    --timeout 1000 "$(enc DeptClientMsg <<< "subscribe { department: $bad after_seq: $last credit: 1 }")" --then "$(ack $((last + 1)))"
expect_eq "municipal's recorded position did not move" \
    "$(sql "SELECT acked_seq FROM department_delivery_state WHERE department = 'municipal'")" "$acked"
served

group "departments: someone else's case, replayed actions"
for kind in ACCEPT PROGRESS RESOLVE RETURN REQUEST_EXTENSION; do
    as police "police's $kind on municipal's case: NOT_ASSIGNED" "reply request_id=h1 ERROR_CODE_NOT_ASSIGNED" \
        "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=DEPT_ACTION_KIND_$kind extension_hours=24) }")"
done
as police "police claiming to be municipal in the action: NOT_ASSIGNED" "reply request_id=h1 ERROR_CODE_NOT_ASSIGNED" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe department='"municipal"') }")"
as planning "planning (co-handler of another case) on municipal's case: NOT_ASSIGNED" "reply request_id=h1 ERROR_CODE_NOT_ASSIGNED" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe) }")"
as municipal "municipal resolving cityman's case: NOT_ASSIGNED" "reply request_id=h1 ERROR_CODE_NOT_ASSIGNED" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref="\"$joint\"" kind=DEPT_ACTION_KIND_RESOLVE) }")"
as planning "the co-handler asking for the lead's extension: INVALID_STATE" "reply request_id=h1 ERROR_CODE_INVALID_STATE" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref="\"$joint\"" kind=DEPT_ACTION_KIND_REQUEST_EXTENSION extension_hours=24) }")"
as municipal "a replay of municipal's accept: INVALID_STATE" "reply request_id=h1 ERROR_CODE_INVALID_STATE" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe kind=DEPT_ACTION_KIND_ACCEPT) }")"
as municipal "an unknown case: UNKNOWN_CASE" "reply request_id=h1 ERROR_CODE_UNKNOWN_CASE" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref='"GC-99999999"') }")"
as municipal "SQL in a case_ref is just an unknown case" "reply request_id=h1 ERROR_CODE_UNKNOWN_CASE" \
    "$(enc DeptClientMsg <<< "action { $(progress_on_probe case_ref="\"' OR '1'='1\"") }")"
report_ref=$(sql "SELECT ref FROM cases WHERE idempotency_key = '$report_key'")
as sanitation "a replayed inspection report gets its case again, nothing new" "reply request_id=setup ok $report_ref" "$inspection"
served

# ---- the generated catalogue: the rest of the doors, and every field with every fault --------

key=$(gridctl apikey add "t-hostile-$$")
group "the generated catalogue (hostile_catalogue.py)"
while IFS= read -r line; do
    case $line in
        "ok - "*) ok "${line#ok - }" ;;
        "not ok - "*) not_ok "${line#not ok - }" ;;
        "# hostile messages sent: "*) generated=${line##* }; echo "$line" ;;
        *) echo "$line" ;;
    esac
done < <(HC_PROBE=$probe HC_GRID=$g HC_APIKEY=$key timeout -k 5 900 /usr/bin/python3 \
    tests/integration/hostile_catalogue.py "$(dirname "$(command -v gc-rawsend)")" 2>&1)
expect_eq "the generated catalogue ran to its end" "${generated:+yes}" yes
tried=$((tried + ${generated:-0}))
served

# ---- the end: all four daemons serve ------------------------------------------------------

gridctl escalate "$probe" --reason "网格无法解决" >/dev/null
wait_for "escalation still raises a case asked to" 30 field_is "$probe" .level community
wait_for "stats still counts the grid's cases" 30 stat_is $g reported "$(sql "SELECT count(*) FROM cases WHERE area_code = '$g'")"
echo "# hostile messages tried: $tried"
