# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Make the collection importable as ansible_collections.tradeops.aws.

`make setup` links .cache/collections/ansible_collections/tradeops/aws to the repository
root; when that link exists it is put first on sys.path. ansible-test runs the tests from
its own ansible_collections tree, where nothing needs to be added.
"""

import os
import sys

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
_COLLECTIONS = os.path.join(_ROOT, ".cache", "collections")

# moto_gaps.py (the gaps of moto, patched alike in the sandbox's moto and the tests').
_GAPS = os.path.join(_ROOT, "roles", "sandbox", "files")
if _GAPS not in sys.path:
    sys.path.append(_GAPS)

if os.path.isdir(os.path.join(_COLLECTIONS, "ansible_collections", "tradeops", "aws")):
    if _COLLECTIONS not in sys.path:
        sys.path.insert(0, _COLLECTIONS)
