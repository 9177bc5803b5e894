# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Build the wheelhouse of one Python bot release on the controller.

The bot host may have no route to a package index, so the controller collects every wheel the
release needs, for the host's Python version and CPU, and the host installs them with
``pip install --no-index --find-links``. Prints one JSON object: changed, fingerprint, install
(pip arguments relative to the wheelhouse) and wheels.

A wheelhouse is rebuilt only when its inputs change (the package spec, the host's Python and
CPU, and for local sources the content of the file or directory).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

try:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:  # pragma: no cover - pip always vendors packaging
    from pip._vendor.packaging.requirements import Requirement
    from pip._vendor.packaging.utils import canonicalize_name

MANIFEST = "manifest.json"
SKIP_DIRS = {".git", "__pycache__", ".pytest_cache", ".tox", ".venv", "build", "dist", ".eggs"}
URL_PREFIXES = ("git+", "hg+", "svn+", "bzr+", "http://", "https://", "file:")


def fail(message):
    sys.stdout.write(json.dumps({"failed": True, "msg": message}) + "\n")
    sys.exit(1)


def tree_digest(path):
    """sha256 over the relative names and contents of a source tree (build output excluded)."""
    digest = hashlib.sha256()
    if os.path.isfile(path):
        with open(path, "rb") as handle:
            digest.update(handle.read())
        return digest.hexdigest()
    for root, dirs, files in os.walk(path):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            full = os.path.join(root, name)
            digest.update(os.path.relpath(full, path).encode("utf-8") + b"\0")
            with open(full, "rb") as handle:
                digest.update(handle.read())
    return digest.hexdigest()


def platforms(arch):
    """pip --platform tags a glibc Linux host of this CPU accepts (manylinux2014 up to glibc 2.34)."""
    arch = {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch)
    tags = ["manylinux_2_%d_%s" % (minor, arch) for minor in range(34, 16, -1)]
    return tags + ["manylinux2014_%s" % arch]


def pip(args, cwd=None):
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input"] + args
    proc = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        fail("pip %s failed (exit %d): %s" % (args[0], proc.returncode, (proc.stderr or proc.stdout)[-2000:]))
    return proc


def target_args(python_version, arch):
    args = ["--only-binary=:all:", "--python-version", python_version, "--implementation", "cp"]
    for tag in platforms(arch):
        args += ["--platform", tag]
    return args


def target_environment(python_version, arch):
    """PEP 508 marker values of the host (CPython on glibc Linux)."""
    parts = (python_version.split(".") + ["0", "0"])[:3]
    return {
        "python_version": "%s.%s" % (parts[0], parts[1]),
        "python_full_version": ".".join(parts),
        "implementation_name": "cpython",
        "implementation_version": ".".join(parts),
        "platform_python_implementation": "CPython",
        "platform_machine": {"amd64": "x86_64", "arm64": "aarch64"}.get(arch, arch),
        "platform_system": "Linux",
        "sys_platform": "linux",
        "os_name": "posix",
        "platform_release": "",
        "platform_version": "",
        "extra": "",
    }


def wheel_requirements(path):
    """Requires-Dist entries of a wheel."""
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1]
        if not names:
            fail("%s has no .dist-info/METADATA" % os.path.basename(path))
        text = archive.read(names[0]).decode("utf-8")
    for line in text.splitlines():
        if not line.strip():
            break  # end of the headers
        if line.lower().startswith("requires-dist:"):
            yield Requirement(line.split(":", 1)[1].strip())


def missing_for_target(work, environment):
    """Requirements the host needs that no wheel in ``work`` provides.

    pip evaluates environment markers with the controller's interpreter even when
    --python-version names another one (a dependency under `python_full_version < "3.11.3"` is
    skipped on a 3.11.7 controller although a 3.11.2 host needs it); this sweep catches them.
    """
    wheels = [n for n in os.listdir(work) if n.endswith(".whl")]
    present = {canonicalize_name(n.split("-")[0]) for n in wheels}
    missing = {}
    for name in wheels:
        for requirement in wheel_requirements(os.path.join(work, name)):
            if requirement.marker is not None and not requirement.marker.evaluate(environment):
                continue
            key = canonicalize_name(requirement.name)
            if key not in present:
                requirement.marker = None
                missing.setdefault(key, str(requirement))
    return sorted(missing.values())


def build(kind, spec, work, python_version, arch, pip_args):
    """Fill ``work`` with wheels; returns the pip install arguments relative to it."""
    install = collect(kind, spec, work, python_version, arch, pip_args)
    download = ["download", "--dest", work] + target_args(python_version, arch) + pip_args
    environment = target_environment(python_version, arch)
    for _round in range(10):
        missing = missing_for_target(work, environment)
        if not missing:
            return install
        pip(download + missing)
    fail("the dependencies of %s did not settle for Python %s: %s" % (spec, python_version, missing))
    return install


def collect(kind, spec, work, python_version, arch, pip_args):
    """First pass: pip's own resolution, for the host's Python version and platform tags."""
    download = ["download", "--dest", work] + target_args(python_version, arch) + pip_args
    if kind == "requirement":
        pip(download + [spec])
        return [spec]
    if kind == "requirements_file":
        shutil.copyfile(spec, os.path.join(work, "requirements.txt"))
        pip(download + ["-r", os.path.join(work, "requirements.txt")])
        return ["-r", "requirements.txt"]
    # kind == "path" (directory, sdist or wheel on the controller) or a VCS/URL requirement:
    # build the bot's own wheel (pure Python), then collect its dependencies for the host.
    scratch = tempfile.mkdtemp(prefix="wheelhouse-src-")
    try:
        source = spec
        if kind == "path" and os.path.isdir(spec):
            # Build from a copy: setuptools writes build/ and *.egg-info into the source tree.
            source = os.path.join(scratch, "src")
            shutil.copytree(
                spec, source,
                ignore=lambda _d, names: [n for n in names if n in SKIP_DIRS or n.endswith(".egg-info")],
            )
        top = os.path.join(scratch, "top")
        pip(["wheel", "--no-deps", "--wheel-dir", top] + pip_args + [source])
        built = sorted(os.listdir(top))
        if len(built) != 1:
            fail("expected one wheel from %s, got %s" % (spec, built))
        if not built[0].endswith("-none-any.whl"):
            fail(
                "%s builds a platform-specific wheel (%s); the wheelhouse needs a pure-Python bot "
                "package (or use python_bot_install_from: index)" % (spec, built[0])
            )
        shutil.move(os.path.join(top, built[0]), os.path.join(work, built[0]))
        pip(download + [os.path.join(work, built[0])])
        return [built[0]]
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def read_manifest(dest):
    try:
        with open(os.path.join(dest, MANIFEST), encoding="utf-8") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dest", required=True, help="wheelhouse directory (replaced when rebuilt)")
    parser.add_argument("--kind", required=True, choices=["requirement", "path", "url", "requirements_file"])
    parser.add_argument("--python-version", required=True, help="host Python, for example 3.11")
    parser.add_argument("--arch", required=True, help="host CPU, for example x86_64 or aarch64")
    parser.add_argument("--pip-arg", action="append", default=[], help="extra pip argument (repeatable)")
    parser.add_argument("spec")
    args = parser.parse_args(argv)
    if args.kind in ("path", "requirements_file"):
        args.spec = os.path.abspath(args.spec)

    inputs = {
        "kind": args.kind,
        "spec": args.spec,
        "python": args.python_version,
        "arch": args.arch,
        "pip_args": args.pip_arg,
    }
    if args.kind in ("path", "requirements_file"):
        if not os.path.exists(args.spec):
            fail("%s does not exist on the controller" % args.spec)
        inputs["content"] = tree_digest(args.spec)
    fingerprint = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()

    dest = os.path.abspath(args.dest)
    parent = os.path.dirname(dest)
    os.makedirs(parent, exist_ok=True)
    # Hosts of one play build in parallel: one builder per wheelhouse, the others reuse its work.
    with open(dest + ".lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        manifest = read_manifest(dest)
        if manifest.get("fingerprint") == fingerprint:
            manifest["changed"] = False
            sys.stdout.write(json.dumps(manifest) + "\n")
            return 0
        work = tempfile.mkdtemp(prefix=".building-", dir=parent)
        try:
            install = build(args.kind, args.spec, work, args.python_version, args.arch, args.pip_arg)
            manifest = {
                "fingerprint": fingerprint,
                "install": install,
                "wheels": sorted(n for n in os.listdir(work) if n.endswith(".whl")),
            }
            with open(os.path.join(work, MANIFEST), "w", encoding="utf-8") as handle:
                json.dump(manifest, handle, indent=1, sort_keys=True)
            os.chmod(work, 0o755)
            if os.path.exists(dest):
                shutil.rmtree(dest)
            os.rename(work, dest)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    manifest["changed"] = True
    sys.stdout.write(json.dumps(manifest) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
