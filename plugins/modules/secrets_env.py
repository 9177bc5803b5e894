#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: secrets_env
short_description: Write AWS Secrets Manager secrets into an environment file for systemd
version_added: 0.1.0
description:
  - Reads one or more AWS Secrets Manager secrets (names or ARNs) with the credentials of the
    host (the EC2 instance role, or any credential source botocore knows) and writes them into
    one environment file that a systemd unit reads with C(EnvironmentFile=).
  - A secret whose value is a JSON object becomes one variable per key. A secret whose value is
    a plain string needs an explicit variable name (O(secrets[].variable)).
  - Values are quoted so that systemd reads back exactly the stored characters, including
    newlines, quotes, C($), backticks, backslashes, leading and trailing blanks and C(#). The
    quoting is designed from systemd's own reader (C(src/basic/env-file.c), documented under
    C(EnvironmentFile=) in systemd.exec(5)), which takes single-quoted text verbatim; it needs
    systemd 246 or later. The file is meant for systemd, not for dotenv parsers.
  - The file is replaced atomically (temporary file in the same directory, fsync, rename). On
    any error the existing file is left byte for byte as it was and no temporary file is left.
  - Runs on the bot host with the host's own boto3 (Debian 12 ships 1.26). It calls
    C(GetSecretValue) only, which every boto3 release has, so the amazon.aws minimum-version
    check (and its warning) is turned off for this module.
  - Values are never returned, logged or shown in the diff; the diff names the variables that
    are added, removed or changed.
  - When the rendered content equals the file's content, the file is not rewritten (its
    modification time does not change); owner, group and mode are still enforced.
author:
  - tradeops maintainers (@tradeops)
options:
  secrets:
    description:
      - The secrets to read, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name or ARN of the secret. The version staged as C(AWSCURRENT) is read.
        type: str
        required: true
      prefix:
        description:
          - Prepended to the name of every variable made from a JSON key of this secret (not to
            names given explicitly in O(secrets[].keys)).
          - Defaults to no prefix.
        type: str
      keys:
        description:
          - Selection and renaming of the JSON keys. When given, only these keys are read; each
            maps a JSON key to the variable name to use, or to an empty value to keep the key
            name (with O(secrets[].prefix)).
          - A listed key that the secret does not have is an error.
          - When omitted, every key of the JSON object becomes a variable.
        type: dict
      variable:
        description:
          - Use the whole secret string as the value of this one variable, whatever it holds.
          - Required for a secret whose value is not a JSON object. Mutually exclusive with
            O(secrets[].keys) and O(secrets[].prefix).
        type: str
  compose:
    description:
      - Extra variables built from the ones read from the secrets, as a mapping of variable
        name to a template.
      - In a template C(${NAME}) is replaced by the value of variable C(NAME) read from the
        secrets and C($$) is a literal C($). Any other C($) is an error.
      - Composed variables are written to the file like the others; a composed name must not
        also come from a secret.
    type: dict
    default: {}
  path:
    description:
      - The environment file to write. Its directory must exist.
    type: path
    required: true
  owner:
    description:
      - User name or numeric id that owns the file.
    type: str
    default: root
  group:
    description:
      - Group name or numeric id of the file.
    type: str
    default: root
  mode:
    description:
      - Octal mode of the file, as a string such as V('0600') or an integer written in octal
        in YAML. Symbolic modes are not supported.
    type: raw
    default: '0600'
notes:
  - JSON values that are strings are written as they are; numbers and booleans as their JSON
    text (V(true), V(42)); V(null) as an empty string; arrays and objects as compact JSON.
  - A JSON key of a secret is a variable name only if it matches C([A-Za-z_][A-Za-z0-9_]*)
    once prefixed; map other keys to valid names with O(secrets[].keys).
  - A secret that still holds the C(FILL_ME) placeholder key (see the secrets role) produces a
    warning, so that a bot's API keys that were never filled in do not go unnoticed.
  - Values that systemd cannot carry are refused with an error that names the secret and key
    (a NUL character, U+FEFF, a lone surrogate, a Unicode noncharacter).
  - Errors (the message, with the parts in capitals filled in); the file is left as it was after each of them.
  - >-
    Error: C(Failed to import the required Python library (boto3 and botocore) ...) when the
    host has no boto3 (install C(python3-boto3); host_base does).
  - >-
    Error: C(secret NAME was not found (region REGION))
  - >-
    Error: C(access to secret NAME was denied: AWS_MESSAGE)
  - >-
    Error: C(secret NAME could not be decrypted with its KMS key: AWS_MESSAGE)
  - >-
    Error: C(reading secret NAME failed: AWS_MESSAGE (any other AWS or connection error))
  - >-
    Error: C(secret NAME has no string value (binary secret that is not UTF-8 text))
  - >-
    Error: C(secret NAME is not a JSON object: set variable to use its whole value as one variable)
  - >-
    Error: C(secret NAME has no key KEY (its keys are: KEYS))
  - >-
    Error: C(secret NAME key KEY does not give a valid variable name (VAR); map it to one with keys)
  - >-
    Error: C(variable VAR comes from both secret A (key KEY) and secret B (key KEY))
  - >-
    Error: C(NAME (key KEY): the value of VAR contains ... (a character systemd cannot carry))
  - >-
    Error: C(compose VAR has a '$' at character N that is neither '$$' nor '${NAME}')
  - >-
    Error: C(compose VAR refers to ${NAME}, which none of the secrets provides)
  - >-
    Error: C(compose variable VAR is also read from secret NAME (key KEY))
  - >-
    Error: C(compose variable 'VAR' is not a valid variable name)
  - >-
    Error: C(secrets[N].variable and secrets[N].keys/prefix are mutually exclusive (secret NAME))
  - >-
    Error: C(secrets[N].variable 'VAR' (secret NAME) is not a valid variable name)
  - >-
    Error: C(secrets[N].keys maps key 'KEY' of secret NAME to 'VAR', which is not a valid variable name)
  - >-
    Error: C(secrets[N].prefix 'PREFIX' (secret NAME) is not a valid variable name prefix)
  - >-
    Error: C(user OWNER does not exist on this host)
  - >-
    Error: C(group GROUP does not exist on this host)
  - >-
    Error: C(mode MODE is not an octal mode such as '0600')
  - >-
    Error: C(directory DIR of PATH does not exist)
  - >-
    Error: C(PATH is a directory)
  - >-
    Error: C(reading PATH failed: REASON)
  - >-
    Error: C(writing PATH failed: REASON; the file was left unchanged)
  - >-
    Error: C(setting owner and mode of PATH failed: REASON)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change; reads the secrets but writes nothing.
  diff_mode:
    support: full
    description: Names of variables added, removed or changed; never values.
"""

EXAMPLES = r"""
- name: Write the bot's environment file from its secrets
  tradeops.aws.secrets_env:
    path: /etc/tradeops/xmaker.env
    region: us-east-1
    secrets:
      - name: tradebot/prod/binance           # {"BINANCE_API_KEY": ..., "BINANCE_API_SECRET": ...}
      - name: tradebot/prod/db-master         # {"username": ..., "password": ...}
        keys:
          username: DB_USER
          password: DB_PASSWORD
      - name: tradebot/prod/redis-auth        # {"auth_token": ...}
        keys:
          auth_token: REDIS_PASSWORD
    compose:
      DB_DSN: "${DB_USER}:${DB_PASSWORD}@tcp(db.example.internal:3306)/bbgo"
  no_log: true
  notify: Restart xmaker

- name: A plain-string secret becomes one variable
  tradeops.aws.secrets_env:
    path: /etc/tradeops/paper.env
    secrets:
      - name: arn:aws:secretsmanager:us-east-1:123456789012:secret:tradebot/prod/webhook-AbCdEf
        variable: WEBHOOK_URL
      - name: tradebot/prod/kis
        prefix: KIS_
"""

RETURN = r"""
changed:
  description: Whether the file content, owner, group or mode changed (or would, in check mode).
  returned: always
  type: bool
keys:
  description: Names of every variable in the file, sorted. Never values.
  returned: success
  type: list
  elements: str
  sample: [DB_DSN, DB_PASSWORD, DB_USER]
keys_added:
  description: Variables that the file did not have before.
  returned: success
  type: list
  elements: str
keys_removed:
  description: Variables that were in the file and are no longer.
  returned: success
  type: list
  elements: str
keys_changed:
  description: Variables whose value changed (the values are not shown).
  returned: success
  type: list
  elements: str
path:
  description: The environment file.
  returned: always
  type: str
  sample: /etc/tradeops/xmaker.env
"""

import grp
import json
import os
import pwd

try:
    import botocore
except ImportError:
    pass  # HAS_BOTO3 is checked in main()

from ansible.module_utils.basic import missing_required_lib
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.amazon.aws.plugins.module_utils.botocore import HAS_BOTO3
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.tradeops.aws.plugins.module_utils import envfile

HEADER = "Written by tradeops.aws.secrets_env from AWS Secrets Manager; local edits are replaced."
PLACEHOLDER_KEY = "FILL_ME"
# Values at least this long are also registered as no_log values, so that Ansible masks
# them should one ever reach any output. Shorter ones would mask ordinary words.
MASK_MIN_LENGTH = 6


class SecretsEnvError(Exception):
    pass


def json_text(value):
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True)


def validate_options(params):
    for index, item in enumerate(params["secrets"]):
        if item.get("variable") is not None:
            if item.get("keys") is not None or item.get("prefix"):
                raise SecretsEnvError(
                    "secrets[%d].variable and secrets[%d].keys/prefix are mutually exclusive (secret %s)"
                    % (index, index, item["name"])
                )
            if not envfile.is_valid_name(item["variable"]):
                raise SecretsEnvError(
                    "secrets[%d].variable %r (secret %s) is not a valid variable name"
                    % (index, item["variable"], item["name"])
                )
        for json_key, target in (item.get("keys") or {}).items():
            if target and not envfile.is_valid_name(str(target)):
                raise SecretsEnvError(
                    "secrets[%d].keys maps key %r of secret %s to %r, which is not a valid variable name"
                    % (index, json_key, item["name"], target)
                )
        if item.get("prefix") and not envfile.is_valid_name(item["prefix"]):
            raise SecretsEnvError(
                "secrets[%d].prefix %r (secret %s) is not a valid variable name prefix"
                % (index, item["prefix"], item["name"])
            )
    for name, template in params["compose"].items():
        if not envfile.is_valid_name(name):
            raise SecretsEnvError("compose variable %r is not a valid variable name" % name)
        try:
            envfile.compose_references(str(template))
        except ValueError as e:
            raise SecretsEnvError("compose %s %s" % (name, e))


def resolve_owner(owner, group):
    try:
        uid = int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid
    except KeyError:
        raise SecretsEnvError("user %s does not exist on this host" % owner)
    try:
        gid = int(group) if group.isdigit() else grp.getgrnam(group).gr_gid
    except KeyError:
        raise SecretsEnvError("group %s does not exist on this host" % group)
    return uid, gid


def resolve_mode(mode):
    try:
        if isinstance(mode, int):
            value = mode
        else:
            value = int(str(mode), 8)
    except ValueError:
        raise SecretsEnvError("mode %s is not an octal mode such as '0600'" % mode)
    if not 0 <= value <= 0o7777:
        raise SecretsEnvError("mode %s is not an octal mode such as '0600'" % mode)
    return value


def read_secret(module, client, name):
    """Return the secret's current string value."""
    try:
        response = client.get_secret_value(SecretId=name, aws_retry=True)
    except is_boto3_error_code("ResourceNotFoundException"):
        raise SecretsEnvError("secret %s was not found (region %s)" % (name, module.region))
    except is_boto3_error_code("AccessDeniedException") as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="access to secret %s was denied" % name)
    except is_boto3_error_code("DecryptionFailure") as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="secret %s could not be decrypted with its KMS key" % name)
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="reading secret %s failed" % name)
    if "SecretString" in response:
        return response["SecretString"]
    try:
        return response.get("SecretBinary", b"").decode("utf-8")
    except UnicodeDecodeError:
        raise SecretsEnvError("secret %s has no string value (binary secret that is not UTF-8 text)" % name)


def variables_from_secret(module, item, raw):
    """Return [(variable, json_key or None, value)] for one secret."""
    name = item["name"]
    if item.get("variable") is not None:
        return [(item["variable"], None, raw)]
    try:
        data = json.loads(raw)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        raise SecretsEnvError(
            "secret %s is not a JSON object: set variable to use its whole value as one variable" % name
        )
    if PLACEHOLDER_KEY in data:
        module.warn(
            "secret %s still holds the %s placeholder: put the bot's keys in it" % (name, PLACEHOLDER_KEY)
        )
    prefix = item.get("prefix") or ""
    selection = item.get("keys")
    if selection is None:
        selection = dict((key, None) for key in data)
    out = []
    for json_key, target in selection.items():
        if json_key not in data:
            raise SecretsEnvError(
                "secret %s has no key %s (its keys are: %s)" % (name, json_key, ", ".join(sorted(data)) or "none")
            )
        variable = str(target) if target else prefix + json_key
        if not envfile.is_valid_name(variable):
            raise SecretsEnvError(
                "secret %s key %s does not give a valid variable name (%s); map it to one with keys"
                % (name, json_key, variable)
            )
        out.append((variable, json_key, json_text(data[json_key])))
    return out


def collect(module, client, params):
    variables = {}
    origin = {}
    for item in params["secrets"]:
        raw = read_secret(module, client, item["name"])
        for variable, json_key, value in variables_from_secret(module, item, raw):
            where = item["name"] if json_key is None else "%s (key %s)" % (item["name"], json_key)
            if variable in variables:
                raise SecretsEnvError(
                    "variable %s comes from both secret %s and secret %s" % (variable, origin[variable], where)
                )
            variables[variable] = value
            origin[variable] = where
    composed = {}
    for name, template in params["compose"].items():
        if name in variables:
            raise SecretsEnvError("compose variable %s is also read from secret %s" % (name, origin[name]))
        try:
            composed[name] = envfile.expand(str(template), variables)
        except ValueError as e:
            raise SecretsEnvError("compose %s %s" % (name, e))
        origin[name] = "compose"
    variables.update(composed)
    for name, value in variables.items():
        problem = envfile.value_problem(value)
        if problem:
            raise SecretsEnvError("%s: the value of %s %s" % (origin[name], name, problem))
    return variables


def read_existing(path):
    if os.path.isdir(path):
        raise SecretsEnvError("%s is a directory" % path)
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        return None
    except OSError as e:
        raise SecretsEnvError("reading %s failed: %s" % (path, to_native(e)))


def key_diff(old_bytes, new_vars):
    old_vars = {}
    if old_bytes is not None:
        old_vars = envfile.parse(old_bytes.decode("utf-8", errors="replace"))
    added = sorted(set(new_vars) - set(old_vars))
    removed = sorted(set(old_vars) - set(new_vars))
    changed = sorted(k for k in set(new_vars) & set(old_vars) if new_vars[k] != old_vars[k])
    return sorted(old_vars), added, removed, changed


def diff_text(names, changed=()):
    return "".join("%s=<hidden%s>\n" % (n, ", changed" if n in changed else "") for n in names)


def main():
    argument_spec = dict(
        secrets=dict(
            type="list",
            elements="dict",
            required=True,
            no_log=False,
            options=dict(
                name=dict(type="str", required=True),
                prefix=dict(type="str"),
                keys=dict(type="dict", no_log=False),
                variable=dict(type="str"),
            ),
        ),
        compose=dict(type="dict", default={}),
        path=dict(type="path", required=True),
        owner=dict(type="str", default="root"),
        group=dict(type="str", default="root"),
        mode=dict(type="raw", default="0600"),
    )
    # Only GetSecretValue: the boto3 of the host's distribution is enough (see DOCUMENTATION).
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True, check_boto3=False)
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3 and botocore"))
    params = module.params
    path = params["path"]
    result = dict(changed=False, path=path)

    try:
        validate_options(params)
        uid, gid = resolve_owner(params["owner"], params["group"])
        mode = resolve_mode(params["mode"])
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise SecretsEnvError("directory %s of %s does not exist" % (directory, path))

        client = module.client("secretsmanager", retry_decorator=AWSRetry.jittered_backoff())
        variables = collect(module, client, params)
        for value in variables.values():
            if len(value) >= MASK_MIN_LENGTH:
                module.no_log_values.add(value)

        content = envfile.render(variables, header=HEADER).encode("utf-8")
        existing = read_existing(path)
        old_names, added, removed, changed_keys = key_diff(existing, variables)
        result.update(keys=sorted(variables), keys_added=added, keys_removed=removed, keys_changed=changed_keys)
        if module._diff:
            result["diff"] = dict(
                before_header=path,
                after_header=path,
                before=diff_text(old_names),
                after=diff_text(sorted(variables), changed_keys),
            )

        if existing != content:
            result["changed"] = True
            if not module.check_mode:
                try:
                    envfile.write_atomic(path, content, mode, uid, gid)
                except OSError as e:
                    raise SecretsEnvError("writing %s failed: %s; the file was left unchanged" % (path, to_native(e)))
        else:
            st = os.stat(path)
            if (st.st_mode & 0o7777, st.st_uid, st.st_gid) != (mode, uid, gid):
                result["changed"] = True
                if not module.check_mode:
                    try:
                        os.chown(path, uid, gid)
                        os.chmod(path, mode)
                    except OSError as e:
                        raise SecretsEnvError("setting owner and mode of %s failed: %s" % (path, to_native(e)))
    except SecretsEnvError as e:
        module.fail_json(msg=to_native(e), **result)

    module.exit_json(**result)


if __name__ == "__main__":
    main()
