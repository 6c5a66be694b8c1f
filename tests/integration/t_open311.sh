# The Open311 GeoReport v2 gateway (gc-open311) as a civic client uses it: every method in XML
# and JSON with the shape of the spec's own example documents, a POST routed and followed to
# closed, Idempotency-Key retries, 200 concurrent posts, every bad input refused with nothing
# stored, and no reporter's name or phone in any GET. Grid 4101020105 (its point 113.768,
# 34.778); categories drain_cover and street_light, and neighbour_dispute (no routing rule) for
# the retries and the burst. The contract: proto/README.md, "Open311".
base="http://$GC_OPEN311_BIND/open311/v2"
gets="$GC_VAR/open311-gets.out" # every GET body, grepped for personal data at the end
: > "$gets"

# o311 METHOD PATH [BODY [CONTENT_TYPE [IDEMPOTENCY_KEY]]]: the status on the first line, then
# the body. GET bodies are kept in $gets. curl, not python: this runs about 80 requests.
o311() {
    local args=(-s -m 20 -X "$1" -w '\n%{http_code}') out
    [ "$1" = POST ] && args+=(--data-binary "${3-}" -H "Content-Type: ${4:-application/x-www-form-urlencoded}")
    [ -n "${5-}" ] && args+=(-H "Idempotency-Key: $5")
    out=$(curl "${args[@]}" "$base/$2")
    printf '%s\n%s\n' "${out##*$'\n'}" "${out%$'\n'*}"
    [ "$1" = GET ] && printf '%s\n' "${out%$'\n'*}" >> "$gets"
    return 0
}
status() { head -n 1 <<<"$1"; }
body() { tail -n +2 <<<"$1"; }
# xml_shape DOC: the element paths of an XML document, one per line, sorted and unique
xml_shape() {
    python3 -c '
import sys, xml.etree.ElementTree as ET
root = ET.fromstring(sys.stdin.read().encode())
paths = set()
def walk(e, p):
    paths.add(p)
    for c in e: walk(c, p + "/" + c.tag)
walk(root, root.tag)
print("\n".join(sorted(paths)))'
}
cases() { sql "SELECT count(*) FROM cases"; }

key=$(gridctl apikey add "t-open311-$$")
expect_eq "gridctl apikey add prints a 64-character key" "${#key}" 64
expect_eq "the database keeps only its SHA-256" \
    "$(sql "SELECT key_sha256 = encode(sha256(convert_to('$key', 'UTF8')), 'hex') FROM open311_api_keys WHERE name = 't-open311-$$'")" "t"

# ---- discovery and services ---------------------------------------------------------------------
d=$(o311 GET discovery.json)
expect_eq "discovery.json: the spec's fields, both formats announced" \
    "$(status "$d") $(body "$d" | jq -r '[keys_unsorted[], (.endpoints[0] | keys_unsorted[])] | join(",")') $(body "$d" | jq -r '.endpoints[0].formats | join(",")')" \
    "200 changeset,contact,key_service,endpoints,specification,url,changeset,type,formats text/xml,application/json"
d=$(o311 GET discovery.xml)
expect_eq "discovery.xml: the spec's elements" "$(body "$d" | xml_shape | tr '\n' ' ')" \
    "discovery discovery/changeset discovery/contact discovery/endpoints discovery/endpoints/endpoint discovery/endpoints/endpoint/changeset discovery/endpoints/endpoint/formats discovery/endpoints/endpoint/formats/format discovery/endpoints/endpoint/specification discovery/endpoints/endpoint/type discovery/endpoints/endpoint/url discovery/key_service "

s=$(o311 GET services.json)
expect_eq "services.json lists every category by code, with its Chinese name" \
    "$(status "$s") $(body "$s" | jq -r '[.[] | "\(.service_code)=\(.service_name)"] | join(" ")')" \
    "200 $(sql "SELECT string_agg(code || '=' || name, ' ' ORDER BY code) FROM categories")"
expect_eq "each service has the spec's fields, metadata false (no attributes), realtime" \
    "$(body "$s" | jq -r '[.[] | "\(keys_unsorted | join(","))/\(.metadata)/\(.type)"] | unique | join(" ")')" \
    "service_code,service_name,description,metadata,type,keywords,group/false/realtime"
x=$(o311 GET services.xml)
expect_eq "services.xml: the spec's shape and the same services" \
    "$(body "$x" | xml_shape | tr '\n' ' ') $(body "$x" | grep -o '<service_code>[^<]*' | wc -l)" \
    "services services/service services/service/description services/service/group services/service/keywords services/service/metadata services/service/service_code services/service/service_name services/service/type  $(sql "SELECT count(*) FROM categories")"
expect_eq "services (no suffix) is XML, the spec's default" \
    "$(o311 GET services | sed -n 2p | cut -c1-5)" "<?xml"
s=$(o311 GET services/drain_cover.json)
expect_eq "services/CODE.json: a definition without attributes" \
    "$(status "$s") $(body "$s" | jq -c .)" '200 {"service_code":"drain_cover","attributes":[]}'
x=$(o311 GET services/drain_cover.xml)
expect_eq "services/CODE.xml: service_definition" \
    "$(status "$x") $(body "$x" | xml_shape | tr '\n' ' ')" \
    "200 service_definition service_definition/attributes service_definition/service_code "
expect_eq "an unknown service: 404 in the spec's error format, both formats" \
    "$(o311 GET services/no_such.json | tr '\n' ' ') $(o311 GET services/no_such.xml | body "$(cat)" | xml_shape | tr '\n' ' ')" \
    '404 [{"code":404,"description":"service_code: no such service"}]  errors errors/error errors/error/code errors/error/description '

# ---- POST requests, then GET: routed, then closed ---------------------------------------------
before=$(cases)
p=$(o311 POST requests.xml "api_key=$key&jurisdiction_id=4101&service_code=drain_cover&lat=34.778&long=113.768&address_string=%E9%98%BF%E5%8D%A1%E8%BF%AA%E4%BA%9A%E5%B0%8F%E5%8C%BA3%E5%8F%B7%E6%A5%BC&description=%E4%BA%95%E7%9B%96%E7%A0%B4%E6%8D%9F&first_name=%E7%A7%80%E8%8B%B1&last_name=%E6%AC%A7%E9%98%B3&phone=13712345678&email=ouyang%40example.org")
a=$(body "$p" | grep -o 'GC-[0-9]*' | head -n 1)
expect_eq "POST requests.xml (form data): 200 and the new case's id, the spec's shape" \
    "$(status "$p") ${a:0:3} $(body "$p" | xml_shape | tr '\n' ' ')" \
    "200 GC- service_requests service_requests/request service_requests/request/account_id service_requests/request/service_notice service_requests/request/service_request_id "
expect_eq "the case went through intake: a resident's report in the grid holding the point, the reporter kept" \
    "$(sql "SELECT category, area_code, source, description, address, reporter_name, reporter_phone FROM cases WHERE ref = '$a'")" \
    "drain_cover|4101020105|resident|井盖破损|阿卡迪亚小区3号楼|欧阳秀英|13712345678"
j=$(o311 POST requests.json "{\"api_key\": \"$key\", \"service_code\": \"street_light\", \"lat\": 34.7785, \"long\": 113.7685, \"description\": \"路灯不亮\", \"first_name\": \"Jane\", \"last_name\": \"Roe\", \"phone\": \"13798765432\"}" application/json)
b=$(body "$j" | jq -r '.[0].service_request_id')
expect_eq "POST requests.json (a JSON body): 200, [{service_request_id, service_notice, account_id}]" \
    "$(status "$j") $(body "$j" | jq -r '.[0] | keys_unsorted | join(",")') $(sql "SELECT reporter_name FROM cases WHERE ref = '$b'")" \
    "200 service_request_id,service_notice,account_id Jane Roe"
expect_eq "two posts, two cases" "$(cases)" "$((before + 2))"
w=$(o311 POST requests.json "api_key=$key&service_code=street_light&lat=34.7782&long=113.7682&description=%E7%AC%AC%E4%B8%80%E8%A1%8C%0D%0A%E7%AC%AC%E4%BA%8C%E8%A1%8C")
expect_eq "a web form's CRLF lines are stored as newlines (intake refuses CR)" \
    "$(status "$w") $(sql "SELECT description = E'第一行\\n第二行' FROM cases WHERE ref = '$(body "$w" | jq -r '.[0].service_request_id')'")" "200 t"

wait_for "the posted case is routed" 10 field_is "$a" .status routed
dept=$(sql "SELECT department FROM case_assignments x JOIN cases c ON c.id = x.case_id WHERE c.ref = '$a' AND is_lead")
g=$(o311 GET "requests/$a.json")
expect_eq "GET requests/ID.json: the spec's fields in its order" \
    "$(status "$g") $(body "$g" | jq -r '.[0] | keys_unsorted | join(",")')" \
    "200 service_request_id,status,status_notes,service_name,service_code,description,agency_responsible,service_notice,requested_datetime,updated_datetime,expected_datetime,address,address_id,zipcode,lat,long,media_url"
expect_eq "routed: open, the lead department as agency, the grid, the point, the category's name" \
    "$(body "$g" | jq -r '.[0] | "\(.status) \(.agency_responsible) \(.address_id) \(.lat) \(.long) \(.service_name)"')" \
    "open $(sql "SELECT name FROM departments WHERE code = '$dept'") 4101020105 34.778 113.768 排水井盖破损"
expect_eq "requested/expected datetimes with the district's offset, equal to the case's" \
    "$(body "$g" | jq -r '.[0] | "\(.requested_datetime) \(.expected_datetime)"')" \
    "$(sql "SELECT to_char(created_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00 ' || to_char(deadline_at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS') || '+08:00' FROM cases WHERE ref = '$a'")"
x=$(o311 GET "requests/$a.xml")
expect_eq "GET requests/ID.xml: service_requests/request with the same fields" \
    "$(status "$x") $(body "$x" | xml_shape | sed 's|service_requests/request/||' | tr '\n' ' ')" \
    "200 service_requests service_requests/request address address_id agency_responsible description expected_datetime lat long media_url requested_datetime service_code service_name service_notice service_request_id status status_notes updated_datetime zipcode "

gridctl dept accept "$a" --dept "$dept" --note "已派人查看" > /dev/null
gridctl dept resolve "$a" --dept "$dept" --note "已更换井盖" > /dev/null
g=$(o311 GET "requests/$a.json")
expect_eq "resolved by the department, not yet verified: still open, with the department's note" \
    "$(body "$g" | jq -r '.[0] | "\(.status) \(.status_notes)"')" "open 已更换井盖"
gridctl verify "$a" --ok --note "网格员核实已修复" > /dev/null
g=$(o311 GET "requests/$a.json")
expect_eq "closed by the grid: closed, with the grid's note" \
    "$(body "$g" | jq -r '.[0] | "\(.status) \(.status_notes)"')" "closed 网格员核实已修复"
x=$(o311 GET "requests/$a.xml")
expect_eq "and the same in XML" "$(body "$x" | grep -o '<status>[a-z]*</status><status_notes>[^<]*')" \
    "<status>closed</status><status_notes>网格员核实已修复"

# ---- GET requests with filters --------------------------------------------------------------
ids() { body "$1" | jq -r '[.[].service_request_id] | sort | join(",")'; }
expect_eq "service_request_id: a list, in any order; other filters ignored" \
    "$(ids "$(o311 GET "requests.json?service_request_id=$b,%20$a&status=open&service_code=x")")" \
    "$(printf '%s\n' "$a" "$b" | sort | paste -sd,)"
recent=$(o311 GET "requests.json?service_code=drain_cover,street_light")
expect_eq "the default window (the last 90 days) has both, newest first" \
    "$(body "$recent" | jq -r '[.[].service_request_id] | index("'"$b"'") < index("'"$a"'")')" "true"
expect_eq "service_code filters" \
    "$(body "$(o311 GET "requests.json?service_code=street_light")" | jq -r '[.[].service_code] | unique | join(",")')" "street_light"
expect_eq "status=closed has the closed case and not the open one" \
    "$(body "$(o311 GET "requests.json?status=closed")" | jq -r '[.[].service_request_id] | (index("'"$a"'") != null) and (index("'"$b"'") == null)')" "true"
expect_eq "status=open the other way round" \
    "$(body "$(o311 GET "requests.json?status=open&service_code=street_light")" | jq -r '[.[].service_request_id] | (index("'"$a"'") == null) and (index("'"$b"'") != null)')" "true"
now=$(sql "SELECT to_char(gc_now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD')")
expect_eq "start_date and end_date: a window that holds today holds both, one in the future none" \
    "$(body "$(o311 GET "requests.json?start_date=${now}T00:00:00%2B08:00&end_date=${now}T23:59:59%2B08:00&service_code=drain_cover,street_light")" | jq -r "[.[].service_request_id] | (index(\"$a\") != null) and (index(\"$b\") != null)") $(body "$(o311 GET "requests.json?start_date=2099-01-01")" | jq length)" \
    "true 0"
expect_eq "at most 1000 requests" "$(body "$recent" | jq 'length <= 1000')" "true"
expect_eq "requests.xml: service_requests" "$(body "$(o311 GET "requests.xml?service_request_id=$a")" | xml_shape | sed -n 1,2p | tr '\n' ' ')" \
    "service_requests service_requests/request "

# ---- Idempotency-Key -------------------------------------------------------------------------
# neighbour_dispute has no routing rule: these cases wait in a triage queue and load no
# department's delivery stream that other tests in the lane listen to
form="api_key=$key&service_code=neighbour_dispute&lat=34.7781&long=113.7681&description=%E5%99%AA%E9%9F%B3%E6%89%B0%E6%B0%91"
before=$(cases)
r1=$(o311 POST requests.json "$form" "" "retry-$$")
r2=$(o311 POST requests.json "$form" "" "retry-$$")
expect_eq "the same Idempotency-Key twice: one case, the same id" \
    "$(body "$r1" | jq -r '.[0].service_request_id') $(($(cases) - before))" \
    "$(body "$r2" | jq -r '.[0].service_request_id') 1"
r3=$(o311 POST requests.json "${form}%EF%BC%8C%E5%8F%88%E6%9D%A5%E4%BA%86" "" "retry-$$")
expect_eq "the same Idempotency-Key for another description: 409, naming the first case, nothing stored" \
    "$(status "$r3") $(body "$r3" | jq -r '.[0].code') $(body "$r3" | jq -r '.[0].description' | grep -c -- "$(body "$r1" | jq -r '.[0].service_request_id')") $(($(cases) - before))" \
    "409 409 1 1"
o311 POST requests.json "$form" > /dev/null
o311 POST requests.json "$form" > /dev/null
expect_eq "without it, each POST is a new case" "$(($(cases) - before))" 3

# ---- 200 concurrent posts --------------------------------------------------------------------
before=$(cases)
started=$SECONDS
out=$(python3 - "$base/requests.json" "$key" "$$" <<'PY'
import sys, json, urllib.request, urllib.error
from concurrent.futures import ThreadPoolExecutor
url, key, run = sys.argv[1:4]
def post(i):
    body = ("api_key=%s&service_code=neighbour_dispute&lat=34.7779&long=113.7679&description=load+%d" % (key, i)).encode()
    req = urllib.request.Request(url, data=body, method="POST")
    req.add_header("Idempotency-Key", "burst-%s-%d" % (run, i))
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, json.loads(r.read())[0]["service_request_id"]
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except Exception as e:
        return 0, repr(e)
with ThreadPoolExecutor(200) as pool:
    results = list(pool.map(post, range(200)))
ok = [r for s, r in results if s == 200]
print(len(ok), len(set(ok)), [r for r in results if r[0] != 200][:3])
PY
)
expect_eq "200 concurrent POSTs: 200 answers, 200 different ids" "$out" "200 200 []"
expect_eq "and 200 cases stored, each under its key, once" \
    "$(($(cases) - before)) $(sql "SELECT count(DISTINCT idempotency_key) FROM cases WHERE idempotency_key LIKE 'open311/t-open311-$$/k/burst-$$-%'")" "200 200"
echo "# 200 concurrent posts took $((SECONDS - started)) s"

# ---- bad input: refused in the spec's format, nothing stored -----------------------------------
before=$(cases)
refused() { # NAME STATUS DESCRIPTION_PART METHOD PATH [BODY [TYPE]]
    local name=$1 want=$2 part=$3 r; shift 3
    r=$(o311 "$@")
    if [ "$(status "$r")" = "$want" ] && body "$r" | jq -e --argjson c "$want" '.[0].code == $c' > /dev/null 2>&1 \
        && body "$r" | jq -r '.[0].description' | grep -q -- "$part"; then ok "$name"
    else not_ok "$name" "expected $want with '$part', got: $r"; fi
}
good="service_code=drain_cover&lat=34.778&long=113.768&description=x"
refused "an unknown api_key: 403" 403 api_key POST requests.json "api_key=nope&$good"
refused "no api_key: 403" 403 api_key POST requests.json "$good"
refused "an unknown service code: 400" 400 service_code POST requests.json "api_key=$key&service_code=no_such&lat=34.778&long=113.768&description=x"
refused "a point outside the district: 400" 400 "outside the district" POST requests.json "api_key=$key&service_code=drain_cover&lat=39.9&long=116.4&description=x"
refused "a missing description: 400" 400 description POST requests.json "api_key=$key&service_code=drain_cover&lat=34.778&long=113.768"
refused "a blank description: 400" 400 description POST requests.json "api_key=$key&service_code=drain_cover&lat=34.778&long=113.768&description=++"
refused "lat without long: 400" 400 "lat and long" POST requests.json "api_key=$key&service_code=drain_cover&lat=34.778&description=x"
refused "a latitude that is not a number: 400" 400 "lat and long" POST requests.json "api_key=$key&service_code=drain_cover&lat=nan&long=113.768&description=x"
refused "no location at all: 400" 400 location POST requests.json "api_key=$key&service_code=drain_cover&description=x"
refused "an address naming no street: 400" 400 address_string POST requests.json "api_key=$key&service_code=drain_cover&address_string=nowhere&description=x"
refused "malformed JSON: 400" 400 "well-formed" POST requests.json "{\"api_key\": \"$key\", \"description\": " application/json
refused "a JSON array, not an object: 400" 400 "well-formed" POST requests.json "[1]" application/json
refused "a nested JSON value: 400" 400 "well-formed" POST requests.json "{\"api_key\": \"$key\", \"description\": {\"a\": 1}}" application/json
refused "form data with a bad %-escape: 400" 400 "well-formed" POST requests.json "api_key=$key&$good&description=%ZZ"
refused "form data that is not UTF-8: 400" 400 "well-formed" POST requests.json "api_key=$key&$good&description=%FF%FE"
refused "an oversized body: 413" 413 "larger" POST requests.json "api_key=$key&$good&description=$(head -c 20000 /dev/zero | tr '\0' x)"
refused "another Content-Type: 415" 415 "Content-Type" POST requests.json "x" text/plain
refused "a bad Idempotency-Key: 400" 400 Idempotency-Key POST requests.json "api_key=$key&$good" "" "has space"
refused "another jurisdiction: 404" 404 jurisdiction_id POST requests.json "api_key=$key&jurisdiction_id=1101&$good"
refused "an unknown service_request_id: 404" 404 service_request_id GET requests/GC-99999999.json
refused "a bad start_date: 400" 400 start_date GET "requests.json?start_date=yesterday"
refused "a window over 90 days: 400" 400 "90 days" GET "requests.json?start_date=2026-01-01&end_date=2026-12-01"
refused "an unknown status: 400" 400 status GET "requests.json?status=pending"
refused "POST to services: 405" 405 method POST services.json "x"
refused "an unknown path: 404" 404 "not found" GET nothing.json
r=$(o311 GET requests.csv)
expect_eq "an unsupported format suffix: 400, in XML (the default)" \
    "$(status "$r") $(body "$r" | grep -o '<code>400</code><description>[^<]*')" \
    "400 <code>400</code><description>format: .xml or .json"
expect_eq "nothing was stored by any of them" "$(cases)" "$before"
gridctl apikey revoke "t-open311-$$" > /dev/null
refused "a revoked api_key: 403" 403 api_key POST requests.json "api_key=$key&$good"
expect_eq "still nothing stored; gridctl apikey list shows it revoked" \
    "$(cases) $(gridctl apikey list --json | jq -r '.[] | select(.name == "t-open311-'$$'") | .revoked_at != null')" "$before true"
m=$(http_get "http://$GC_OPEN311_BIND/metrics")
expect_eq "/metrics counts the posts (new and retried) and the refusals" \
    "$(awk '/^gridcase_open311_cases_total\{kind="new"\}/ {n = $2 >= 205} /^gridcase_open311_cases_total\{kind="already_known"\}/ {k = $2 >= 1} /^gridcase_open311_responses_total\{class="4xx"\}/ {e = $2 >= 20} END {print n, k, e}' <<<"$m") $(grep -c '^gridcase_build_info{' <<<"$m")" \
    "1 1 1 1"
expect_eq "the gateway keeps serving" "$(http_get "http://$GC_OPEN311_BIND/healthz" | head -n 1) $(status "$(o311 GET services.json)")" "200 200"

# ---- an address without a point: the street's triage queue ------------------------------------
key2=$(gridctl apikey add "t-open311-b-$$")
t=$(o311 POST requests.json "api_key=$key2&service_code=drain_cover&address_string=%E7%A5%AD%E5%9F%8E%E8%B7%AF%E8%A1%97%E9%81%93%E5%86%9C%E4%B8%9A%E4%B8%9C%E8%B7%AF&description=%E4%BA%95%E7%9B%96%E4%B8%A2%E5%A4%B1")
t=$(body "$t" | jq -r '.[0].service_request_id')
wait_for "address_string alone (祭城路街道...): the street's triage queue" 10 field_is "$t" .status triage
expect_eq "GET shows it at the street" "$(body "$(o311 GET "requests/$t.json")" | jq -r '.[0] | "\(.address_id) \(.lat)"')" "410102 null"

# ---- no reporter's data anywhere in a GET; the role cannot read it ------------------------------
o311 GET "requests.json?service_code=drain_cover,street_light" > /dev/null
o311 GET "requests.xml" > /dev/null
expect_eq "no GET body holds a reporter's name or phone (every byte grepped)" \
    "$(grep -c -e 欧阳 -e 秀英 -e 13712345678 -e Jane -e Roe -e 13798765432 -e ouyang "$gets")" 0
expect_eq "the gets checked hold the posted cases" "$(grep -c "$a" "$gets" | awk '{print ($1 > 0)}')" 1
as_open311() { psql "$GC_PG_DSN user=gridcase_open311" -tAc "$1" 2>&1; }
expect_eq "gridcase_open311 cannot read the reporters' names" \
    "$(as_open311 "SELECT reporter_name FROM cases LIMIT 1" | grep -c 'permission denied')" 1
expect_eq "nor read cases at all, only the view" \
    "$(as_open311 "SELECT count(*) FROM cases" | grep -c 'permission denied') $(as_open311 "SELECT count(*) > 0 FROM open311_requests")" "1 t"
expect_eq "nor write an api key" \
    "$(as_open311 "DELETE FROM open311_api_keys" | grep -c 'permission denied')" 1
