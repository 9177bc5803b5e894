#!/usr/bin/env bash
# Build the systemd test-host images without any container registry: debootstrap a root file
# system from the machine's own apt mirror, `docker import` it, then one small build step.
#
#   local/debian-systemd:bookworm   always
#   local/ubuntu-systemd:noble      when an Ubuntu mirror is configured in apt, or UBUNTU_MIRROR=url
#
# Cached: an image whose label tradeops.recipe matches this script's hash is not rebuilt, and
# the debootstrapped root file systems stay under $TRADEOPS_CACHE/images for the next build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${TRADEOPS_CACHE:-$here/.cache}
work="$cache/images"
mkdir -p "$work"
export DEBIAN_FRONTEND=noninteractive
recipe=$(sha256sum "$0" | cut -c1-16)

# URIs of the machine's apt sources (deb822 and one-line formats), one a line.
apt_uris() {
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{for (i=2;i<=NF;i++) print $i}' || true
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list |
      sed -E 's/^deb (\[[^]]*\] )?//' | awk '{print $1}' || true; } | sed 's:/*$::'
}
debian_mirror() { apt_uris | grep -E '/debian$' | head -n1; }
ubuntu_mirror() { [ -n "${UBUNTU_MIRROR:-}" ] && { echo "${UBUNTU_MIRROR%/}"; return; }; apt_uris | grep -E '/ubuntu$' | head -n1 || true; }

current() { # name -> 0 when the image exists and was built by this recipe
  [ "$(docker image inspect -f '{{ index .Config.Labels "tradeops.recipe" }}' "$1" 2>/dev/null)" = "$recipe" ]
}

build_image() { # name suite mirror sources-text [debootstrap args...]
  local name=$1 suite=$2 mirror=$3 sources=$4; shift 4
  if current "$name"; then echo "build-images.sh: $name is up to date"; return 0; fi
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -q; apt-get install -y -q debootstrap; }
  local root="$work/rootfs-$suite"
  if [ ! -x "$root/sbin/init" ]; then
    rm -rf "$root"
    echo "build-images.sh: debootstrap $suite from $mirror (a few minutes)"
    debootstrap --variant=minbase --include=systemd,systemd-sysv,python3,sudo,dbus,ca-certificates \
      "$@" "$suite" "$root.partial" "$mirror" > "$work/debootstrap-$suite.log" 2>&1 ||
      { tail -n 30 "$work/debootstrap-$suite.log" >&2; exit 1; }
    mv "$root.partial" "$root"
  fi
  tar -C "$root" -c . | docker import --change 'CMD ["/sbin/init"]' --change 'ENV container=docker' - "$name-base" >/dev/null
  mkdir -p "$work/build-$suite"
  printf '%b' "$sources" > "$work/build-$suite/sources.list"
  cat > "$work/build-$suite/Dockerfile" <<DF
FROM $name-base
ENV container=docker
COPY sources.list /etc/apt/sources.list
RUN : > /etc/machine-id && rm -f /var/lib/dbus/machine-id \\
 && systemctl mask getty.target console-getty.service getty@tty1.service systemd-firstboot.service \\
      systemd-udevd.service systemd-modules-load.service sys-kernel-debug.mount sys-kernel-tracing.mount \\
      dev-hugepages.mount systemd-remount-fs.service \\
 && apt-get clean && rm -rf /var/lib/apt/lists/*
LABEL tradeops.recipe=$recipe
STOPSIGNAL SIGRTMIN+3
CMD ["/sbin/init"]
DF
  DOCKER_BUILDKIT=0 docker build -q -t "$name" "$work/build-$suite" > "$work/build-$suite.log" 2>&1 || { cat "$work/build-$suite.log" >&2; exit 1; }
  docker image rm "$name-base" >/dev/null 2>&1 || true
  echo "build-images.sh: built $name"
}

m=$(debian_mirror)
if [ -z "$m" ]; then
  echo "build-images.sh: no Debian mirror found in the apt configuration (/etc/apt/sources.list*)" >&2
  exit 1
fi
sec=$(apt_uris | grep -E '/debian-security$' | head -n1 || true)
build_image local/debian-systemd:bookworm bookworm "$m" \
  "deb $m bookworm main\ndeb $m bookworm-updates main\n${sec:+deb $sec bookworm-security main\n}"

u=$(ubuntu_mirror)
if [ -n "$u" ]; then
  # bookworm's debootstrap has no "noble" script; noble follows the same steps as gutsy.
  [ -e /usr/share/debootstrap/scripts/noble ] || ln -s gutsy /usr/share/debootstrap/scripts/noble
  # Debian has no ubuntu-keyring package: take the keyring .deb from the mirror itself.
  kr="$work/ubuntu-keyring"
  if [ ! -f "$kr/usr/share/keyrings/ubuntu-archive-keyring.gpg" ]; then
    deb=$(curl -fsSL "$u/pool/main/u/ubuntu-keyring/" | grep -oE 'ubuntu-keyring_[^"]+_all\.deb' | sort -V | tail -n1)
    curl -fsSL -o "$work/ubuntu-keyring.deb" "$u/pool/main/u/ubuntu-keyring/$deb"
    dpkg-deb -x "$work/ubuntu-keyring.deb" "$kr"
  fi
  build_image local/ubuntu-systemd:noble noble "$u" \
    "deb $u noble main universe\ndeb $u noble-updates main universe\n" \
    --keyring="$kr/usr/share/keyrings/ubuntu-archive-keyring.gpg"
else
  echo "build-images.sh: no Ubuntu mirror configured; skipping local/ubuntu-systemd:noble"
fi
