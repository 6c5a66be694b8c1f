# The wiring of a private network of namespaces (sourced by deploy/ha/formation.sh and
# tests/netfaults/net.sh): a bridge in a namespace of its own, and each machine a namespace
# joined to it by its own veth pair (eth0 on the machine's side, named after the machine on the
# bridge's). Only namespaces made here are ever touched.
# shellcheck shell=bash

# netns_bridge PREFIX: the namespace PREFIX-br with the bridge br0, up
netns_bridge() {
    ip netns add "$1-br"
    ip -n "$1-br" link add br0 type bridge
    ip -n "$1-br" link set br0 up
}

# netns_machine PREFIX NAME ADDRESS/BITS: the namespace PREFIX-NAME, its eth0 on the bridge
netns_machine() {
    ip netns add "$1-$2"
    ip -n "$1-$2" link set lo up
    ip -n "$1-br" link add "$2" type veth peer name eth0 netns "$1-$2"
    ip -n "$1-br" link set "$2" master br0 up
    ip -n "$1-$2" addr add "$3" dev eth0
    ip -n "$1-$2" link set eth0 up
}
