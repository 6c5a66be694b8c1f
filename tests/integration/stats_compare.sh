#!/usr/bin/env bash
# Compares every figure gc-stats publishes (every area, department and current window) with
# the from-scratch count of stats_recount.sql. Needs GC_PG_DSN, GC_STATS_URL and gridctl on
# PATH, and a quiet system (stats caught up). Usage: stats_compare.sh OUT_DIR
# Writes OUT_DIR/published.txt and OUT_DIR/recount.txt ("AREA WINDOW FIGURE VALUE" lines),
# prints the number of figures compared, and exits non-zero (showing the first differences)
# when any differs.
set -uo pipefail
out=${1:?usage: stats_compare.sh OUT_DIR}
here=$(dirname "$0")
published="$out/published.txt" recount="$out/recount.txt"
# every area snapshot of one round; rates and the mean x 10000, rounded, as the recount does
gridctl stats --json --timeout 5 | jq -r '
    .area as $a | .windows[] | .window as $w | .figures | to_entries[] |
    if (.value | type) == "array" then
        (.key as $k | .value | to_entries[] | "\($a) \($w) \($k)_\(.key) \(.value)")
    elif (.key | test("rate$|seconds$")) then
        (if .key == "median_close_seconds" then empty else "\($a) \($w) \(.key) \(.value * 10000 | round)" end)
    else "\($a) \($w) \(.key) \(.value)" end' > "$published"
for d in $(gridctl departments --json | jq -r '.[].code'); do
    gridctl stats --dept "$d" --json --timeout 5 | jq -r '
        "dept/" + .department as $d | .windows[] | .window as $w | .figures | to_entries[] |
        if (.key | test("rate$")) then "\($d) \($w) \(.key) \(.value * 10000 | round)"
        else "\($d) \($w) \(.key) \(.value)" end'
done >> "$published"
sort -o "$published" "$published"
psql "$GC_PG_DSN" -tA -f "$here/stats_recount.sql" > "$recount"
echo "$(wc -l < "$recount") figures"
if ! diff -q "$recount" "$published" > /dev/null; then
    diff "$recount" "$published" | head -20
    exit 1
fi
