# Offline stand-in for pip's get-pip.py, which ansible-test downloads to bootstrap pip in the
# virtual environments of its sanity tests. Bootstraps pip from the interpreter's bundled
# wheel (ensurepip), then installs what ansible-test asks for with the machine's own pip
# configuration.
import ensurepip
import os
import subprocess
import sys

ensurepip.bootstrap(upgrade=True)
os.environ.pop("PIP_CONFIG_FILE", None)  # ensurepip sets it to /dev/null for itself
args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
subprocess.check_call([sys.executable, "-m", "pip", "install"] + args)
