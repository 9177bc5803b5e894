#!/usr/bin/env bash
# ansible-test sanity on this collection. ansible-test must run from a path that ends in
# ansible_collections/<namespace>/<name>, so the collection's files (what git tracks, plus new
# files git does not ignore) are copied to .cache/sanity/ansible_collections/tradeops/aws.
#
# ansible-test bootstraps pip in its test environments with get-pip.py from the internet; it
# uses a cached copy when one exists, so the offline stand-in is put there first.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
cache=${TRADEOPS_CACHE:-$here/.cache}
dest="$cache/sanity/ansible_collections/tradeops/aws"

# One stand-in per pip version ansible-test may ask for (its get_venv_packages table).
reqs=$(python -c 'import ansible_test, os; print(os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py"))')
mkdir -p ~/.ansible/test/cache
for v in $(grep -oE "pip='[0-9.]+'" "$reqs" | grep -oE '[0-9.]+' | sort -u); do
  cp "$here/scripts/ansible-test-get-pip.py" ~/.ansible/test/cache/"get_pip_${v//./_}.py"
done

rm -rf "$dest"
mkdir -p "$dest"
cd "$here"
git ls-files -co --exclude-standard -z | xargs -0 -r tar -c --no-recursion | tar -C "$dest" -x
cd "$dest"
pyver=$(python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
exec ansible-test sanity --python "$pyver" --color no "$@"
