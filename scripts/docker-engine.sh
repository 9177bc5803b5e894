#!/usr/bin/env bash
# Start a Docker engine when none answers; a no-op where `docker info` already works.
#
# On kernels whose capability bounding set lacks CAP_SYS_RESOURCE, runc cannot start
# privileged containers ("unable to apply caps: operation not permitted"); there the
# engine's default runtime becomes a small wrapper that drops that capability from the
# OCI spec before calling runc. Elsewhere the engine is left as installed.
#
#   TRADEOPS_CACHE=dir   where the engine's log and pid go (default: <repo>/.cache)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${TRADEOPS_CACHE:-$here/.cache}
mkdir -p "$cache"
export DEBIAN_FRONTEND=noninteractive

if docker info >/dev/null 2>&1; then
  exit 0
fi

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "docker-engine.sh: no Docker engine answers and starting one needs root;" \
         "start Docker yourself (e.g. 'sudo systemctl start docker') and run again" >&2
    exit 1
  fi
}

if ! command -v dockerd >/dev/null 2>&1; then
  need_root
  apt-get update -q
  apt-get install -y -q docker.io
fi

capbnd=$(awk '/^CapBnd/ {print $2}' /proc/self/status)
if (( (16#$capbnd >> 24 & 1) == 0 )); then
  need_root
  command -v jq >/dev/null 2>&1 || { apt-get update -q; apt-get install -y -q jq; }
  install -m 0755 "$here/scripts/runc-nosysres" /usr/local/sbin/runc-nosysres
  mkdir -p /etc/docker
  want='{"runtimes":{"runc-nosysres":{"path":"/usr/local/sbin/runc-nosysres"}},"default-runtime":"runc-nosysres"}'
  if [ ! -f /etc/docker/daemon.json ] || ! jq -e '."default-runtime" == "runc-nosysres"' /etc/docker/daemon.json >/dev/null 2>&1; then
    if [ -s /etc/docker/daemon.json ]; then
      jq --argjson w "$want" '. * $w' /etc/docker/daemon.json > /etc/docker/daemon.json.new
    else
      echo "$want" > /etc/docker/daemon.json.new
    fi
    mv /etc/docker/daemon.json.new /etc/docker/daemon.json
  fi
fi

need_root
echo "docker-engine.sh: starting dockerd (log: $cache/dockerd.log)"
setsid nohup dockerd > "$cache/dockerd.log" 2>&1 < /dev/null &
echo $! > "$cache/dockerd.pid"
for _ in $(seq 150); do
  docker info >/dev/null 2>&1 && exit 0
  sleep 0.2
done
echo "docker-engine.sh: dockerd did not answer within 30 s; last lines of $cache/dockerd.log:" >&2
tail -n 20 "$cache/dockerd.log" >&2
exit 1
