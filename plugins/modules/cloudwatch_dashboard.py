#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cloudwatch_dashboard
short_description: Manage a CloudWatch dashboard
version_added: 0.1.0
description:
  - Creates, updates and deletes an Amazon CloudWatch dashboard (PutDashboard, GetDashboard,
    DeleteDashboards). Neither amazon.aws nor community.aws has a module for dashboards.
  - Idempotent (the dashboard body is compared as JSON), with check mode and diff mode.
author:
  - tradeops maintainers (@tradeops)
options:
  name:
    description:
      - Name of the dashboard (letters, digits, C(-) and C(_), at most 255 characters).
    type: str
    required: true
  body:
    description:
      - The dashboard body (a dict with C(widgets), see the CloudWatch dashboard body
        structure). Required when O(state=present).
    type: dict
  state:
    description:
      - V(present) creates or updates the dashboard; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without calling PutDashboard or DeleteDashboards.
  diff_mode:
    support: full
    description: Shows the body before and after.
"""

EXAMPLES = r"""
- name: A dashboard with the CPU of one instance
  tradeops.aws.cloudwatch_dashboard:
    name: tradebot-prod
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: CPU
            region: us-east-1
            metrics:
              - [AWS/EC2, CPUUtilization, InstanceId, i-0123456789abcdef0]

- name: Remove it
  tradeops.aws.cloudwatch_dashboard:
    name: tradebot-prod
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard after the run (empty when absent).
  returned: always
  type: dict
  contains:
    name:
      description: Name of the dashboard.
      type: str
      sample: tradebot-prod
    arn:
      description: ARN of the dashboard.
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/tradebot-prod
    body:
      description: The dashboard body.
      type: dict
      sample: {widgets: []}
"""

import json

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def get_dashboard(module, client, name):
    try:
        found = client.get_dashboard(DashboardName=name, aws_retry=True)
    except is_boto3_error_code("ResourceNotFound"):
        return None
    except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg="reading dashboard %s failed" % name)
    return {
        "name": found["DashboardName"],
        "arn": found.get("DashboardArn"),
        "body": json.loads(found.get("DashboardBody") or "{}"),
    }


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            body=dict(type="dict"),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        required_if=[("state", "present", ["body"])],
        supports_check_mode=True,
    )
    name = module.params["name"]
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    current = get_dashboard(module, client, name)
    before = current["body"] if current else {}
    changed = False

    if module.params["state"] == "absent":
        after = {}
        if current is not None:
            changed = True
            if not module.check_mode:
                try:
                    client.delete_dashboards(DashboardNames=[name], aws_retry=True)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    module.fail_json_aws(e, msg="deleting dashboard %s failed" % name)
            current = None
    else:
        # Normalise through JSON so that the comparison sees what AWS stores.
        after = json.loads(json.dumps(module.params["body"]))
        if current is None or current["body"] != after:
            changed = True
            if not module.check_mode:
                try:
                    response = client.put_dashboard(DashboardName=name, DashboardBody=json.dumps(after), aws_retry=True)
                except (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) as e:
                    module.fail_json_aws(e, msg="writing dashboard %s failed" % name)
                problems = response.get("DashboardValidationMessages") or []
                if problems:
                    module.warn("dashboard %s: %s" % (name, "; ".join(p.get("Message", "") for p in problems)))
                current = get_dashboard(module, client, name)
            else:
                current = {"name": name, "arn": current["arn"] if current else None, "body": after}

    module.exit_json(changed=changed, dashboard=current or {}, diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
