# One configuration, two ways to run. docker-compose.yml is checked against what the
# daemons document and against what `make up` uses; then its migrate job and each daemon run
# here, as children of this test, with exactly the environment the compose file gives them (only
# the container's addresses and paths mapped to this machine's: spare ports, the test cluster, a
# secrets directory); each must become ready, pass its compose health check, stop on SIGTERM
# with status 0 within seconds and log its stop. Bad settings are refused with status 2 and a
# message naming the variable. Grid 4101020301.
g=4101020301
cfg=$PWD/$GC_VAR/t_config
rm -rf "$cfg"
mkdir -p "$cfg/secrets" "$GC_VAR/log"
rm -f "$GC_VAR"/log/t_config-*.log
chmod 700 "$cfg/secrets"
daemons=(intake routing escalation stats board open311)
db_daemons=(intake routing escalation stats open311) # gc-board follows the stats stream only
declare -A pids=()
forwarder=""
restore_roles=""

cleanup_config() {
    local p
    for p in "${pids[@]}" $forwarder; do kill -KILL "$p" 2>/dev/null; done
    [ -n "$restore_roles" ] && psql "$GC_PG_DSN" -qc "$restore_roles" >/dev/null 2>&1
}
trap cleanup_config EXIT

# the settings a daemon documents in --help, one name a line
help_names() { env -i PATH="$PATH" "gc-$1" --help | awk '/^  [A-Z][A-Z0-9_]+ /{print $1}'; }
# as_setting NAME LIST: NAME if LIST has it, else NAME without _FILE if LIST has that (a setting
# read from a file), else nothing
as_setting() {
    if grep -qx -- "$1" <<<"$2"; then echo "$1"
    elif [ "${1%_FILE}" != "$1" ] && grep -qx -- "${1%_FILE}" <<<"$2"; then echo "${1%_FILE}"; fi
}

# expect_refusal NAME PATTERN DAEMON [VAR=VALUE...]: the daemon, with only these settings, exits
# with status 2 at once and its message contains PATTERN
expect_refusal() {
    local name=$1 pattern=$2 d=$3 out rc
    shift 3
    out=$(env -i PATH="$PATH" "$@" timeout -k 5 10 "gc-$d" 2>&1 < /dev/null)
    rc=$?
    if [ $rc -ne 2 ]; then not_ok "$name" "gc-$d $* exited $rc (expected 2): $out"
    elif ! grep -qF -- "$pattern" <<<"$out"; then not_ok "$name" "expected '$pattern' in: $out"
    else ok "$name"; fi
}

# ---- the compose file ----------------------------------------------------------------------
compose=""
if command -v docker-compose >/dev/null 2>&1 && /usr/bin/python3 -c 'import yaml' 2>/dev/null; then
    : > "$cfg/empty.env"
    # a clean environment: no .env, none of this stack's variables
    if env -i PATH="$PATH" HOME="$HOME" docker-compose --project-directory . -f docker-compose.yml \
            --env-file "$cfg/empty.env" config > "$cfg/compose.yml" 2> "$cfg/compose.err"; then
        ok "docker-compose config accepts docker-compose.yml without a .env"
        /usr/bin/python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"))' \
            "$cfg/compose.yml" "$cfg/compose.json" && compose=$cfg/compose.json
    else
        not_ok "docker-compose config accepts docker-compose.yml without a .env" "$(cat "$cfg/compose.err")"
    fi
    expect_eq "every variable it uses has a default (no 'is not set' warning)" \
        "$(grep -c 'is not set' "$cfg/compose.err")" "0"
    expect_ok "and it accepts .env.example as its .env" env -i PATH="$PATH" HOME="$HOME" \
        docker-compose --project-directory . -f docker-compose.yml --env-file .env.example config -q
else
    ok "# SKIP docker-compose or PyYAML is not installed (make deps installs them): compose checks skipped"
fi

used=$(grep -oP '(?<!\$)\$\{\K[A-Za-z_][A-Za-z0-9_]*' docker-compose.yml | sort -u)
documented=$(grep -oE '^[A-Z_][A-Z0-9_]*=' .env.example | tr -d = | sort -u)
expect_eq "every variable docker-compose.yml reads is documented in .env.example" \
    "$(comm -23 <(echo "$used") <(echo "$documented") | tr '\n' ' ')" ""
expect_eq "every variable in .env.example is one docker-compose.yml reads (or compose's own)" \
    "$(comm -13 <(echo "$used") <(echo "$documented") | grep -v '^COMPOSE_' | tr '\n' ' ')" ""
all_settings=$(help_names intake)
expect_eq "every daemon setting is described in .env.example" \
    "$(for n in $all_settings; do grep -qw -- "$n" .env.example || echo -n "$n "; done)" ""
# what `make up` gives its daemons (deploy/stack.sh): the same names
stack_names=$( (grep -oE 'GC_[A-Z_]+=' "$GC_VAR/env" | tr -d =; grep -oE 'GC_[A-Z_]+=' deploy/stack.sh | tr -d =) | sort -u)
expect_eq "every setting deploy/stack.sh uses is a documented setting" \
    "$(comm -23 <(echo "$stack_names") <(echo "$all_settings" | sort) | tr '\n' ' ')" ""

# README's configuration tables: every setting a daemon reads (from their --help), gridctl's own
# (what it getenv()s) and deploy/stack.sh's (what it reads as ${GC_...}), and nothing else
readme_names=$(awk '/^## Configuration/ {on = 1; next} /^##[^#]/ {on = 0} on' README.md |
    grep -oE '^\| `[A-Z_][A-Z0-9_]*`( / `[A-Z_][A-Z0-9_]*`)?' | grep -oE '[A-Z][A-Z0-9_]+' | sort -u)
code_names=$( (echo "$all_settings"; grep -ohE 'getenv\("[A-Z_][A-Z0-9_]*"\)' tools/gridctl/*.c | grep -oE '[A-Z][A-Z0-9_]+';
    grep -oE '\$\{GC_[A-Z0-9_]+' deploy/stack.sh | tr -d '${') | sort -u)
expect_eq "README's configuration tables name every setting the daemons, gridctl and make up read" \
    "$(comm -23 <(echo "$code_names") <(echo "$readme_names") | tr '\n' ' ')" ""
expect_eq "and no setting that nothing reads" \
    "$(comm -13 <(echo "$code_names") <(echo "$readme_names") | tr '\n' ' ')" ""

if [ -n "$compose" ]; then
    svc() { jq -r --arg s "$1" ".services[\$s] | $2" "$compose"; }
    compose_names=$(jq -r '.services[].environment // {} | keys[]' "$compose" | sort -u |
        while read -r n; do as_setting "$n" "$all_settings"; done | sort -u)
    expect_eq "every setting deploy/stack.sh uses is set under the same name in docker-compose.yml" \
        "$(comm -23 <(echo "$stack_names") <(echo "$compose_names") | tr '\n' ' ')" ""
    for d in "${daemons[@]}"; do
        documented_by_d=$(help_names "$d")
        expect_eq "every variable docker-compose.yml sets for $d is in gc-$d --help (NAME_FILE as NAME)" \
            "$(svc "$d" '.environment | keys[]' | while read -r n; do
                   [ -n "$(as_setting "$n" "$documented_by_d")" ] || echo -n "$n "; done)" ""
        expect_eq "$d: exec-form command, restart unless-stopped, a stop grace period" \
            "$(svc "$d" '"\(.command | tojson) \(.restart) \(.stop_grace_period != null)"')" \
            "[\"gc-$d\"] unless-stopped true"
        expect_eq "$d: starts once PostgreSQL is healthy and the migrate job has succeeded" \
            "$(svc "$d" '"\(.depends_on.postgres.condition) \(.depends_on.migrate.condition)"')" \
            "service_healthy service_completed_successfully"
        hf=$(svc "$d" .environment.GC_HEALTH_FILE)
        expect_eq "$d: its health check reads its GC_HEALTH_FILE" \
            "$(svc "$d" '.healthcheck.test[0]') $(svc "$d" '.healthcheck.test[1]' | grep -cF -- "$hf")" "CMD-SHELL 1"
        [ "$d" = board ] && continue # no database
        expect_eq "$d: connects as its own role, its password from a secret it is given" \
            "$(svc "$d" '"\(.environment.GC_PG_DSN | test("user=gridcase_'"$d"'( |$)")) \(.environment.GC_PG_DSN | test("password") | not) \(.environment.GC_PG_PASSWORD == null) \(.environment.GC_PG_PASSWORD_FILE | ltrimstr("/run/secrets/")) \((.environment.GC_PG_PASSWORD_FILE | ltrimstr("/run/secrets/")) as $s | [.secrets[].source] | index($s) != null)"')" \
            "true true true db_${d}_password true"
    done
    expect_eq "the migrate job and gridctl set only settings the daemons document" \
        "$(jq -r '.services.migrate.environment, .services.gridctl.environment | keys[]' "$compose" | while read -r n; do
               [ -n "$(as_setting "$n" "$all_settings")" ] || echo -n "$n "; done)" ""
    expect_eq "ports are published only for intake, departments, stats, /metrics, the board, the Open311 gateway, and the monitoring profile's Prometheus and Grafana" \
        "$(jq -r '[.services | to_entries[] | select(.value.ports) | .key + ":" + ([.value.ports[] | if type == "string" then (split(":") | last | split("/") | first) else (.target | tostring) end] | join(","))] | sort | join(" ")' "$compose")" \
        "board:7106 grafana:3000 intake:7101 open311:7107 prometheus:9090 routing:7103 stats:7104,7105"
    expect_eq "routing's CURVE secret key is a compose secret" \
        "$(svc routing '"\(.environment.GC_DEPT_SECRET_KEY_FILE) \([.secrets[].source] | join(","))"')" \
        "/run/secrets/dept_server_key db_routing_password,dept_server_key,intake_server_public_key,client_routing_key"
    # CurveZMQ on by default: every bound ZeroMQ socket has its server key, every client its own
    # key and the server's public key, each from a secret the service is given
    curve_settings() {
        svc "$1" '[.environment | to_entries[] | select(.key | test("SECRET_KEY_FILE|SERVER_KEY_FILE|CLIENT_KEY_FILE")) | .key + "=" + (.value | ltrimstr("/run/secrets/"))] | sort | join(" ")'
    }
    expect_eq "intake: CURVE on the intake socket and the event stream" "$(curve_settings intake)" \
        "GC_INTAKE_SECRET_KEY_FILE=intake_server_key"
    expect_eq "routing: CURVE on the department socket; follows events with its own key" "$(curve_settings routing)" \
        "GC_CLIENT_KEY_FILE=client_routing_key GC_DEPT_SECRET_KEY_FILE=dept_server_key GC_INTAKE_SERVER_KEY_FILE=intake_server_public_key"
    expect_eq "escalation: follows events with its own key" "$(curve_settings escalation)" \
        "GC_CLIENT_KEY_FILE=client_escalation_key GC_INTAKE_SERVER_KEY_FILE=intake_server_public_key"
    expect_eq "stats: CURVE on the stats stream; follows events with its own key" "$(curve_settings stats)" \
        "GC_CLIENT_KEY_FILE=client_stats_key GC_INTAKE_SERVER_KEY_FILE=intake_server_public_key GC_STATS_SECRET_KEY_FILE=stats_server_key"
    expect_eq "board: follows the stats stream with its own key" "$(curve_settings board)" \
        "GC_CLIENT_KEY_FILE=client_board_key GC_STATS_SERVER_KEY_FILE=stats_server_public_key"
    expect_eq "open311: a client of intake with its own key" "$(curve_settings open311)" \
        "GC_CLIENT_KEY_FILE=client_open311_key GC_INTAKE_SERVER_KEY_FILE=intake_server_public_key"
    expect_eq "gridctl: a client of intake, events and stats with its own key" "$(curve_settings gridctl)" \
        "GC_CLIENT_KEY_FILE=client_gridctl_key GC_INTAKE_SERVER_KEY_FILE=intake_server_public_key GC_STATS_SERVER_KEY_FILE=stats_server_public_key"
    expect_eq "each service is given every key file its settings name" \
        "$(jq -r '.services | to_entries[] | .key as $s | (.value.environment // {}) | to_entries[] | select(.value | tostring | startswith("/run/secrets/")) | select(.key != "POSTGRES_PASSWORD_FILE") | "\($s) \(.value | ltrimstr("/run/secrets/"))"' "$compose" |
           while read -r s f; do jq -e --arg s "$s" --arg f "$f" '[.services[$s].secrets[].source] | index($f) != null' "$compose" > /dev/null || echo -n "$s:$f "; done)" ""
    expect_eq "every secret is a file (docker-compose secrets, no values in the compose file)" \
        "$(jq -r '[.secrets | to_entries[] | select(.value.file == null) | .key] | join(" ")' "$compose")" ""
    expect_eq "PostgreSQL: the official image, a named volume, pg_isready, its password from a secret" \
        "$(svc postgres '"\(.image | startswith("postgres:")) \(.volumes | map(select(startswith("pgdata:"))) | length) \(.healthcheck.test | tostring | contains("pg_isready")) \(.environment.POSTGRES_PASSWORD_FILE)"')" \
        "true 1 true /run/secrets/db_owner_password"
    expect_eq "the migrate job runs once, after PostgreSQL is healthy, and enables every role's login" \
        "$(svc migrate '"\(.restart) \(.depends_on.postgres.condition) \(.command[0:2] | join(" "))"') $(svc migrate '.command[2]' | grep -oE 'role-login|for r in [a-z0-9 ]+' | tr '\n' ' ')" \
        "no service_healthy sh -ec for r in intake routing escalation stats dashboard open311 role-login "
fi

# ---- the image (never built here: no Docker engine on our machines) --------------------------
runtime=$(awk '/^FROM /{stage++} {print stage ":" $0}' deploy/Dockerfile | grep "^$(grep -c '^FROM ' deploy/Dockerfile):" | cut -d: -f2-)
expect_eq "the build stage runs the same make as a local build" \
    "$(awk '/^FROM /{stage++} stage == 1 && /^RUN make( |$)/{print "make"}' deploy/Dockerfile)" "make"
expect_eq "the runtime image runs as a fixed numeric non-root user" \
    "$(grep -E '^USER ' <<<"$runtime" | grep -cE '^USER [1-9][0-9]*(:[1-9][0-9]*)?$')" "1"
expect_eq "its CMD and ENTRYPOINT are in exec form" \
    "$(grep -E '^(CMD|ENTRYPOINT) ' <<<"$runtime" | grep -vcE '^(CMD|ENTRYPOINT) \[')" "0"
# every shared library the binaries need comes from a package the runtime stage installs
runtime_pkgs=$(sed -e ':a' -e '/\\$/N; s/\\\n//; ta' <<<"$runtime" | grep 'apt-get install' |
    sed 's/.*apt-get install//; s/&&.*//' | tr ' ' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | sort -u)
missing=""
for b in "$bin"/gc-intake "$bin"/gc-routing "$bin"/gc-escalation "$bin"/gc-stats "$bin"/gc-open311 "$bin"/gridctl; do
    for lib in $(objdump -p "$b" | awk '/NEEDED/{print $2}'); do
        path=$(ldconfig -p | awk -v l="$lib" '$1 == l {print $NF; exit}')
        pkg=$( (dpkg -S "$(readlink -f "$path")" 2>/dev/null || dpkg -S "$path" 2>/dev/null) | head -n 1 | cut -d: -f1)
        case "$pkg" in libc6|libasan*|libubsan*|liblsan*|libgcc-s1) continue ;; esac # base image; sanitizer builds
        grep -qx -- "$pkg" <<<"$runtime_pkgs" || missing="$missing $(basename "$b"):$lib(${pkg:-no package})"
    done
done
expect_eq "the runtime stage installs the package of every library the binaries load" "$missing" ""

# ---- refusals: status 2 and the variable named, before anything starts ---------------------
for d in "${daemons[@]}"; do
    expect_refusal "gc-$d refuses LOG_LEVEL=debug" "LOG_LEVEL" "$d" LOG_LEVEL=debug
    expect_refusal "gc-$d refuses a GC_PG_PASSWORD_FILE that does not exist" \
        "GC_PG_PASSWORD_FILE" "$d" GC_PG_PASSWORD_FILE="$cfg/no-such-file"
    echo secret > "$cfg/pw"
    expect_refusal "gc-$d refuses GC_PG_PASSWORD and GC_PG_PASSWORD_FILE both set" \
        "set GC_PG_PASSWORD or GC_PG_PASSWORD_FILE, not both" "$d" GC_PG_PASSWORD=x GC_PG_PASSWORD_FILE="$cfg/pw"
    out=$(env -i PATH="$PATH" timeout -k 5 10 "gc-$d" --bogus 2>&1); rc=$?
    expect_eq "gc-$d --bogus: status 2 and a pointer to --help" "$rc $(grep -c -- '--help' <<<"$out")" "2 1"
done
expect_refusal "gc-routing refuses to start without GC_DEPT_SECRET_KEY_FILE" "GC_DEPT_SECRET_KEY_FILE" routing
echo "not a key" > "$cfg/bad.key"
expect_refusal "gc-routing refuses a secret key file that holds no key" "not a CURVE secret key" routing \
    GC_DEPT_SECRET_KEY_FILE="$cfg/bad.key"
expect_refusal "gc-escalation refuses a malformed GC_ESCALATION_TICK_MS" "GC_ESCALATION_TICK_MS" escalation \
    GC_ESCALATION_TICK_MS=1s
expect_refusal "gc-escalation refuses GC_ESCALATION_BATCH=0" "GC_ESCALATION_BATCH" escalation GC_ESCALATION_BATCH=0
expect_refusal "gc-stats refuses an unknown GC_METRICS_AREA_LEVEL" "GC_METRICS_AREA_LEVEL" stats \
    GC_METRICS_AREA_LEVEL=province
expect_refusal "gc-stats refuses a negative GC_STATS_INTERVAL_MS" "GC_STATS_INTERVAL_MS" stats GC_STATS_INTERVAL_MS=-5
expect_refusal "gc-intake refuses GC_MAX_MESSAGE_BYTES below 1024" "GC_MAX_MESSAGE_BYTES" intake GC_MAX_MESSAGE_BYTES=10
expect_refusal "gc-intake refuses LOG_FORMAT=xml" "LOG_FORMAT" intake LOG_FORMAT=xml
expect_refusal "gc-board refuses a GC_BOARD_BIND without a port" "GC_BOARD_BIND" board GC_BOARD_BIND=localhost
expect_refusal "gc-open311 refuses a GC_OPEN311_BIND without a port" "GC_OPEN311_BIND" open311 GC_OPEN311_BIND=localhost
echo debug > "$cfg/level"
expect_refusal "a NAME_FILE's content is checked like NAME's" "LOG_LEVEL" escalation LOG_LEVEL_FILE="$cfg/level"
for d in "${daemons[@]}"; do
    out=$(env -i PATH="$PATH" "gc-$d" --version 2>&1); rc=$?
    if [ $rc -eq 0 ] && [[ $out =~ ^gc-$d\ [0-9]+\.[0-9]+\.[0-9]+$ ]]; then ok "gc-$d --version: $out"
    else not_ok "gc-$d --version" "status $rc: $out"; fi
done
help=$(env -i PATH="$PATH" GC_PG_PASSWORD=hunter2-pw GC_PG_DSN="host=x password=dsn-pw" LOG_LEVEL=warn gc-stats --help)
expect_eq "--help shows the current values and hides the secret ones" \
    "$(grep -cE 'hunter2-pw|dsn-pw' <<<"$help") $(grep -cF '(set, not shown)' <<<"$help") $(grep -E '^  LOG_LEVEL ' <<<"$help" | awk '{print $2}')" \
    "0 2 warn"

# ---- each daemon run with docker-compose.yml's environment ----------------------------------
read -r -a port <<<"$(python3 -c '
import socket
ss = [socket.socket() for _ in range(8)]
for s in ss:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')"
# port: 0 intake, 1 events, 2 departments, 3 stats, 4 metrics, 5 a PostgreSQL that comes late,
# 6 the board, 7 the Open311 gateway

# compose_env SERVICE: NAME=VALUE lines, as docker-compose.yml gives them to the service (or, if
# docker-compose is missing, as deploy/stack.sh would, in container terms)
compose_env() {
    if [ -n "$compose" ]; then
        jq -r --arg s "$1" '.services[$s].environment | to_entries[] | "\(.key)=\(.value)"' "$compose"
        return
    fi
    local d=$1
    echo "GC_HEALTH_FILE=/tmp/gridcase.alive"
    if [ "$d" = board ]; then
        echo "GC_STATS_URL=tcp://stats:7104"; echo "GC_BOARD_BIND=0.0.0.0:7106"
        echo "GC_STATS_SERVER_KEY_FILE=/run/secrets/stats_server_public_key"
        echo "GC_CLIENT_KEY_FILE=/run/secrets/client_board_key"
        return
    fi
    if [ "$d" = open311 ]; then
        echo "GC_PG_DSN=host=postgres port=5432 dbname=gridcase user=gridcase_open311 application_name=gc-open311"
        echo "GC_PG_PASSWORD_FILE=/run/secrets/db_open311_password"
        echo "GC_INTAKE_URL=tcp://intake:7101"; echo "GC_OPEN311_BIND=0.0.0.0:7107"
        echo "GC_INTAKE_SERVER_KEY_FILE=/run/secrets/intake_server_public_key"
        echo "GC_CLIENT_KEY_FILE=/run/secrets/client_open311_key"
        return
    fi
    echo "GC_PG_DSN=host=postgres port=5432 dbname=gridcase user=gridcase_$d application_name=gc-$d"
    echo "GC_PG_PASSWORD_FILE=/run/secrets/db_${d}_password"
    case $d in
        intake) echo "GC_INTAKE_BIND=tcp://*:7101"; echo "GC_EVENTS_BIND=tcp://*:7102"
                echo "GC_INTAKE_SECRET_KEY_FILE=/run/secrets/intake_server_key" ;;
        routing) echo "GC_DEPT_BIND=tcp://*:7103"; echo "GC_DEPT_SECRET_KEY_FILE=/run/secrets/dept_server_key" ;;
        stats) echo "GC_STATS_BIND=tcp://*:7104"; echo "GC_METRICS_BIND=0.0.0.0:7105"
               echo "GC_STATS_SECRET_KEY_FILE=/run/secrets/stats_server_key" ;;
    esac
    if [ "$d" != intake ]; then
        echo "GC_EVENTS_URL=tcp://intake:7102"
        echo "GC_INTAKE_SERVER_KEY_FILE=/run/secrets/intake_server_public_key"
        echo "GC_CLIENT_KEY_FILE=/run/secrets/client_${d}_key"
    fi
}
# to_host VALUE DAEMON: a container's address or path, as on this machine
to_host() {
    local v=$1
    v=${v//"host=postgres port=5432"/"host=127.0.0.1 port=$GC_PORT_BASE"}
    v=${v//"/run/secrets/"/"$cfg/secrets/"}
    v=${v//"/tmp/gridcase.alive"/"$cfg/$2.alive"}
    v=${v//"tcp://*:7101"/"tcp://127.0.0.1:${port[0]}"}
    v=${v//"tcp://*:7102"/"tcp://127.0.0.1:${port[1]}"}
    v=${v//"tcp://*:7103"/"tcp://127.0.0.1:${port[2]}"}
    v=${v//"tcp://*:7104"/"tcp://127.0.0.1:${port[3]}"}
    v=${v//"0.0.0.0:7105"/"127.0.0.1:${port[4]}"}
    v=${v//"0.0.0.0:7106"/"127.0.0.1:${port[6]}"}
    v=${v//"0.0.0.0:7107"/"127.0.0.1:${port[7]}"}
    v=${v//"tcp://intake:7101"/"tcp://127.0.0.1:${port[0]}"}
    v=${v//"tcp://intake:7102"/"tcp://127.0.0.1:${port[1]}"}
    v=${v//"tcp://routing:7103"/"tcp://127.0.0.1:${port[2]}"}
    v=${v//"tcp://stats:7104"/"tcp://127.0.0.1:${port[3]}"}
    v=${v//"/usr/share/gridcase/schema"/"$PWD/deploy/schema"}
    v=${v//"/etc/gridcase/district.json"/"$PWD/deploy/demo-district.json"}
    v=${v//'$$'/'$'}
    printf '%s\n' "$v"
}
unmapped=$(for s in migrate "${daemons[@]}"; do compose_env "$s" | while IFS= read -r kv; do to_host "$kv" "$s"; done; done |
    grep -E 'host=postgres|/run/secrets|tcp://\*|tcp://(intake|routing|stats):|0\.0\.0\.0|/usr/share/gridcase|/tmp/gridcase')
expect_eq "this test maps every container address and path in the compose environment" "$unmapped" ""

# start_daemon D LOG [VAR=VALUE...]: gc-D in the background with only the compose environment
start_daemon() {
    local d=$1 log=$2 kv
    shift 2
    local -a envs=()
    while IFS= read -r kv; do envs+=("$(to_host "$kv" "$d")"); done < <(compose_env "$d")
    env -i PATH="$PATH" "${envs[@]}" "$@" "gc-$d" > "$log" 2>&1 < /dev/null &
    pids[$d]=$!
}
# stop_daemon NAME D LOG: SIGTERM; it must exit 0 within 5 s and have logged its stop
stop_daemon() {
    local name=$1 d=$2 log=$3 pid=${pids[$2]} start rc
    start=$(date +%s%N)
    kill -TERM "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid"; wait "$pid" 2>/dev/null; unset "pids[$d]"
        not_ok "$name" "gc-$d still running 5 s after SIGTERM"; return
    fi
    wait "$pid"; rc=$?
    unset "pids[$d]"
    local ms=$((($(date +%s%N) - start) / 1000000))
    if [ $rc -eq 0 ] && grep -qE 'msg="stopping"|"msg":"stopping"' "$log"; then ok "$name (${ms} ms)"
    else not_ok "$name" "exit status $rc after ${ms} ms; log: $(tail -n 3 "$log")"; fi
}
# health_check D: the compose health check of D's service, run here against D's health file
health_check() {
    local test
    if [ -n "$compose" ]; then test=$(jq -r --arg s "$1" '.services[$s].healthcheck.test[1]' "$compose")
    else test='f=/tmp/gridcase.alive; [ -f $$f ] && [ $$(( $$(date +%s) - $$(cat $$f) )) -lt 30 ]'; fi
    sh -c "$(to_host "$test" "$1")"
}

# The secrets, as an operator makes them; the intake role's password has the characters a DSN
# must quote.
for r in owner intake routing escalation stats dashboard open311; do
    head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$cfg/secrets/db_${r}_password"
done
printf '%s\n' "it's a \\ pass" > "$cfg/secrets/db_intake_password"
cp "$GC_VAR/keys/dept-server.key" "$cfg/secrets/dept_server_key"
for server in intake stats; do
    gridctl keygen "$cfg/secrets/${server}_server_key" > "$cfg/secrets/${server}_server_public_key"
done
for c in routing escalation stats board open311 gridctl; do gridctl keygen "$cfg/secrets/client_${c}_key" > /dev/null; done
chmod 444 "$cfg/secrets"/*
# gridctl and gc-load below reach the compose-configured intake as the compose gridctl would
curve_client=(GC_INTAKE_SERVER_KEY="$(cat "$cfg/secrets/intake_server_public_key")"
              GC_CLIENT_KEY_FILE="$cfg/secrets/client_gridctl_key")

# the migrate job: its script, with its environment (the test cluster trusts every local login,
# so the passwords it sets are not checked here; what is checked is that the job runs and sets
# them)
restore_roles=$(psql "$GC_PG_DSN" -tAc "SELECT string_agg(format('ALTER ROLE %I %s PASSWORD %L', rolname,
    CASE WHEN rolcanlogin THEN 'LOGIN' ELSE 'NOLOGIN' END, rolpassword), '; ')
    FROM pg_authid WHERE rolname LIKE 'gridcase\_%'")
if [ -z "$compose" ]; then # what the migrate job would have done for the CURVE clients
    for c in routing escalation stats; do gridctl client add "$c" --sockets events --key "$cfg/secrets/client_${c}_key" > /dev/null; done
    gridctl client add board --sockets stats --key "$cfg/secrets/client_board_key" > /dev/null
    gridctl client add open311 --sockets intake --key "$cfg/secrets/client_open311_key" > /dev/null
    gridctl client add gridctl --sockets intake,events,stats --key "$cfg/secrets/client_gridctl_key" > /dev/null
else
    script=$(jq -r '.services.migrate.command[2]' "$compose")
    mapfile -t menv < <(compose_env migrate | while IFS= read -r kv; do to_host "$kv" migrate; done)
    if out=$(env -i PATH="$PATH" "${menv[@]}" sh -ec "$(to_host "$script" migrate)" 2>&1); then
        ok "the compose migrate job runs: migrations, role logins, district import"
    else
        not_ok "the compose migrate job runs: migrations, role logins, district import" "$out"
    fi
    expect_eq "it enabled the five daemon roles and the dashboard's, each with a password" \
        "$(psql "$GC_PG_DSN" -tAc "SELECT count(*) FROM pg_authid WHERE rolname IN ('gridcase_intake', 'gridcase_routing', 'gridcase_escalation', 'gridcase_stats', 'gridcase_dashboard', 'gridcase_open311') AND rolcanlogin AND rolpassword LIKE 'SCRAM-SHA-256\$%'")" "6"
    expect_eq "it registered the CURVE client keys of the daemons that follow events, the board's and gridctl's" \
        "$(gridctl client list --json | jq -r '[.[] | .name + ":" + .sockets] | join(" ")')" \
        "board:stats escalation:events gridctl:intake,events,stats open311:intake routing:events stats:events"
fi

for d in "${daemons[@]}"; do
    start_daemon "$d" "$GC_VAR/log/t_config-$d.log"
done
for d in "${daemons[@]}"; do
    wait_for "gc-$d with the compose environment is ready" 15 grep -q 'msg="ready: ' "$GC_VAR/log/t_config-$d.log"
    wait_for "gc-$d passes its compose health check" 15 health_check "$d"
done
open311_ok() { [ "$(http_get "http://127.0.0.1:${port[7]}/open311/v2/services.json" | head -n 1)" = 200 ]; }
wait_for "gc-open311 serves the services on its compose port (it connects when first asked)" 15 open311_ok
expect_eq "each is connected to PostgreSQL as its own role" \
    "$(psql "$GC_PG_DSN" -tAc "SELECT string_agg(DISTINCT application_name || '=' || usename, ' ') FROM pg_stat_activity WHERE application_name LIKE 'gc-%'")" \
    "gc-escalation=gridcase_escalation gc-intake=gridcase_intake gc-open311=gridcase_open311 gc-routing=gridcase_routing gc-stats=gridcase_stats"
healthz_ok() { [ "$(http_get "http://127.0.0.1:${port[4]}/healthz" | head -n 1)" = 200 ]; }
wait_for "gc-stats serves /healthz on its compose port" 15 healthz_ok
expect_eq "and /metrics" "$(http_get "http://127.0.0.1:${port[4]}/metrics" | grep -c '^gridcase_build_info{')" "1"
board_ok() { [ "$(http_get "http://127.0.0.1:${port[6]}/api/area" | head -n 1)" = 200 ]; }
wait_for "gc-board follows the compose stats stream with its own key and serves the district" 15 board_ok

# a case through this intake, with a reporter's name and phone: no log may hold them
ref=$(env "${curve_client[@]}" GC_INTAKE_URL="tcp://127.0.0.1:${port[0]}" gridctl submit --category neighbour_dispute --grid $g \
    --desc "配置测试：邻居装修噪音扰民" --reporter "配置测试居民赵六" --phone "13711112222" --source resident 2>/dev/null)
expect_eq "the compose-configured intake takes a case" "$(grep -cE '^GC-[0-9]+$' <<<"$ref")" "1"
wait_for "and it is triaged" 10 field_is "$ref" .status triage
# and one through the compose-configured gateway: to intake over CURVE with its own key
apikey=$(gridctl apikey add "t-config-$$")
posted=$(curl -s -m 20 --data-binary "api_key=$apikey&service_code=neighbour_dispute&address_id=410102&description=x" \
    "http://127.0.0.1:${port[7]}/open311/v2/requests.json" | jq -r '.[0].service_request_id')
expect_eq "the compose-configured Open311 gateway posts through intake with its own key" \
    "$(grep -cE '^GC-[0-9]+$' <<<"$posted")" "1"

# SIGTERM in the middle of a load: every case intake acknowledged is stored, and it exits 0
env "${curve_client[@]}" gc-load submit "tcp://127.0.0.1:${port[0]}" 20000 $g neighbour_dispute > "$cfg/load.out" 2>&1 &
load=$!
stored() { sql "SELECT count(*) FROM cases WHERE idempotency_key LIKE 'gc-load-$load-%'"; }
some_stored() { [ "$(stored)" -ge 20 ]; }
wait_for "the load is being stored" 20 some_stored
stop_daemon "gc-intake stops on SIGTERM under load with status 0 and logs it" intake "$GC_VAR/log/t_config-intake.log"
wait "$load" 2>/dev/null
acked=$(grep -oE 'ok [0-9]+' "$cfg/load.out" | awk '{print $2}')
n=$(stored)
if [ -n "$acked" ] && [ "$acked" -gt 0 ] && [ "$n" -ge "$acked" ]; then
    ok "every acknowledged case is stored ($acked acknowledged, $n stored of 20000 sent)"
else
    not_ok "every acknowledged case is stored" "acknowledged '${acked}', stored $n: $(cat "$cfg/load.out")"
fi
# two gc-routing instances (the stack's and this one) followed the same log while the load came
# in: the cursor lock lets one apply each batch, so each case was triaged exactly once
all_triaged() { [ "$(sql "SELECT count(*) FROM cases WHERE idempotency_key LIKE 'gc-load-$load-%' AND status <> 'triage'")" = 0 ]; }
wait_for "the load is routed while two routing instances run" 20 all_triaged
expect_eq "each case of the load was triaged exactly once" \
    "$(sql "SELECT count(*) || ' ' || count(DISTINCT e.case_id) FROM case_events e JOIN cases c ON c.id = e.case_id WHERE c.idempotency_key LIKE 'gc-load-$load-%' AND e.kind = 'triaged'")" "$n $n"
for d in routing escalation stats board open311; do
    stop_daemon "gc-$d stops on SIGTERM with status 0 and logs it" "$d" "$GC_VAR/log/t_config-$d.log"
done
expect_eq "every line they logged is logfmt with the documented keys" \
    "$(cat "$GC_VAR"/log/t_config-{intake,routing,escalation,stats}.log | grep -cvE '^ts=[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]{12}Z level=(info|warn|error) daemon=gc-(intake|routing|escalation|stats) msg=".*"$')" "0"
expect_eq "no log holds the reporter's name, phone or description" \
    "$(cat "$GC_VAR"/log/*.log | grep -cE '配置测试居民赵六|13711112222|邻居装修噪音扰民')" "0"
echo "$(($(date +%s) - 100))" > "$cfg/escalation.alive"
if health_check escalation; then not_ok "the health check fails on a health file 100 s old"; else ok "the health check fails on a health file 100 s old"; fi
rm -f "$cfg/escalation.alive"
if health_check escalation; then not_ok "and when there is none"; else ok "and when there is none"; fi

# Waiting for PostgreSQL, in JSON: gc-escalation is pointed at a port where PostgreSQL comes only
# later (a forwarder to the test cluster); it waits, then becomes ready.
late_dsn="GC_PG_DSN=host=127.0.0.1 port=${port[5]} dbname=gridcase user=gridcase_escalation application_name=gc-escalation"
log=$GC_VAR/log/t_config-escalation-late.log
start_daemon escalation "$log" LOG_FORMAT=json "$late_dsn"
wait_for "gc-escalation waits while PostgreSQL is unreachable" 10 grep -q '"msg":"database unavailable' "$log"
expect_eq "and is not ready yet" "$(grep -c '"msg":"ready' "$log")" "0"
python3 - "${port[5]}" "$GC_PORT_BASE" > "$cfg/forwarder.log" 2>&1 <<'PY' &
import socket, sys, threading
listen, target = int(sys.argv[1]), int(sys.argv[2])
server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", listen))
server.listen(8)
def pipe(a, b):
    try:
        while True:
            data = a.recv(65536)
            if not data:
                break
            b.sendall(data)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
while True:
    client, _ = server.accept()
    upstream = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
PY
forwarder=$!
wait_for "once PostgreSQL answers it connects by itself and is ready" 15 grep -q '"msg":"ready' "$log"
wait_for "and healthy" 10 health_check escalation
stop_daemon "it stops on SIGTERM with status 0" escalation "$log"
kill "$forwarder" 2>/dev/null; wait "$forwarder" 2>/dev/null; forwarder=""
expect_eq "LOG_FORMAT=json: every line is an object with exactly ts, level, daemon, msg" \
    "$(jq -c 'select((keys == ["daemon", "level", "msg", "ts"]) and .daemon == "gc-escalation" and (.level | test("^(info|warn|error)$")) and (.ts | test("^[0-9-]{10}T[0-9:.]{12}Z$")) | not)' "$log" 2>&1 | wc -l) $(wc -l < "$log" | awk '$1 > 3 {print "lines"}')" \
    "0 lines"

# LOG_LEVEL=warn, and SIGTERM while still waiting for PostgreSQL (nothing listens any more)
log=$GC_VAR/log/t_config-escalation-warn.log
start_daemon escalation "$log" LOG_LEVEL=warn "$late_dsn"
wait_for "LOG_LEVEL=warn: the wait for PostgreSQL is logged" 10 grep -q 'level=warn' "$log"
pid=${pids[escalation]}
kill -TERM "$pid"
for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
wait "$pid"
rc=$?
unset "pids[escalation]"
expect_eq "SIGTERM while waiting for PostgreSQL: status 0 within 5 s" "$rc" "0"
expect_eq "and no info line was logged (not even the stop)" "$(grep -c 'level=info' "$log")" "0"

# leave the roles as the stack had them
[ -n "$restore_roles" ] && psql "$GC_PG_DSN" -qc "$restore_roles" >/dev/null
restore_roles=""
cleanup_config # anything a failed check left running
trap - EXIT
