#!/usr/bin/env bash
# Evidence upload throughput: a spool incident holding a large changed-files tar (incompressible bytes,
# as a .tar.gz/.tar.zst is) goes from the spool to the local archive through the local stack's
# in-process shipper: the node-manifest check (SHA-256 of every file), PutObject over the S3 protocol
# to S3Proxy (If-None-Match, x-amz-checksum-sha256), the signed manifest and the index line.
# Prints MB/s per round (the uploader's own timing) and the median.
# Then, with the same S3Proxy, the same file by a bare `curl -T` (one unsigned PUT) and by `aws s3 cp`
# (the AWS CLI: multipart, parallel parts), to show what S3Proxy itself allows.
# Usage: bench/archive-upload.sh [SIZE_MIB=1024] [ROUNDS=3]
#   MULTIPART=THRESHOLD_MIB,PART_MIB,THREADS  the shipper's multipart setting (default 64,16,4; 5120,16,1 = one PutObject)
#   COMPARE=0                                  skip the curl / aws cli comparison
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE=${1:-1024}
ROUNDS=${2:-3}
JAR=local-stack/target/bulwark-local-stack-0.1.0-SNAPSHOT.jar
[ -f "$JAR" ] || { echo "build first: mvn -B -o -pl local-stack -am package -DskipTests" >&2; exit 2; }
WORK=$(mktemp -d /tmp/bulwark-archive-bench.XXXXXX)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT
head -c "${SIZE}M" /dev/urandom > "$WORK/tar.bin"
echo "archive upload: ${SIZE} MiB changed-files tar, $ROUNDS rounds, multipart ${MULTIPART:-64,16,4 (default)}, S3Proxy on 127.0.0.1 over $WORK/var/archive ($(nproc) CPUs)"
rates=()
for r in $(seq 1 "$ROUNDS"); do
  id=$(cat /proc/sys/kernel/random/uuid)
  d="$WORK/var/evidence/$id"
  mkdir -p "$d"
  cp "$WORK/tar.bin" "$d/changed-files.tar.gz"
  printf '{"ok":true}\n' > "$d/process-tree.json"
  now=$(date -u +%Y-%m-%dT%H:%M:%S.000Z)
  art() { printf '{"name":"%s","size":%d,"sha256":"%s","producer":"bench","captured_at":"%s","content_type":"%s"}' \
      "$1" "$(stat -c %s "$d/$1")" "$(sha256sum "$d/$1" | cut -d' ' -f1)" "$now" "$2"; }
  printf '{"format":"bulwark-node-evidence/1","incident":"%s","part":"node","node":{"hostname":"bench"},"alerts":[{"id":"a","time":"%s","rule":"bench","priority":"CRITICAL","vector":"core-pattern"}],"capture_started":"%s","capture_finished":"%s","artifacts":[%s,%s]}\n' \
      "$id" "$now" "$now" "$now" "$(art changed-files.tar.gz application/gzip)" "$(art process-tree.json application/json)" > "$d/.m.tmp"
  mv "$d/.m.tmp" "$d/manifest.json"
  if [ -z "$PID" ]; then
    java ${MULTIPART:+-Dbulwark.s3.multipart=$MULTIPART} -jar "$JAR" --dir "$WORK/var" --outbox none --sqs-port 19424 --s3-port 19100 --events-port 19295 --metrics-port 0 \
        > "$WORK/stack.out" 2> "$WORK/stack.err" &
    PID=$!
  fi
  for _ in $(seq 1 3000); do [ -f "$WORK/var/evidence/.archived/$id.json" ] && break; sleep 0.2; done
  line=$(grep "evidence of incident $id archived" "$WORK/stack.err" || { echo "round $r: not archived; stack log:" >&2; tail -20 "$WORK/stack.err" >&2; exit 1; })
  mb=$(sed -E 's/.*, ([0-9.]+) MB, ([0-9]+) ms\).*/\1/' <<<"$line")
  ms=$(sed -E 's/.*, ([0-9.]+) MB, ([0-9]+) ms\).*/\2/' <<<"$line")
  rate=$(awk -v mb="$mb" -v ms="$ms" 'BEGIN{printf "%.0f", mb/(ms/1000)}')
  cmp -s "$WORK/tar.bin" "$WORK/var/archive/bulwark-archive/$(sed -E 's#.*s3://bulwark-archive/([^ ]+) .*#\1#' <<<"$line")changed-files.tar.gz" \
      || { echo "round $r: the archived tar differs from the spool's" >&2; exit 1; }
  echo "round $r: $mb MB in $ms ms = $rate MB/s (check + upload + signed manifest + index)"
  rates+=("$rate")
  rm -rf "$d"
done
printf '%s\n' "${rates[@]}" | sort -n | awk '{a[NR]=$1} END{print "median: " a[int((NR+1)/2)] " MB/s over " NR " rounds"}'
if [ "${COMPARE:-1}" = 1 ]; then
  bytes=$(stat -c %s "$WORK/tar.bin")
  for r in 1 2; do
    t0=$(date +%s%N)
    curl -sSf -o /dev/null -T "$WORK/tar.bin" "http://127.0.0.1:19100/bulwark-archive/bench/curl-$r.bin"
    t1=$(date +%s%N)
    awk -v b="$bytes" -v ns="$((t1 - t0))" 'BEGIN{printf "curl -T (one unsigned PUT): %.1f MB in %d ms = %.0f MB/s\n", b/1e6, ns/1e6, b/1e6/(ns/1e9)}'
  done
  if command -v aws >/dev/null; then
    for r in 1 2; do
      t0=$(date +%s%N)
      AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=us-east-1 AWS_REQUEST_CHECKSUM_CALCULATION=when_required \
        aws --endpoint-url http://127.0.0.1:19100 s3 cp --only-show-errors "$WORK/tar.bin" "s3://bulwark-archive/bench/awscli-$r.bin"
      t1=$(date +%s%N)
      awk -v b="$bytes" -v ns="$((t1 - t0))" 'BEGIN{printf "aws s3 cp (multipart 8 MiB parts, 10 at a time): %.1f MB in %d ms = %.0f MB/s\n", b/1e6, ns/1e6, b/1e6/(ns/1e9)}'
    done
  else
    echo "aws cli not found: the aws s3 cp comparison is skipped (pip install awscli)"
  fi
fi
