# A container engine of the test's own (sourced by tests/compose/run.sh): podman serving the
# Docker API on a socket under STATE, with its storage, run state, networks and configuration
# all under STATE, so that nothing in /etc, podman's default storage or another user's engine is
# read or changed. docker-compose reaches it through DOCKER_HOST; `docker` on PATH is podman
# with the same configuration (a shim in STATE/bin), so the guide's `docker run` lines work.
# shellcheck shell=bash

# engine_env STATE: the environment every podman, docker and docker-compose call of the test uses
engine_env() {
    local state=$1
    mkdir -p "$state/storage" "$state/run" "$state/tmp" "$state/networks" "$state/bin"
    # What this machine's kind needs (and a stock Debian 12 with Docker's defaults does not):
    # runc, as crun 1.8 refuses a kernel with cgroups v1 and v2 mixed; ulimits that root without
    # CAP_SYS_RESOURCE may set (podman's defaults are higher); cgroupfs and a file for events, as
    # PID 1 is not systemd.
    cat > "$state/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
log_driver = "k8s-file"

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "$state/run/events.log"
tmp_dir = "$state/tmp"

[network]
network_backend = "netavark"
network_config_dir = "$state/networks"
default_subnet = "10.231.255.0/24"
default_subnet_pools = [{"base" = "10.231.0.0/16", "size" = 24}]
CONF
    cat > "$state/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$state/storage"
runroot = "$state/run/storage"
CONF
    printf '#!/bin/sh\nexec podman "$@"\n' > "$state/bin/docker"
    chmod 755 "$state/bin/docker"
    # DISABLE_HC_SYSTEMD: podman asks no systemd for health check timers (deploy/podman-healthchecks.sh
    # runs the checks instead)
    export CONTAINERS_CONF=$state/containers.conf CONTAINERS_STORAGE_CONF=$state/storage.conf DISABLE_HC_SYSTEMD=true
    export DOCKER_HOST=unix://$state/run/podman.sock PATH=$state/bin:$PATH
    # docker-compose 1.29 asks for API 1.41 features podman serves; no BuildKit in podman's API
    export COMPOSE_DOCKER_CLI_BUILD=0 DOCKER_BUILDKIT=0
}

# engine_start STATE: the API service in the background (its PID in STATE/run/podman.pid), health
# checks left to whoever runs `podman healthcheck run` (no systemd timers)
engine_start() {
    local state=$1
    DISABLE_HC_SYSTEMD=true podman system service --time=0 "$DOCKER_HOST" \
        > "$state/run/service.log" 2>&1 &
    echo $! > "$state/run/podman.pid"
    for _ in $(seq 100); do
        [ -S "${DOCKER_HOST#unix://}" ] && podman version > /dev/null 2>&1 && return 0
        sleep 0.1
    done
    echo "# the podman service did not start: $(tail -n 5 "$state/run/service.log")"
    return 1
}

# engine_stop STATE: the service this test started, by its PID
engine_stop() {
    local state=$1 pid
    pid=$(cat "$state/run/podman.pid" 2>/dev/null) || return 0
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    rm -f "$state/run/podman.pid"
}
