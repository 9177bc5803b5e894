# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A test double of the EC2 instance metadata service on a sandbox host (the sandbox has none).

    python3 - up      give the host 169.254.169.254 (alias lo:imds) and serve HTTP 200 there
    python3 - down    stop serving and remove the address
    python3 - probe [CGROUP]
                      GET http://169.254.169.254/ from this process, first moved into the cgroup
                      CGROUP (a unit's: the "0::" line of /proc/<pid>/cgroup) so that the unit's IP
                      filter applies;
                      prints "reached <status>" or "blocked <error>"

Run on the host with `docker exec -i <host> python3 - <verb>` (stdlib only; the host image has no
iproute2, so the address is set with the SIOCSIFADDR ioctl).
"""

import fcntl
import os
import signal
import socket
import struct
import subprocess
import sys
import urllib.request

ADDRESS = "169.254.169.254"
ALIAS = "lo:imds"
PIDFILE = "/run/tradeops-imds-double.pid"
SIOCSIFADDR, SIOCSIFNETMASK, SIOCSIFFLAGS = 0x8916, 0x891C, 0x8914


def _ifreq(address):
    return struct.pack("16sH2s4s8s", ALIAS.encode(), socket.AF_INET, b"\0\0", socket.inet_aton(address), b"\0" * 8)


def up():
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    fcntl.ioctl(sock, SIOCSIFADDR, _ifreq(ADDRESS))
    fcntl.ioctl(sock, SIOCSIFNETMASK, _ifreq("255.255.255.255"))
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", ADDRESS, "80"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    with open(PIDFILE, "w", encoding="utf-8") as handle:
        handle.write(str(server.pid))


def down():
    if os.path.exists(PIDFILE):
        with open(PIDFILE, encoding="utf-8") as handle:
            try:
                os.kill(int(handle.read()), signal.SIGTERM)
            except ProcessLookupError:
                pass
        os.unlink(PIDFILE)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:  # an alias brought down is removed
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sH14s", ALIAS.encode(), 0, b"\0" * 14))
    except OSError:
        pass


def probe(cgroup=None):
    if cgroup:
        # the unified (v2) hierarchy, where systemd attaches a unit's IP filter (BPF); a host with
        # the hybrid layout mounts it at /sys/fs/cgroup/unified
        root = "/sys/fs/cgroup/unified" if os.path.isdir("/sys/fs/cgroup/unified") else "/sys/fs/cgroup"
        with open("%s%s/cgroup.procs" % (root, cgroup), "w", encoding="utf-8") as handle:
            handle.write(str(os.getpid()))
    try:
        print("reached %d" % urllib.request.urlopen("http://%s/" % ADDRESS, timeout=3).status)
    except OSError as error:
        print("blocked %s" % error)


if __name__ == "__main__":
    {"up": up, "down": down, "probe": probe}[sys.argv[1]](*sys.argv[2:])
