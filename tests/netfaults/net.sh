# A private network of namespaces for tests that need real links (sourced by
# tests/netfaults/run.sh): a bridge in a namespace of its own and one veth pair per machine,
# wired by deploy/ha/netns.sh as deploy/ha/formation.sh wires its formation. Only namespaces made
# here are ever touched.
#   net_up PREFIX NODE...      namespaces PREFIX-br and PREFIX-NODE; NODE number i (from 1) at
#                              10.88.0.i on eth0; the names go to $net_namespaces
#   net_down                   deletes them (after the processes in them have ended)
#   net_shape NODE FAULT       the link between NODE and the bridge, shaped the same way in both
#                              directions: none | loss PCT | delay MS JITTER_MS | rate KBIT | cut
# tc netem does it when the kernel has it; without (some virtual machines' kernels), loss and cut
# are iptables rules in NODE's namespace, rate a tbf, and delay is not available (net_can delay).
# shellcheck shell=bash
# shellcheck source=deploy/ha/netns.sh
. deploy/ha/netns.sh
net_namespaces=()
net_prefix=
net_netem=0

net_up() {
    net_prefix=$1
    shift
    net_namespaces+=("$net_prefix-br")
    netns_bridge "$net_prefix"
    local i=0 m
    for m in "$@"; do
        i=$((i + 1))
        net_namespaces+=("$net_prefix-$m")
        netns_machine "$net_prefix" "$m" "10.88.0.$i/24"
    done
    if tc -n "$net_prefix-br" qdisc replace dev "$1" root netem delay 0ms 2>/dev/null; then
        net_netem=1
        tc -n "$net_prefix-br" qdisc del dev "$1" root 2>/dev/null || true
    fi
}

net_down() {
    local ns
    for ns in "${net_namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    net_namespaces=()
}

# true when FAULT can be made on this machine
net_can() {
    [ "$net_netem" = 1 ] || [ "$1" != delay ]
}

# both ends of NODE's link: the bridge's side (towards NODE) and NODE's eth0 (from it)
net_ends() { echo "$net_prefix-br $1"; echo "$net_prefix-$1 eth0"; }

net_shape() {
    local node=$1 fault=$2 ns dev
    shift 2
    while read -r ns dev; do
        tc -n "$ns" qdisc del dev "$dev" root 2>/dev/null || true
    done < <(net_ends "$node")
    if [ "$net_netem" = 0 ]; then
        ip netns exec "$net_prefix-$node" iptables -F OUTPUT
        ip netns exec "$net_prefix-$node" iptables -F INPUT
    fi
    local netem=()
    case $fault in
        none) return 0 ;;
        loss) netem=(loss "$1%") ;;
        delay) netem=(delay "$1ms" "$2ms" distribution normal reorder 25% 50%) ;;
        rate) netem=(rate "$1kbit") ;;
        cut) netem=(loss 100%) ;;
        *) echo "net_shape: unknown fault $fault" >&2; return 1 ;;
    esac
    if [ "$net_netem" = 1 ]; then
        while read -r ns dev; do
            tc -n "$ns" qdisc replace dev "$dev" root netem "${netem[@]}"
        done < <(net_ends "$node")
        return 0
    fi
    local rule=()
    case $fault in
        loss) rule=(-m statistic --mode random --probability "$(awk -v p="$1" 'BEGIN {print p / 100}')" -j DROP) ;;
        cut) rule=(-j DROP) ;;
        rate)
            while read -r ns dev; do
                tc -n "$ns" qdisc replace dev "$dev" root tbf rate "$1kbit" burst 4kb latency 400ms
            done < <(net_ends "$node")
            return 0 ;;
        delay) echo "net_shape: this kernel has no netem: no delay" >&2; return 1 ;;
    esac
    ip netns exec "$net_prefix-$node" iptables -A OUTPUT -o eth0 "${rule[@]}"
    ip netns exec "$net_prefix-$node" iptables -A INPUT -i eth0 "${rule[@]}"
}
