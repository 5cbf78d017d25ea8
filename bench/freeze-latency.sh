#!/usr/bin/env bash
# From the escape syscall to the container frozen, on this machine: the sensor (`bulwark up` from the jar,
# the default playbook, a command spool) watches a busybox runc container running a counter loop; N times,
# a detached `runc exec` writes /proc/sys/kernel/core_pattern (CRITICAL, vector core-pattern), a watcher
# polls the container's cgroup.events every ~50 µs and stamps the first "frozen 1" (CLOCK_REALTIME), and the
# latency is that stamp minus the alert's detail.time (the kernel's time of the syscall, same clock). Then
# a thaw command through the spool releases the container (so the next attempt is frozen afresh).
# Also prints the sensor's own view: its audit record's time (freeze confirmed) minus detail.time.
# Usage (root, after ./bulwark setup): bench/freeze-latency.sh [N] [SPACING]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
N="${1:-50}"
SPACING="${2:-0.3}"
JAR="$ROOT/node-sensor/target/quarkus-app/quarkus-run.jar"
WORK="$(mktemp -d -t bulwark-freeze.XXXXXX)"
NAME="bw-freeze-$$"
CG=/sys/fs/cgroup/unified/$NAME
[[ -f /sys/fs/cgroup/cgroup.controllers ]] && CG=/sys/fs/cgroup/$NAME
cleanup() {
  [[ -f "$CG/cgroup.freeze" ]] && echo 0 >"$CG/cgroup.freeze" 2>/dev/null || true
  runc delete -f "$NAME" >/dev/null 2>&1 || true
  [[ -n "${UP:-}" ]] && kill "$UP" 2>/dev/null && wait "$UP" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT
. "$ROOT/bench/lib/busybox-bundle.sh"
busybox_bundle "$WORK/ctr" sh echo sleep usleep mv
sed -i "s#\"sleep\",\"3600\"#\"sh\",\"-c\",\"i=0; while :; do i=\$((i+1)); echo \$i > /tmp/c; mv /tmp/c /tmp/count; usleep 10000; done\"#" "$WORK/ctr/config.json"
sed -i 's/"readonly": true/"readonly": false/' "$WORK/ctr/config.json"
mapfile -t FLAGS < <(grep -Ev '^[[:space:]]*(#|$)' "$ROOT/node-sensor/jvm.options")
java "${FLAGS[@]}" -jar "$JAR" up --integrity-seconds 0 --audit-minutes 0 --metrics-port 0 --pin-dir none \
  --alerts "$WORK/alerts.jsonl" --commands "$WORK/commands" >"$WORK/up.out" 2>"$WORK/up.err" &
UP=$!
for _ in $(seq 1 600); do grep -q ready "$WORK/up.out" 2>/dev/null && break; sleep 0.1; done
grep -q ready "$WORK/up.out" || { cat "$WORK/up.err"; exit 1; }
(cd "$WORK/ctr" && runc run -d "$NAME" >/dev/null 2>&1)
sleep 1
python3 - "$N" "$SPACING" "$NAME" "$CG" "$WORK" <<'PY'
import json, os, subprocess, sys, time, datetime
n, spacing, name, cg, work = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
alerts, spool = os.path.join(work, "alerts.jsonl"), os.path.join(work, "commands")

def frozen():
    with open(os.path.join(cg, "cgroup.events")) as f:
        return "frozen 1" in f.read()

def ns(iso):  # 2026-12-07T03:16:52.907016912Z -> ns since the epoch
    secs, frac = iso.rstrip("Z").split(".")
    base = datetime.datetime.fromisoformat(secs).replace(tzinfo=datetime.timezone.utc).timestamp()
    return int(base) * 1_000_000_000 + int(frac.ljust(9, "0")[:9])

def events(kind):
    out = []
    with open(alerts) as f:
        for l in f:
            e = json.loads(l)
            if e.get("detail-type") == kind:
                out.append(e["detail"])
    return out

lat, own, missed = [], [], 0
for i in range(n):
    seen = len([a for a in events("Container Escape Alert") if a.get("vector") == "core-pattern"])
    subprocess.run(["runc", "exec", "-d", name, "sh", "-c", "echo x > /proc/sys/kernel/core_pattern"],
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t_end = time.time() + 5
    stamp = None
    while time.time() < t_end:
        if frozen():
            stamp = time.time_ns()
            break
        time.sleep(0.00005)
    # the alert of this attempt (it is appended after the freeze)
    alert = None
    t_end = time.time() + 5
    while time.time() < t_end and alert is None:
        cp = [a for a in events("Container Escape Alert") if a.get("vector") == "core-pattern"]
        if len(cp) > seen:
            alert = cp[-1]
        else:
            time.sleep(0.01)
    if stamp is None or alert is None or alert["sensor"]["action"] != "frozen":
        missed += 1
        print(f"attempt {i}: not frozen (alert {alert and alert['sensor']})", file=sys.stderr)
    else:
        t0 = ns(alert["time"])
        lat.append((stamp - t0) / 1e6)
        rec = [r for r in events("Bulwark Action") if r.get("alert_id") == alert["id"] and r["action"] == "freeze"]
        if rec:
            own.append((ns(rec[0]["time"]) - t0) / 1e6)
    # release through the command spool, as `bulwark release` does
    cid = f"bench-thaw-{os.getpid()}-{i}"
    tmp = os.path.join(spool, "." + cid + ".tmp")
    with open(tmp, "w") as f:
        json.dump({"id": cid, "action": "thaw", "target": {"container": name}, "requested_by": "bench"}, f)
    os.rename(tmp, os.path.join(spool, cid + ".json"))
    t_end = time.time() + 10
    while time.time() < t_end and (frozen() or not os.path.exists(os.path.join(spool, "done", cid + ".json"))):
        time.sleep(0.005)
    time.sleep(spacing)

def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * len(xs)))]
if not lat:
    sys.exit("no attempt was frozen")
print(f"{len(lat)} of {n} attempts frozen ({missed} not)")
print(f"syscall -> cgroup.events frozen 1 (watcher), ms: p50 {q(lat,.5):.1f}, p90 {q(lat,.9):.1f}, p99 {q(lat,.99):.1f}, max {max(lat):.1f}")
if own:
    print(f"syscall -> freeze confirmed (the sensor's audit record), ms: p50 {q(own,.5):.1f}, p99 {q(own,.99):.1f}, max {max(own):.1f}")
PY
