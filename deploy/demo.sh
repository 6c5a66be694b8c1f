#!/usr/bin/env bash
# A scripted demo day in the district from our product brief, through gridctl, on a private
# stack under var/demo. Prints what happens as it happens (the event stream, live) and the final
# statistics; exits 0 only if everything happened as scripted. Usage: deploy/demo.sh BIN_DIR
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$(cd "${1:?usage: demo.sh BIN_DIR}" && pwd)
export GC_VAR=var/demo GC_PORT_BASE=${GC_DEMO_PORT_BASE:-7200}
export GC_ESCALATION_TICK_MS=200 GC_STATS_INTERVAL_MS=500 GC_TEST_CLOCK=1
export PATH="$bin:$PATH"
pids=()
follower=0
finish() {
    local rc=$?
    pkill -P "$follower" 2>/dev/null || true  # the event pipeline's gridctl and jq
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    deploy/stack.sh down >/dev/null 2>&1 || true
    [ $rc -eq 0 ] && echo "demo: the day went as scripted" || echo "demo: FAILED (logs in $GC_VAR/log)"
    exit $rc
}
trap finish EXIT

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
fail() { echo "demo: expected $1" >&2; exit 1; }
field() { gridctl show "$1" --json | jq -r "$2"; }
# await REF JQ_FILTER VALUE: wait up to 10 s for a case field to reach a value
await() {
    for _ in $(seq 100); do [ "$(field "$1" "$2")" == "$3" ] && return 0; sleep 0.1; done
    fail "$1 $2 = $3, found $(field "$1" "$2")"
}

# every demo day starts from an empty district database
deploy/stack.sh down >/dev/null 2>&1 || true
[ -e "$GC_VAR/pg/pgdata" ] && rm -rf "$(readlink -f "$GC_VAR/pg/pgdata")"
rm -rf "$GC_VAR"
deploy/stack.sh up "$bin" | head -n 6
# shellcheck disable=SC1091
. "$GC_VAR/env"
# the event stream, printed live while the day unfolds
( gridctl events | jq -r --unbuffered '"    [event #\(.seq)] \(.case_ref) \(.kind) level=\(.level) status=\(.status)\(if .department != "" then " dept=" + .department else "" end)\(if .note != "" then " (" + .note + ")" else "" end)"' ) 2>/dev/null &
follower=$!
disown $follower  # stopped by finish(); no "Terminated" notice
gridctl dept listen municipal > "$GC_VAR/municipal.out" &
pids+=($!)
gridctl dept listen cityman > "$GC_VAR/cityman.out" &
pids+=($!)
disown "${pids[@]}"
sleep 0.5

say "08:30 张珂, grid leader of 石化路网格, reports a broken drain cover on 石化路"
drain=$(gridctl submit --category drain_cover --grid 4101010101 --source grid_worker \
        --reporter 张珂 --phone 13900001004 --desc "石化路排水井盖破损，车多，已有行人绊倒")
echo "  case $drain"
await "$drain" .status routed
for _ in $(seq 50); do grep -q "$drain" "$GC_VAR/municipal.out" && break; sleep 0.1; done
grep -q "$drain" "$GC_VAR/municipal.out" || fail "municipal works to receive $drain"
echo "  municipal works' client received: $(grep "$drain" "$GC_VAR/municipal.out")"
gridctl dept accept "$drain" --dept municipal >/dev/null
gridctl dept resolve "$drain" --dept municipal --note "已更换球墨铸铁井盖" >/dev/null
gridctl verify "$drain" --ok --note "张珂现场查看：已修好" --as 4101010101-L >/dev/null
await "$drain" .status closed

say "09:10 a resident drops a pin on the map: the street light on 石化路 is out again"
light=$(gridctl submit --category street_light --lon 113.7080 --lat 34.7250 --desc "石化路路灯安装后经常不亮")
[ "$(field "$light" .area)" == 4101010101 ] || fail "the pin to be filed under 石化路网格"
await "$light" .status routed
gridctl dept resolve "$light" --dept municipal --note "更换镇流器" >/dev/null
gridctl verify "$light" --ok --as 4101010101-W1 >/dev/null
await "$light" .status closed

say "10:00 a volunteer grid member reports street vending blocking 映月路 by the tea market"
vending=$(gridctl submit --category street_vending --grid 4101010204 --source volunteer \
          --desc "茶城门口占道经营，堵塞通行")
await "$vending" .status routed
gridctl dept accept "$vending" --dept cityman >/dev/null
echo "  city management accepted it, then nothing happens..."

say "11:20 a neighbour dispute in 阿卡迪亚: the grid leader settles it on the spot (小事不出网格)"
dispute=$(gridctl submit --category neighbour_dispute --grid 4101020102 --desc "楼上装修噪音引发邻里纠纷")
await "$dispute" .status triage
gridctl spot "$dispute" --note "网格长上门调解，双方和解" --as 4101020102-L >/dev/null
await "$dispute" .status closed

say "13:30 a water leak sets two families in 映月路社区 at odds; the grid leader's mediation fails"
leak=$(gridctl submit --category neighbour_dispute --grid 4101010203 --reporter 李秀兰 \
       --desc "楼上卫生间漏水到楼下，两家多次争吵，网格员调解两次未果")
await "$leak" .status triage
gridctl escalate "$leak" --reason "网格调解两次未成，双方同意请社区调委会出面" --as 4101010203-W1 >/dev/null
await "$leak" .level community
if out=$(gridctl spot "$leak" --note "网格长再次调解" --as 4101010203-L 2>&1); then
    fail "the grid leader to be refused a case at the community"
fi
echo "  the grid leader can no longer close it: ${out#gridctl: }"

say "14:00 映月路社区's leader settles it on the spot with both families (小事不出社区)"
gridctl spot "$leak" --level community --actor "community-leader:41010102" --as 41010102-L \
    --note "社区调委会上门调解：楼上修复防水层，赔偿楼下墙面修缮费，双方签订调解协议" >/dev/null
await "$leak" .status closed
await "$leak" '.timeline[-1] | "\(.kind) \(.level)"' "resolved_on_spot community"

say "15:00 overhead cables tangle over 八里庙社区: the carriers and municipal works pass the buck"
cables=$(gridctl submit --category overhead_cables --grid 4101020301 --source grid_worker \
         --desc "八里庙村口空中线缆杂乱下垂，三家运营商互相推诿")
await "$cables" .status routed
gridctl escalate "$cables" --reason "网格协调不动运营商" --as 4101020301-W1 >/dev/null
await "$cables" .level community
gridctl escalate "$cables" --reason "社区协调不动运营商，请街道出面" --as 41010203-S1 >/dev/null
await "$cables" .level street

say "16:30 祭城路街道's leader calls the carriers to the site and it is settled there (大事不出街道)"
gridctl spot "$cables" --level street --actor "street-leader:410102" --as 410102-L \
    --note "街道召集三家运营商现场会，当场约定统一整治捆扎，次日完成" >/dev/null
await "$cables" .status closed
await "$cables" '.timeline[-1] | "\(.kind) \(.level)"' "resolved_on_spot street"
for _ in $(seq 50); do grep "$cables" "$GC_VAR/municipal.out" | grep -q withdrawn && break; sleep 0.1; done
grep "$cables" "$GC_VAR/municipal.out" | grep -q withdrawn || fail "municipal works to be told $cables was withdrawn"
echo "  municipal works' client was told to stop: $(grep "$cables" "$GC_VAR/municipal.out" | grep withdrawn)"

say "The vending case misses its 8 h grid deadline: the clock moves on 8 hours"
gridctl clock advance $((8 * 3600 + 60)) >/dev/null
await "$vending" .level community
say "...and its 12 h community deadline: it goes up to the street (大事不出街道)"
gridctl clock advance $((12 * 3600 + 60)) >/dev/null
await "$vending" .level street
gridctl dept resolve "$vending" --dept cityman --note "街道联合执法，摊位迁入便民市场" >/dev/null
gridctl verify "$vending" --ok --as 410101-L >/dev/null
await "$vending" .status closed

say "The vending case's timeline"
gridctl show "$vending"

say "End of the day: the district's figures from the stats stream"
# the all-time window: what the district has handled since it started
all_time() { gridctl stats --area 4101 --json | jq '.windows[] | select(.window == "all") | .figures'; }
for _ in $(seq 50); do
    [ "$(all_time | jq .closed)" == 6 ] && break; sleep 0.1
done
gridctl stats --area 4101
gridctl stats --area 410101
gridctl stats --area 410102
f=$(all_time)
[ "$(jq -r '[.reported, .closed, .closed_at_grid, .closed_at_community, .closed_at_street, .resolved_on_spot, .escalated_to_community, .escalated_to_street] | @tsv' <<<"$f")" == $'6\t6\t3\t1\t2\t3\t3\t2' ] \
    || fail "district figures reported 6, closed 6 (at grid 3, community 1, street 2), on the spot 3, escalated to the community 3 and to the street 2: $f"

say "The district board (http://$GC_BOARD_BIND/ while a stack runs; make up keeps one running)"
board=$(python3 -c 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode())' \
    "http://$GC_BOARD_BIND/api/area?area=4101")
jq -r '.area.windows[] | select(.window == "all") | .figures |
    "  结案率 \(.closed_of_due_rate.numerator)/\(.closed_of_due_rate.denominator), 小事不出网格 \(.closed_at_grid_of_closed_rate.percent)%, 矛盾不上交 \(.stayed_below_district_of_reported_rate.percent)%"' <<<"$board"
[ "$(jq -c '.area.windows[] | select(.window == "all") | .figures | [.reported, .closed]' <<<"$board")" == "[6,6]" ] \
    || fail "the board to show the stream's figures (6 reported, 6 closed): $board"
