#!/usr/bin/env bash
# DHCP exchanges per second: phoneflash serve vs dnsmasq (--no-ping: its default pings
# every new address for 3 s), measured with Kea's perfdhcp (Debian package kea-admin)
# on one veth link between two network namespaces this script creates, as root. Each
# load is run against both servers in turn (one server on the link at a time).
#
# Usage: .ci/bench-dhcp.sh [SECONDS]     (each flat-out run; default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-5}
. .ci/bench-netns.sh
bench_setup dhcp perfdhcp dnsmasq
mkdir -p "$W/fw"
echo x >"$W/fw/f.bin"
ip -n "$S" addr add 192.0.2.1/24 dev veth-s

SRV=
start() {
  case $1 in
  phoneflash)
    ip netns exec "$S" "$W/phoneflash" serve --iface veth-s --any-client --probe-window 300ms --firmware "$W/fw" \
      >/dev/null 2>"$W/pf.err" &
    SRV=$!
    wait_serve "$W/pf.err"
    ;;
  dnsmasq)
    rm -f "$W/leases"
    ip netns exec "$S" dnsmasq --no-daemon --conf-file=/dev/null --port=0 --interface=veth-s --bind-interfaces \
      --dhcp-range=192.0.2.2,192.0.2.251,255.255.255.0,1h --dhcp-leasefile="$W/leases" --dhcp-authoritative \
      --dhcp-option=66,"192.0.2.1" --dhcp-option=150,192.0.2.1 --user=root --log-facility=- --quiet-dhcp --no-ping \
      --pid-file="$W/dnsmasq.pid" >"$W/dnsmasq.log" 2>&1 &
    SRV=$!
    sleep 0.5
    ;;
  esac
}
stop() {
  kill "$SRV" 2>/dev/null || true
  wait "$SRV" 2>/dev/null || true
  sleep 0.2
}

# run LABEL PERFDHCP-ARGS...: one line per server.
run() {
  local label=$1
  shift
  for srv in phoneflash dnsmasq; do
    start "$srv"
    out=$(ip netns exec "$P" timeout 60 perfdhcp -4 -l veth-p "$@" 2>&1 || true)
    stop
    echo "$out" | awk -v s="$srv" -v l="$label" '
      /^Rate:/ {rate = $2}
      /^\*\*\*Statistics for: DISCOVER-OFFER/ {sec = "do"}
      /^\*\*\*Statistics for: REQUEST-ACK/ {sec = "ra"}
      /^drops ratio:/ {drop[sec] = $3}
      /^avg delay:/ {delay[sec] = $3}
      /^received packets:/ {recv[sec] = $3}
      END {printf "%-34s %-10s %9s exch/s  acks %7s  drops DO %6s%% RA %6s%%  avg delay DO %s ms RA %s ms\n",
        l, s, rate, recv["ra"], drop["do"], drop["ra"], delay["do"], delay["ra"]}'
  done
}

echo "== perfdhcp against phoneflash and dnsmasq --no-ping (100 simulated clients)"
run "relay, 1000/s for 5 s" -r 1000 -R 100 -p 5 192.0.2.1
run "broadcast, 1000/s for 5 s" -r 1000 -R 100 -p 5
run "relay, flat out for ${SECS} s" -R 100 -p "$SECS" 192.0.2.1
run "broadcast, flat out for ${SECS} s" -R 100 -p "$SECS"
echo "(perfdhcp's Rate counts the run time including its final wait; flat-out runs share the CPUs with perfdhcp)"
