# The board's HTTP side, as a page or any other client uses it (proto/README.md, "The board"):
# the page and its files, views equal to the stream's snapshots, the path and the children,
# unknown areas, the live feed (a closed case reaches an open feed within 2 s; an unknown area
# ends it with an error event), /metrics and /healthz. The page itself is tested in a real
# browser by tests/board. Grid 4101020102 (t_stats_truth's too: only changes are counted here).
g=4101020102
board="http://$GC_BOARD_BIND"

# feed AREA OUT: the live feed of AREA in the background, each line prefixed with the
# milliseconds since the epoch when it arrived; its pid in $feed_pid (ended by the trap)
feed_pid=""
feed() {
    python3 -u - "$board/api/feed?area=$1" > "$2" 2>&1 <<'PY' &
import sys, time, urllib.request, urllib.error
try:
    with urllib.request.urlopen(sys.argv[1], timeout=30) as r:
        print(int(time.time() * 1000), "status", r.status, r.headers.get("Content-Type"))
        for line in r:
            print(int(time.time() * 1000), line.decode().rstrip("\n"))
    print(int(time.time() * 1000), "ended")
except urllib.error.HTTPError as e:
    print(int(time.time() * 1000), "status", e.code)
PY
    feed_pid=$!
}
trap '[ -n "$feed_pid" ] && kill "$feed_pid" 2>/dev/null' EXIT

# ---- the page -------------------------------------------------------------------------------
page=$(http_get "$board/")
expect_eq "GET / serves the page (compiled into gc-board)" \
    "$(head -n 1 <<<"$page") $(grep -c '<html' <<<"$page")" "200 1"
expect_eq "its files are served under /assets/, an unknown one is 404" \
    "$(http_get "$board/assets/index.html" | head -n 1) $(http_get "$board/assets/nothing.js" | head -n 1)" "200 404"
expect_eq "the page may load only its own files (Content-Security-Policy)" \
    "$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).headers["Content-Security-Policy"])' "$board/" | grep -o "default-src 'self'")" \
    "default-src 'self'"
expect_eq "a POST is refused with 405" \
    "$(python3 -c 'import sys, urllib.request, urllib.error
try: urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=b"x"), timeout=5)
except urllib.error.HTTPError as e: print(e.code)' "$board/api/area")" "405"

# ---- views ------------------------------------------------------------------------------------
view_ok() { [ "$(http_get "$board/api/area" | head -n 1)" = 200 ]; }
wait_for "the district's view is served once a whole round arrived" 10 view_ok
district=$(http_get "$board/api/area" | tail -n +2)
expect_eq "without ?area= the view is the district's, with its path" \
    "$(jq -r '"\(.area.area) \(.area.level) \(.area.parent == "") \([.path[].area] | join(","))"' <<<"$district")" \
    "4101 district true 4101"
expect_eq "its children are the district's streets, from the reference data" \
    "$(jq -r '[.children[].area] | join(" ")' <<<"$district")" \
    "$(sql "SELECT string_agg(code, ' ' ORDER BY code COLLATE \"C\") FROM areas WHERE parent_code = '4101'")"
expect_eq "and the view lists every department" \
    "$(jq -r '[.departments[].department] | join(" ")' <<<"$district")" \
    "$(sql "SELECT string_agg(code, ' ' ORDER BY code COLLATE \"C\") FROM departments")"
grid_view=$(http_get "$board/api/area?area=$g" | tail -n +2)
expect_eq "a grid's view: the path from the district, no children" \
    "$(jq -r '"\([.path[].level] | join(",")) \(.path[-1].area) \(.children | length)"' <<<"$grid_view")" \
    "district,street,community,grid $g 0"
unknown=$(http_get "$board/api/area?area=9999")
expect_eq "an unknown area: 404 with the error's code, message and hint" \
    "$(head -n 1 <<<"$unknown") $(tail -n +2 <<<"$unknown" | jq -r '"\(.error.code) \(.error.area) \(.error.message != null) \(.error.hint != null)"')" \
    "404 unknown_area 9999 true true"

# a view's figures are the stream's: the grid's windows as gc-board serves them and as gridctl
# reads them from the stream itself
board_figure() { http_get "$board/api/area?area=$g" | tail -n +2 | jq -r ".area.windows[] | select(.window == \"all\") | .figures.$1"; }
board_has() { [ "$(board_figure reported)" = "$1" ]; }
reported=$(board_figure reported) closed=$(board_figure closed)
a=$(gridctl submit --category drain_cover --grid $g --desc "看板测试：井盖松动")
wait_for "the case is routed" 10 field_is "$a" .status routed
wait_for "the board counts the grid's case" 10 board_has $((reported + 1))
expect_eq "the grid's figures on the board equal the stream's, every window" \
    "$(http_get "$board/api/area?area=$g" | tail -n +2 | jq -S -c '.area.windows')" \
    "$(gridctl stats --area $g --json --timeout 5 | jq -S -c '.windows')"

# ---- the live feed ----------------------------------------------------------------------------
feed $g "$GC_VAR/board-feed.out"
first_view() { grep -q ' event: view$' "$GC_VAR/board-feed.out"; }
wait_for "the feed starts with the grid's view" 5 first_view
expect_eq "as text/event-stream" "$(awk '$2 == "status" {print $3, $4; exit}' "$GC_VAR/board-feed.out")" \
    "200 text/event-stream;"
heartbeats() { grep -c ' event: heartbeat$' "$GC_VAR/board-feed.out"; }
beats=$(heartbeats)
more_heartbeats() { [ "$(heartbeats)" -ge $((beats + 2)) ]; }
wait_for "and forwards each heartbeat of the stream" 5 more_heartbeats
expect_eq "/metrics counts the open feed and says the stream is up" \
    "$(http_get "$board/metrics" | awk '/^gridcase_board_clients /{c=$2} /^gridcase_board_stream_up /{u=$2} END {print (c >= 1), u}')" "1 1"
views_before=$(grep -c ' event: view$' "$GC_VAR/board-feed.out")
expect_eq "no view is sent again while the grid's figures do not change" "$views_before" "1"

gridctl dept resolve "$a" --dept municipal >/dev/null
wait_for "resolved" 10 field_is "$a" .status resolved
sleep 1 # the resolution's view goes out; the closure is what is timed
start=$(date +%s%3N)
gridctl verify "$a" --ok >/dev/null
closes=$((closed + 1))
closed_view() { grep ' data: {"area"' "$GC_VAR/board-feed.out" | tail -n 1 | cut -d' ' -f3- | jq -e ".area.windows[] | select(.window == \"all\") | .figures.closed == $closes" > /dev/null 2>&1; }
if wait_for "the closure reaches the open feed" 5 closed_view; then
    at=$(grep ' data: {"area"' "$GC_VAR/board-feed.out" | while read -r t _ json; do
             jq -e ".area.windows[] | select(.window == \"all\") | .figures.closed == $closes" <<<"$json" > /dev/null && { echo "$t"; break; }; done)
    took=$((at - start))
    if [ "$took" -le 2000 ]; then ok "within 2 s of the verification's reply (${took} ms)"
    else not_ok "within 2 s of the verification's reply" "${took} ms"; fi
fi
kill "$feed_pid" 2>/dev/null; wait "$feed_pid" 2>/dev/null; feed_pid=""

feed 9999 "$GC_VAR/board-feed-unknown.out"
ended() { grep -q ' ended$' "$GC_VAR/board-feed-unknown.out"; }
wait_for "a feed of an unknown area sends its error and ends" 5 ended
expect_eq "the error event names the code" \
    "$(grep -A1 ' event: error$' "$GC_VAR/board-feed-unknown.out" | grep ' data: ' | cut -d' ' -f3- | jq -r .error.code)" "unknown_area"
feed_pid=""

expect_eq "/healthz says the stream is live" "$(http_get "$board/healthz" | sed -n 2p)" "ok: the stats stream is live"
