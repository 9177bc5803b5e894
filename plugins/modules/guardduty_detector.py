#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: guardduty_detector
short_description: Manage the GuardDuty detector of an account in a region
version_added: 0.2.0
description:
  - Creates, updates and deletes the Amazon GuardDuty detector of the account in the
    connection's region (ListDetectors, CreateDetector, GetDetector, UpdateDetector,
    DeleteDetector). Neither amazon.aws nor community.aws has a module for GuardDuty.
  - An account has at most one detector per region (GuardDuty API Reference, CreateDetector), so
    the detector is found by listing, not by a name; one made by hand or by another tool is
    taken over and updated.
  - Idempotent, with check mode and diff mode.
author:
  - tradeops maintainers (@tradeops)
options:
  state:
    description:
      - V(present) creates the detector (or updates the one there is); V(absent) deletes it, and
        with it the findings GuardDuty keeps.
    type: str
    choices: [present, absent]
    default: present
  enable:
    description:
      - Whether the detector watches (V(true)) or is suspended (V(false); GuardDuty then neither
        analyses nor bills).
    type: bool
    default: true
  finding_publishing_frequency:
    description:
      - How often updated findings are sent to EventBridge (and, where configured, S3). New
        findings are sent within about five minutes either way.
      - Unset, a new detector gets the AWS default (V(SIX_HOURS)) and an existing one keeps its own.
    type: str
    choices: [FIFTEEN_MINUTES, ONE_HOUR, SIX_HOURS]
  tags:
    description:
      - Tags of a detector the module creates. The tags of an existing detector are left as they are.
    type: dict
    aliases: [resource_tags]
notes:
  - Errors the module raises (the parts in capitals are filled in); AWS errors add the AWS
    message and error code.
  - >-
    Error: C(listing the GuardDuty detectors failed), C(reading GuardDuty detector ID failed),
    for example without C(guardduty:ListDetectors) (C(AccessDeniedException)).
  - >-
    Error: C(creating the GuardDuty detector failed), for example in a region where GuardDuty is
    not offered or without the right to create its service-linked role
    (C(iam:CreateServiceLinkedRole)); C(updating GuardDuty detector ID failed),
    C(deleting GuardDuty detector ID failed).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without creating, updating or deleting.
  diff_mode:
    support: full
    description: Shows the detector's status and frequency before and after.
"""

EXAMPLES = r"""
- name: Turn GuardDuty on in the region
  tradeops.aws.guardduty_detector:
    enable: true
    finding_publishing_frequency: ONE_HOUR
    tags:
      ManagedBy: tradeops
  register: _detector

- name: Delete the detector (and its findings)
  tradeops.aws.guardduty_detector:
    state: absent
"""

RETURN = r"""
detector_id:
  description: The id of the detector; empty when there is none (state absent, or a creation in
    check mode).
  returned: always
  type: str
  sample: 12abc34d567e8fa901bc2d34e56789f0
detector:
  description: The detector after the run as GetDetector returns it (keys in snake_case; C(tags)
    as a dict), empty when there is none.
  returned: always
  type: dict
  sample:
    status: ENABLED
    finding_publishing_frequency: SIX_HOURS
    service_role: arn:aws:iam::123456789012:role/aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty
    tags: {ManagedBy: tradeops}
"""

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()


class Detectors(object):
    def __init__(self, module):
        self.module = module
        self.client = module.client("guardduty", retry_decorator=AWSRetry.jittered_backoff())

    def find(self):
        """(detector id, GetDetector answer) of the region's detector, or ("", {})."""
        try:
            ids = self.client.list_detectors(aws_retry=True).get("DetectorIds") or []
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="listing the GuardDuty detectors failed")
        if not ids:
            return "", {}
        detector_id = ids[0]
        try:
            answer = self.client.get_detector(aws_retry=True, DetectorId=detector_id)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="reading GuardDuty detector %s failed" % detector_id)
        answer.pop("ResponseMetadata", None)
        return detector_id, answer

    def create(self, enable, frequency, tags):
        request = {"Enable": enable}
        if frequency:
            request["FindingPublishingFrequency"] = frequency
        if tags:
            request["Tags"] = tags
        try:
            return self.client.create_detector(aws_retry=True, **request)["DetectorId"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="creating the GuardDuty detector failed")

    def update(self, detector_id, enable, frequency):
        request = {"DetectorId": detector_id, "Enable": enable}
        if frequency:
            request["FindingPublishingFrequency"] = frequency
        try:
            self.client.update_detector(aws_retry=True, **request)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="updating GuardDuty detector %s failed" % detector_id)

    def delete(self, detector_id):
        try:
            self.client.delete_detector(aws_retry=True, DetectorId=detector_id)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="deleting GuardDuty detector %s failed" % detector_id)


def settings(detector):
    """The managed settings, for the diff."""
    if not detector:
        return {}
    return {"enable": detector.get("Status") == "ENABLED",
            "finding_publishing_frequency": detector.get("FindingPublishingFrequency")}


def describe(detector):
    if not detector:
        return {}
    tags = detector.get("Tags") or {}
    result = camel_dict_to_snake_dict(dict((k, v) for k, v in detector.items() if k != "Tags"))
    result["tags"] = dict(tags)
    return result


def ensure_present(detectors, detector_id, detector):
    p = detectors.module.params
    check = detectors.module.check_mode
    frequency = p["finding_publishing_frequency"]
    if not detector_id:
        if check:
            return True, "", {}, {"enable": p["enable"], "finding_publishing_frequency": frequency or "SIX_HOURS"}
        detectors.create(p["enable"], frequency, p["tags"])
        detector_id, detector = detectors.find()
        return True, detector_id, detector, settings(detector)
    before = settings(detector)
    wanted = dict(before, enable=p["enable"])
    if frequency:
        wanted["finding_publishing_frequency"] = frequency
    if wanted == before:
        return False, detector_id, detector, before
    if check:
        return True, detector_id, detector, wanted
    detectors.update(detector_id, p["enable"], frequency)
    detector_id, detector = detectors.find()
    return True, detector_id, detector, settings(detector)


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            state=dict(type="str", default="present", choices=["present", "absent"]),
            enable=dict(type="bool", default=True),
            finding_publishing_frequency=dict(type="str", choices=["FIFTEEN_MINUTES", "ONE_HOUR", "SIX_HOURS"]),
            tags=dict(type="dict", aliases=["resource_tags"]),
        ),
        supports_check_mode=True,
    )
    detectors = Detectors(module)
    detector_id, detector = detectors.find()
    before = settings(detector)
    if module.params["state"] == "absent":
        changed = bool(detector_id)
        if changed and not module.check_mode:
            detectors.delete(detector_id)
        module.exit_json(changed=changed, detector_id="", detector={}, diff={"before": before, "after": {}})
    changed, detector_id, detector, after = ensure_present(detectors, detector_id, detector)
    module.exit_json(changed=changed, detector_id=detector_id, detector=describe(detector),
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
