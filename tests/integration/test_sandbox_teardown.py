"""Teardown of the end-to-end sandbox (e2e_support.py), after the e2e and fault modules: nothing
tagged with the project is left in the sandbox's AWS API."""

from e2e_support import FIGURES, PROJECT, aws, playbook


def test_teardown_leaves_nothing_tagged(deployed):
    rc, out, took = playbook("playbooks/teardown.yml", "-e", "confirm_teardown=" + PROJECT)
    FIGURES["teardown_s"] = round(took, 1)
    ec2 = aws("ec2")
    live = [i for r in ec2.describe_instances(
        Filters=[{"Name": "tag:Project", "Values": [PROJECT]}])["Reservations"]
        for i in r["Instances"] if i["State"]["Name"] not in ("terminated", "shutting-down")]
    assert live == []
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [PROJECT]}])["Vpcs"]
    assert vpcs == []
