#!/usr/bin/env bash
# TFTP throughput: phoneflash serve vs tftpd-hpa vs dnsmasq, on one veth link between two
# network namespaces this script creates (192.0.2.0/24), as root.
#
#  1. single stream: a 16 MiB file, curl and atftp, blksize 512 and 1428, client and server
#     pinned to one CPU (taskset -c 1: on a 2-vCPU machine lock-step TFTP across CPUs
#     measures wake-up latency, not the server), servers interleaved, median of RUNS runs,
#     every download's sha256 checked; prints phoneflash : tftpd-hpa ratios.
#  2. CONC concurrent curl downloads of an 8 MiB file (blksize 1428) per server, each from
#     its own address (CONC <= 150): all must be identical; aggregate throughput, and
#     phoneflash's peak RSS (VmHWM).
#
# Usage: .ci/bench-tftp.sh [RUNS] [CONC]      (defaults 5 and 50)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-5}
CONC=${2:-50}
. .ci/bench-netns.sh
bench_setup tftp taskset curl atftp in.tftpd dnsmasq sha256sum
mkdir -p "$W/root"
head -c $((16 << 20)) /dev/urandom >"$W/root/f16m.bin"
head -c $((8 << 20)) /dev/urandom >"$W/root/f8m.bin"
chmod 644 "$W"/root/*
chmod 755 "$W/root"
SUM16=$(sha256sum <"$W/root/f16m.bin" | cut -d' ' -f1)
SUM8=$(sha256sum <"$W/root/f8m.bin" | cut -d' ' -f1)

# One address per server, all on port 69.
ip -n "$S" addr add 192.0.2.1/24 dev veth-s # phoneflash
ip -n "$S" addr add 192.0.2.2/24 dev veth-s # tftpd-hpa
ip -n "$S" addr add 192.0.2.3/24 dev veth-s # dnsmasq

inP() { ip netns exec "$P" "$@"; }

start_servers() {
  ip netns exec "$S" taskset -c 1 "$W/phoneflash" serve --iface veth-s --server-ip 192.0.2.1 --no-dhcp --firmware "$W/root" \
    >"$W/pf.out" 2>"$W/pf.err" &
  PF=$!
  ip netns exec "$S" taskset -c 1 in.tftpd -L -a 192.0.2.2:69 -s "$W/root" -u root >"$W/hpa.log" 2>&1 &
  HPA=$!
  ip netns exec "$S" taskset -c 1 dnsmasq --no-daemon --conf-file=/dev/null --port=0 --enable-tftp --tftp-root="$W/root" \
    --listen-address=192.0.2.3 --bind-interfaces --user=root --pid-file="$W/dnsmasq.pid" --log-facility=- \
    >"$W/dnsmasq.log" 2>&1 &
  DNSMASQ=$!
  wait_serve "$W/pf.err"
  sleep 0.3
}
start_servers

declare -A ADDR=([phoneflash]=192.0.2.1 [tftpd-hpa]=192.0.2.2 [dnsmasq]=192.0.2.3)
SERVERS=(phoneflash tftpd-hpa dnsmasq)

# fetch CLIENT BLKSIZE SERVER FILE OUT: prints seconds; fails on a bad checksum.
fetch() {
  local client=$1 bs=$2 addr=${ADDR[$3]} file=$4 out=$5 t0 t1
  rm -f "$out"
  t0=$(date +%s.%N)
  case $client in
  curl) inP taskset -c 1 curl -sS --tftp-blksize "$bs" -o "$out" "tftp://$addr/$file" ;;
  atftp) inP taskset -c 1 atftp --option "blksize $bs" -g -r "$file" -l "$out" "$addr" >/dev/null 2>&1 ;;
  esac
  t1=$(date +%s.%N)
  echo "$t0 $t1" | awk '{printf "%.4f\n", $2 - $1}'
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

echo "== single stream, 16 MiB, taskset -c 1 on both sides, median of $RUNS (interleaved)"
printf '%-6s %-6s %-26s %-26s %-26s %s\n' client blksz phoneflash tftpd-hpa dnsmasq "pf:hpa  pf:dnsmasq  (min-max s)"
for client in curl atftp; do
  for bs in 512 1428; do
    declare -A T=()
    for run in $(seq "$RUNS"); do
      for srv in "${SERVERS[@]}"; do
        s=$(fetch "$client" "$bs" "$srv" f16m.bin "$W/out")
        [ "$(sha256sum <"$W/out" | cut -d' ' -f1)" = "$SUM16" ] || { echo "$srv $client $bs: bad checksum" >&2; exit 1; }
        T[$srv]+="$s "
      done
    done
    line=$(printf '%-6s %-6s' "$client" "$bs")
    declare -A M=()
    spread=""
    for srv in "${SERVERS[@]}"; do
      M[$srv]=$(echo "${T[$srv]}" | tr ' ' '\n' | grep . | median)
      line+=$(awk -v t="${M[$srv]}" 'BEGIN {printf " %7.3fs = %6.1f MiB/s    ", t, 16 / t}')
      spread+=$(echo "${T[$srv]}" | tr ' ' '\n' | grep . | sort -n | awk 'NR==1{a=$1} END{printf " %.2f-%.2f", a, $1}')
    done
    line+=$(awk -v p="${M[phoneflash]}" -v h="${M[tftpd-hpa]}" -v d="${M[dnsmasq]}" 'BEGIN {printf " %5.2f   %5.2f", h / p, d / p}')
    echo "$line   ($spread)"
    unset T M
  done
done

echo
echo "== $CONC concurrent curl downloads of 8 MiB, blksize 1428, servers and clients on CPU 1"
# Restart phoneflash so that its peak RSS is this test's.
kill "$PF"
wait "$PF" 2>/dev/null || true
ip netns exec "$S" taskset -c 1 "$W/phoneflash" serve --iface veth-s --server-ip 192.0.2.1 --no-dhcp --firmware "$W/root" \
  >"$W/pf.out" 2>"$W/pf.err" &
PF=$!
wait_serve "$W/pf.err"
declare -A AGG=()
PFPID=$(for p in $(ip netns pids "$S"); do [ "$(cat /proc/"$p"/comm)" = phoneflash ] && echo "$p"; done | head -1 || true)
# One address per client, as CONC phones would have: phoneflash allows a client address
# 32 transfers at once (a phone runs one or two), so one address for all would be refused.
for i in $(seq "$CONC"); do
  ip -n "$P" addr add "192.0.2.$((99 + i))/24" dev veth-p
done
for srv in "${SERVERS[@]}"; do
  rm -rf "$W/conc"
  mkdir -p "$W/conc"
  t0=$(date +%s.%N)
  pids=()
  for i in $(seq "$CONC"); do
    inP taskset -c 1 curl -sS --tftp-blksize 1428 --interface "192.0.2.$((99 + i))" -o "$W/conc/$i" "tftp://${ADDR[$srv]}/f8m.bin" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  t1=$(date +%s.%N)
  bad=0
  for i in $(seq "$CONC"); do
    [ "$(sha256sum <"$W/conc/$i" 2>/dev/null | cut -d' ' -f1)" = "$SUM8" ] || bad=$((bad + 1))
  done
  AGG[$srv]=$(awk -v n="$CONC" -v t0="$t0" -v t1="$t1" 'BEGIN {printf "%.1f", n * 8 / (t1 - t0)}')
  awk -v n="$CONC" -v t0="$t0" -v t1="$t1" -v s="$srv" -v bad="$bad" -v a="${AGG[$srv]}" \
    'BEGIN {printf "%-10s %6.2fs  %7.1f MiB/s aggregate  %d of %d downloads bad\n", s, t1 - t0, a, bad, n}'
done
awk -v p="${AGG[phoneflash]}" -v h="${AGG[tftpd-hpa]}" -v d="${AGG[dnsmasq]}" \
  'BEGIN {printf "aggregate phoneflash : tftpd-hpa %.2f, phoneflash : dnsmasq %.2f\n", p / h, p / d}'
echo "phoneflash peak RSS: $(awk '/VmHWM/ {printf "%.1f MiB", $2 / 1024}' /proc/"$PFPID"/status)"
