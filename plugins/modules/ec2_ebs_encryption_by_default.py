#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_ebs_encryption_by_default
short_description: Turn EBS encryption by default on or off in a region, and set its KMS key
version_added: 0.2.0
description:
  - Sets the account's EBS encryption by default in the connection's region
    (GetEbsEncryptionByDefault, EnableEbsEncryptionByDefault, DisableEbsEncryptionByDefault) and
    the KMS key new volumes are encrypted with (GetEbsDefaultKmsKeyId, ModifyEbsDefaultKmsKeyId,
    ResetEbsDefaultKmsKeyId). Neither amazon.aws nor community.aws has a module for it.
  - The setting is the account's, per region, not a resource's. With it on, every new EBS volume
    and every copy of an unencrypted snapshot in the region is encrypted; existing volumes are
    left as they are (AWS behaviour, EC2 User Guide, "Encryption by default").
  - Idempotent, with check mode and diff mode.
author:
  - tradeops maintainers (@tradeops)
options:
  enabled:
    description:
      - V(true) turns encryption by default on, V(false) off.
    type: bool
    default: true
  kms_key_id:
    description:
      - The KMS key new volumes are encrypted with - a key id, key ARN, alias (C(alias/NAME)) or
        alias ARN. AWS accepts it without checking that the key exists or is usable, so the module
        looks it up first (C(kms:DescribeKey)) and compares key ARNs.
      - V(alias/aws/ebs) puts back the AWS managed key (ResetEbsDefaultKmsKeyId).
      - Unset, the region's default key is left as it is.
    type: str
notes:
  - Errors the module raises (the parts in capitals are filled in); AWS errors add the AWS
    message and error code.
  - >-
    Error: C(reading the EBS encryption by default failed), C(turning EBS encryption by default
    on failed), C(turning EBS encryption by default off failed), for example without
    C(ec2:EnableEbsEncryptionByDefault) (C(UnauthorizedOperation)).
  - >-
    Error: C(KMS key KEY not found) when O(kms_key_id) names no key the caller can describe
    (C(NotFoundException)), C(setting the default EBS KMS key to KEY failed), C(resetting the
    default EBS KMS key failed).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without changing the setting.
  diff_mode:
    support: full
    description: Shows the setting and the key before and after.
"""

EXAMPLES = r"""
- name: Encrypt every new EBS volume in the region
  tradeops.aws.ec2_ebs_encryption_by_default:
    enabled: true

- name: With a key of the account
  tradeops.aws.ec2_ebs_encryption_by_default:
    enabled: true
    kms_key_id: alias/tradebot-ebs

- name: Back to the AWS managed key, and off
  tradeops.aws.ec2_ebs_encryption_by_default:
    enabled: false
    kms_key_id: alias/aws/ebs
"""

RETURN = r"""
ebs_encryption_by_default:
  description: Whether EBS encryption by default is on in the region after the run (in check
    mode, what it would be).
  returned: always
  type: bool
  sample: true
kms_key_id:
  description: The region's default EBS KMS key after the run as AWS reports it (an alias ARN for
    the AWS managed key); in check mode, what it would be.
  returned: always
  type: str
  sample: arn:aws:kms:us-east-1:123456789012:alias/aws/ebs
"""

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()
AWS_MANAGED = "alias/aws/ebs"


class EbsDefaults(object):
    def __init__(self, module):
        self.module = module
        self.ec2 = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
        self._kms = None

    def kms(self):
        if self._kms is None:
            self._kms = self.module.client("kms", retry_decorator=AWSRetry.jittered_backoff())
        return self._kms

    def read(self):
        try:
            enabled = self.ec2.get_ebs_encryption_by_default(aws_retry=True)["EbsEncryptionByDefault"]
            key = self.ec2.get_ebs_default_kms_key_id(aws_retry=True)["KmsKeyId"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="reading the EBS encryption by default failed")
        return {"enabled": bool(enabled), "kms_key_id": key}

    def key_arn(self, key):
        """The ARN of the key KEY names, or AWS_MANAGED for the AWS managed EBS key."""
        if key == AWS_MANAGED or key.endswith(":" + AWS_MANAGED):
            return AWS_MANAGED
        try:
            meta = self.kms().describe_key(aws_retry=True, KeyId=key)["KeyMetadata"]
        except is_boto3_error_code("NotFoundException"):
            self.module.fail_json(msg="KMS key %s not found" % key)
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="KMS key %s not found" % key)
        # The only AWS managed key EBS can use by default is aws/ebs.
        return AWS_MANAGED if meta.get("KeyManager") == "AWS" else meta["Arn"]

    def switch(self, enabled):
        try:
            if enabled:
                self.ec2.enable_ebs_encryption_by_default(aws_retry=True)
            else:
                self.ec2.disable_ebs_encryption_by_default(aws_retry=True)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="turning EBS encryption by default %s failed" % ("on" if enabled else "off"))

    def set_key(self, key):
        try:
            if key == AWS_MANAGED:
                return self.ec2.reset_ebs_default_kms_key_id(aws_retry=True)["KmsKeyId"]
            return self.ec2.modify_ebs_default_kms_key_id(aws_retry=True, KmsKeyId=key)["KmsKeyId"]
        except BOTO_ERRORS as e:
            if key == AWS_MANAGED:
                self.module.fail_json_aws(e, msg="resetting the default EBS KMS key failed")
            self.module.fail_json_aws(e, msg="setting the default EBS KMS key to %s failed" % key)


def ensure(defaults, before, enabled, kms_key_id):
    """(changed, after) for the wanted setting and key (None: leave the key)."""
    check = defaults.module.check_mode
    after = dict(before)
    changed = False
    if kms_key_id is not None:
        wanted = defaults.key_arn(kms_key_id)
        if defaults.key_arn(before["kms_key_id"]) != wanted:
            changed = True
            after["kms_key_id"] = wanted if check else defaults.set_key(wanted)
    if before["enabled"] != enabled:
        changed = True
        if not check:
            defaults.switch(enabled)
        after["enabled"] = enabled
    return changed, after


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            enabled=dict(type="bool", default=True),
            kms_key_id=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    defaults = EbsDefaults(module)
    before = defaults.read()
    changed, after = ensure(defaults, before, module.params["enabled"], module.params["kms_key_id"])
    if changed and not module.check_mode:
        after = defaults.read()
    module.exit_json(changed=changed, ebs_encryption_by_default=after["enabled"], kms_key_id=after["kms_key_id"],
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
