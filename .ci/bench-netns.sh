# Sourced by .ci/bench-tftp.sh and .ci/bench-dhcp.sh: checks, a scratch folder $W with
# the phoneflash binary, and two network namespaces $S (server, veth-s) and $P (phone,
# veth-p, 192.0.2.10/24) joined by a veth pair, all removed on exit.
# Usage: bench_setup NAME TOOL... ; then add server addresses with ip -n "$S" addr add.
bench_setup() {
  local name=$1 b
  shift
  [ "$(id -u)" = 0 ] || { echo "run as root (namespaces)" >&2; exit 1; }
  for b in ip go "$@"; do
    command -v "$b" >/dev/null || { echo "missing $b" >&2; exit 1; }
  done
  W=$(mktemp -d "/tmp/bench-$name.XXXXXX")
  chmod 755 "$W"
  S=pf-${name}srv-$$-$RANDOM
  P=pf-${name}phone-$$-$RANDOM
  trap bench_cleanup EXIT
  go build -o "$W/phoneflash" .
  ip netns add "$S"
  ip netns add "$P"
  ip link add veth-s netns "$S" type veth peer name veth-p netns "$P"
  for ns in "$S" "$P"; do
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip -n "$ns" link set lo up
  done
  ip -n "$P" addr add 192.0.2.10/24 dev veth-p
  ip -n "$S" link set veth-s up
  ip -n "$P" link set veth-p up
}

bench_cleanup() {
  disown -a 2>/dev/null || true # no "Killed" notices for the servers killed below
  for ns in "$S" "$P"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  ip netns del "$S" 2>/dev/null || true
  ip netns del "$P" 2>/dev/null || true
  rm -rf "$W"
}

# wait_serve ERRFILE: until phoneflash serve says it serves (it prints that on stderr).
wait_serve() {
  for _ in $(seq 100); do
    grep -q "Ctrl-C stops" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  cat "$1" >&2
  exit 1
}
