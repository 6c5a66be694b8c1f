#!/usr/bin/env bash
# Runs the compose file's health checks under podman on a host without systemd. Podman has no
# scheduler of its own for health checks: it asks systemd for a timer per container, and where
# PID 1 is not systemd (a container host, a minimal VM) nothing runs them, so `docker-compose
# up` waits for ever on "postgres healthy" and `docker-compose ps` never shows a daemon healthy.
# This loop runs `podman healthcheck run` for each running container of the project at the
# interval its health check sets, until it is stopped (SIGTERM). Run it beside the stack, under
# whatever supervises the host's services; Docker Engine, and podman with systemd, need nothing.
# Usage: deploy/podman-healthchecks.sh [PROJECT]   (PROJECT: COMPOSE_PROJECT_NAME, default
# gridcase; podman's own settings from the environment, e.g. CONTAINERS_CONF)
set -uo pipefail
project=${1:-gridcase}
declare -A due=() running=()
trap 'kill "${running[@]}" 2> /dev/null; exit 0' TERM INT
while :; do
    now=$(date +%s)
    while read -r name interval; do
        if [ -z "$name" ] || [ "${interval%.*}" = 0 ]; then continue; fi # no health check
        [ "${due[$name]:-0}" -le "$now" ] || continue
        # one check of a container at a time: on a busy host a check can outlast the interval
        if [ -n "${running[$name]:-}" ] && kill -0 "${running[$name]}" 2> /dev/null; then continue; fi
        due[$name]=$((now + ${interval%.*}))
        # each in the background (a check takes seconds on a busy host; the containers' checks
        # must not wait for each other); the status is kept by podman (inspect, docker-compose
        # ps), so the output is not ours to keep
        timeout -k 5 60 podman healthcheck run "$name" > /dev/null 2>&1 < /dev/null &
        running[$name]=$!
    done < <(podman ps --filter "label=com.docker.compose.project=$project" \
                 --format '{{.Names}}' 2> /dev/null < /dev/null |
             xargs -r podman inspect --format '{{.Name}} {{.Config.Healthcheck.Interval.Seconds}}' 2> /dev/null)
    sleep 1 &
    wait $!
done
