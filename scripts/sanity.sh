#!/usr/bin/env bash
# ansible-test sanity on this collection. ansible-test must run from a path that ends in
# ansible_collections/<namespace>/<name>, so the collection's files (what git tracks, plus new
# files git does not ignore) are copied to $TRADEOPS_SANITY_DIR/ansible_collections/tradeops/aws
# (default: under $TMPDIR). The copy must lie outside this repository: inside it, ansible-test
# would find the repository's .git, which ignores the copy, and skip every target. The
# collections the `ansible` package bundles (amazon.aws's doc fragments and module_utils, ...)
# are linked beside the copy.
#
# ansible-test bootstraps pip in its test environments with get-pip.py from the internet; it
# uses a cached copy when one exists, so the offline stand-in is put there first.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
root=${TRADEOPS_SANITY_DIR:-${TMPDIR:-/tmp}/tradeops-sanity}
dest="$root/ansible_collections/tradeops/aws"

# One stand-in per pip version ansible-test may ask for (its get_venv_packages table).
reqs=$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
mkdir -p ~/.ansible/test/cache
for v in $(grep -oE "pip='[0-9.]+'" "$reqs" | grep -oE '[0-9.]+' | sort -u); do
  cp "$here/scripts/ansible-test-get-pip.py" ~/.ansible/test/cache/"get_pip_${v//./_}.py"
done

rm -rf "$root"
mkdir -p "$dest"
site=$(python -c 'import ansible_collections; print(list(ansible_collections.__path__)[0])')
for ns in "$site"/*/; do
  ns=$(basename "$ns")
  [ "$ns" = tradeops ] || [ "$ns" = __pycache__ ] || ln -sfn "$site/$ns" "$root/ansible_collections/$ns"
done
cd "$here"
git ls-files -co --exclude-standard -z | xargs -0 -r tar -c --no-recursion | tar -C "$dest" -x
cd "$dest"
pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
exec ansible-test sanity --python "$pyver" --color no "$@"
