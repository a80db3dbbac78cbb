#!/usr/bin/env bash
# Measures `bulwark scan` end to end on every corpus app (Android and iOS),
# on an App Bundle made from insecurebankv2.apk, and on a synthetic 100 MB
# APK: wall time and peak RSS from /usr/bin/time -v, median of RUNS.
# Usage: bench/scan.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
corpus=../shared/corpus/android
[ -d "$corpus" ] || { echo "bench: $corpus not found"; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is needed (apt-get install time)"; exit 1; }

go build -o bin/bulwark ./cmd/bulwark
big=$(mktemp -d)/synthetic-100mb.apk
go run ./bench/mkapk -in "$corpus/insecurebankv2.apk" -size 100 -o "$big"
aab=$(dirname "$big")/insecurebankv2.aab
go run ./bench/mkaab -in "$corpus/insecurebankv2.apk" -o "$aab"
ios=../shared/corpus/ios

printf '%-28s %10s %12s %12s\n' "app" "size" "median s" "peak RSS MB"
for apk in "$corpus"/*.apk "$aab" "$ios"/*.ipa "$ios"/*.dylib "$big"; do
  times=(); rss=0
  for _ in $(seq "$runs"); do
    out=$( { /usr/bin/time -v bin/bulwark scan -q --format json "$apk" >/dev/null; } 2>&1 )
    t=$(echo "$out" | awk -F': ' '/Elapsed \(wall clock\)/ {print $2}')
    s=$(echo "$t" | awk -F: '{ if (NF==3) print $1*3600+$2*60+$3; else print $1*60+$2 }')
    times+=("$s")
    r=$(echo "$out" | awk -F': ' '/Maximum resident set size/ {print $2}')
    [ "$r" -gt "$rss" ] && rss=$r
  done
  med=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  size=$(du -h "$apk" | cut -f1)
  printf '%-28s %10s %12s %12d\n' "$(basename "$apk")" "$size" "$med" $((rss/1024))
done
rm -f "$big" "$aab"
