# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: deployment
author: tradeops maintainers (@tradeops)
short_description: A deployment setting for the dynamic inventories
description:
  - Returns deployment-wide settings for C(inventories/aws/aws_ec2.yml) and
    C(inventories/sandbox/aws_ec2.yml). Inventories are parsed before any play runs, so each
    setting is read from, in this order
  - 1. the C(-e) extra variables of the command line (C(-e tradeops_project=...),
    C(-e @deployment.yml)), the same place the plays take it from; a templated value is skipped;
  - 2. its environment variable (C(TRADEOPS_PROJECT), C(TRADEOPS_ENVIRONMENT), C(TRADEOPS_REGION),
    and for C(sandbox_moto_url) C(TRADEOPS_SANDBOX_AWS_URL));
  - 3. with O(sandbox=true), the sandbox started last, which the sandbox role records in
    C(<cache>/sandbox/current.yml) (C(<cache>) is C(TRADEOPS_CACHE), else C(.cache) beside
    C(ansible.cfg)); not when 1. or 2. name another project (that record is another sandbox's),
    and its environment not when 1. or 2. name another environment;
  - 4. the C(group_vars/all.yml) beside C(ansible.cfg), the file a user edits;
  - 5. the collection's default (C(tradebot), C(prod), C(us-east-1), C(http://127.0.0.1:4566)).
options:
  _terms:
    description: Names of the settings.
    type: list
    elements: str
    required: true
    choices: [tradeops_project, tradeops_environment, tradeops_region, sandbox_moto_url]
  sandbox:
    description: Also read the record of the sandbox started last.
    type: bool
    default: false
"""

EXAMPLES = r"""
# inventories/sandbox/aws_ec2.yml
regions:
  - "{{ lookup('tradeops.aws.deployment', 'tradeops_region', sandbox=true) }}"
filters:
  "tag:Project": "{{ lookup('tradeops.aws.deployment', 'tradeops_project', sandbox=true) }}"
"""

RETURN = r"""
_raw:
  description: The value of each setting, as a string.
  type: list
  elements: str
"""

import os

import yaml

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.lookup import LookupBase
from ansible.utils.vars import load_extra_vars

ENVIRONMENT = {
    "tradeops_project": "TRADEOPS_PROJECT",
    "tradeops_environment": "TRADEOPS_ENVIRONMENT",
    "tradeops_region": "TRADEOPS_REGION",
    "sandbox_moto_url": "TRADEOPS_SANDBOX_AWS_URL",
}
DEFAULTS = {
    "tradeops_project": "tradebot",
    "tradeops_environment": "prod",
    "tradeops_region": "us-east-1",
    "sandbox_moto_url": "http://127.0.0.1:4566",
}


def _read(path):
    try:
        with open(path) as handle:
            data = yaml.safe_load(handle)
    except (IOError, OSError):
        return {}
    except yaml.YAMLError as e:
        raise AnsibleLookupError("%s is not YAML: %s" % (path, e))
    return data if isinstance(data, dict) else {}


def _plain(value):
    """A literal value (a templated one cannot be evaluated before the play)."""
    return value if isinstance(value, str) and value and "{{" not in value else None


def settings(environ, config_file, sandbox, extra_vars=None):
    """{name: value} of every setting, from the sources in the documented order."""
    base = os.path.dirname(config_file) if config_file else os.getcwd()
    cache = environ.get("TRADEOPS_CACHE") or os.path.join(base, ".cache")
    given = {}
    for name, variable in ENVIRONMENT.items():
        value = _plain((extra_vars or {}).get(name)) or environ.get(variable) or None
        if value:
            given[name] = str(value)
    sources = [given]
    if sandbox:
        record = _read(os.path.join(cache, "sandbox", "current.yml"))
        # The record of another project's sandbox says nothing about the one named on the command line.
        if given.get("tradeops_project") in (None, record.get("tradeops_project")):
            if given.get("tradeops_environment") not in (None, record.get("tradeops_environment")):
                # Another environment of the same sandbox: its moto, not its environment.
                record = dict(record, tradeops_environment=None)
            sources.append(record)
    sources.append(_read(os.path.join(base, "group_vars", "all.yml")))
    result = {}
    for name in ENVIRONMENT:
        found = [_plain(source.get(name)) for source in sources]
        result[name] = str(next((value for value in found if value), DEFAULTS[name]))
    return result


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        values = settings(os.environ, C.CONFIG_FILE, boolean(kwargs.get("sandbox", False), strict=False),
                          load_extra_vars(self._loader))
        unknown = [term for term in terms if term not in values]
        if unknown:
            raise AnsibleLookupError("tradeops.aws.deployment knows %s, not %s"
                                     % (", ".join(sorted(values)), ", ".join(unknown)))
        return [values[term] for term in terms]
