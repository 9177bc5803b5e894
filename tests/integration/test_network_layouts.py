# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The network role's layouts (network_layout), NAT gateways and VPC endpoints against a moto
server (the test double for AWS) started here, through tests/fixtures/network_layouts.yml (the
network role alone, main entry point).

Four deployments, one per layout, side by side in one moto: public_private (the default),
public_only, tiered in three zones, and tiered with a NAT gateway per zone and the endpoints s3,
secretsmanager and logs. They run in waves, the deployments of a wave in parallel: first runs;
second runs (plus a check-mode run) under moto's request recorder, which must see no mutating
call; then teardowns, while the fourth deployment is turned down to one NAT gateway and two
endpoints (the role removes what is no longer wanted); then its teardown. What each created is
read back from the EC2 API. Refused settings fail in validate before any AWS request.

Tests in this file share the waves (module-scoped fixtures) and run in order."""

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from provision_support import mutating, playbook, tags

PLAYBOOK = "../tests/fixtures/network_layouts.yml"  # playbook() runs playbooks/<name>
ENV, REGION = "ci", "us-east-1"
COMMON = {"Environment": ENV, "ManagedBy": "tradeops"}
A, B, C = REGION + "a", REGION + "b", REGION + "c"
THREE_ZONES = {"network_availability_zones": [A, B, C]}
ENDPOINTS = ["s3", "secretsmanager", "logs"]

# name: (tradeops_project, extra vars)
DEPLOYMENTS = {
    "public_private": ("nlpp", []),
    "public_only": ("nlpo", ["network_layout=public_only", "network_data_subnets_required=false"]),
    "tiered": ("nlti", ["network_layout=tiered", THREE_ZONES]),
    "tiered_full": ("nltf", ["network_layout=tiered", THREE_ZONES, "network_nat_gateways=per_az",
                             {"network_vpc_endpoints": ENDPOINTS}]),
}
# The fourth deployment turned down: one NAT gateway, logs endpoint dropped.
TURNED_DOWN = ["network_layout=tiered", THREE_ZONES, "network_nat_gateways=1",
               {"network_vpc_endpoints": ["s3", "secretsmanager"]}]


def run(moto, workdir, name, *extra, project=None):
    project = project or DEPLOYMENTS[name][0]
    args = ["tradeops_project=" + project, "tradeops_environment=" + ENV, "tradeops_region=" + REGION]
    args += ["network_outputs_file=%s" % os.path.join(str(workdir), project + ".json")]
    return playbook(moto, PLAYBOOK, *args, *extra, fixture=None)


def parallel(jobs, workers=5):
    """{key: callable} -> {key: result}, run side by side."""
    with ThreadPoolExecutor(max_workers=min(workers, len(jobs))) as pool:
        futures = {key: pool.submit(job) for key, job in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


def outputs(workdir, project):
    with open(os.path.join(str(workdir), project + ".json"), encoding="utf-8") as handle:
        return json.load(handle)


def snapshot(moto, project):
    """What the EC2 API reports of one deployment's network (live resources only)."""
    ec2 = moto.client("ec2")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [project]}])["Vpcs"]
    if not vpcs:
        return None
    assert len(vpcs) == 1
    vpc_id = vpcs[0]["VpcId"]
    in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
    subnets = ec2.describe_subnets(Filters=in_vpc)["Subnets"]
    cidr_of = {s["SubnetId"]: s["CidrBlock"] for s in subnets}
    tables = {}
    for table in ec2.describe_route_tables(Filters=in_vpc)["RouteTables"]:
        if any(a.get("Main") for a in table["Associations"]):
            assert {r["GatewayId"] for r in table["Routes"]} == {"local"}  # the main table is never used
            continue
        tables[tags(table.get("Tags"))["Name"]] = {
            "id": table["RouteTableId"],
            "tags": tags(table.get("Tags")),
            "subnets": {cidr_of[a["SubnetId"]] for a in table["Associations"] if a.get("SubnetId")},
            "routes": {(r.get("DestinationCidrBlock") or r.get("DestinationPrefixListId"),
                        r.get("NatGatewayId") or r.get("GatewayId")) for r in table["Routes"]},
        }
    nats = [n for n in ec2.describe_nat_gateways(Filters=in_vpc)["NatGateways"] if n["State"] != "deleted"]
    endpoints = [e for e in ec2.describe_vpc_endpoints(Filters=in_vpc)["VpcEndpoints"]
                 if e["State"].lower() != "deleted"]
    groups = {g["GroupName"]: g for g in ec2.describe_security_groups(Filters=in_vpc)["SecurityGroups"]}
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc_id]}])
    acls = {tags(a.get("Tags")).get("Name", "default" if a["IsDefault"] else a["NetworkAclId"]): a
            for a in ec2.describe_network_acls(Filters=in_vpc)["NetworkAcls"]}
    return {
        "acls": acls,
        "vpc": vpcs[0],
        "subnets": {s["CidrBlock"]: s for s in subnets},
        "tables": tables,
        "nats": nats,
        "endpoints": {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints},
        "groups": groups,
        "igw": igws["InternetGateways"][0]["InternetGatewayId"],
        "addresses": ec2.describe_addresses()["Addresses"],
        "cidr_of": cidr_of,
    }


def leftovers(moto, project):
    """Anything of the project the EC2 API still lists as live."""
    ec2 = moto.client("ec2")
    by_tag = [{"Name": "tag:Project", "Values": [project]}]

    def tagged(items):
        return [i for i in items if tags(i.get("Tags")).get("Project") == project]

    return {
        "vpcs": [v["VpcId"] for v in ec2.describe_vpcs(Filters=by_tag)["Vpcs"]],
        "subnets": [s["SubnetId"] for s in ec2.describe_subnets(Filters=by_tag)["Subnets"]],
        "route tables": [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=by_tag)["RouteTables"]],
        "internet gateways": [g["InternetGatewayId"]
                              for g in tagged(ec2.describe_internet_gateways()["InternetGateways"])],
        # moto filters NAT gateways on a few keys only (no tags): filter here; deleted ones stay listed (as in AWS)
        "nat gateways": [n["NatGatewayId"] for n in tagged(ec2.describe_nat_gateways()["NatGateways"])
                         if n["State"] != "deleted"],
        "endpoints": [e["VpcEndpointId"] for e in tagged(ec2.describe_vpc_endpoints()["VpcEndpoints"])
                      if e["State"].lower() != "deleted"],
        "addresses": [a["AllocationId"] for a in tagged(ec2.describe_addresses()["Addresses"])],
        "security groups": [g["GroupId"] for g in ec2.describe_security_groups(Filters=by_tag)["SecurityGroups"]],
        "flow logs": [f["FlowLogId"] for f in tagged(ec2.describe_flow_logs()["FlowLogs"])],
        "network acls": [a["NetworkAclId"] for a in ec2.describe_network_acls(Filters=by_tag)["NetworkAcls"]],
        "flow log groups": [g["logGroupName"] for g in moto.client("logs").describe_log_groups(
            logGroupNamePrefix="/tradeops/%s/" % project)["logGroups"]],
        "roles": [r["RoleName"] for r in moto.client("iam").list_roles()["Roles"]
                  if r["RoleName"].startswith(project + "-")],
    }


def has_common_tags(item, project, name=None):
    expected = dict(COMMON, Project=project, **({"Name": name} if name else {}))
    actual = tags(item.get("Tags"))
    return {k: actual.get(k) for k in expected} == expected


def rules(permissions):
    out = set()
    for p in permissions:
        out |= {(p["IpProtocol"], p.get("FromPort"), p.get("ToPort"), r["CidrIp"]) for r in p.get("IpRanges", [])}
        assert not p.get("UserIdGroupPairs") and not p.get("Ipv6Ranges") and not p.get("PrefixListIds")
    return out


# --- the waves --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("outputs")


# id: (extra vars, text the failure message must contain)
REFUSED = {
    "unknown-layout": (["network_layout=hub_and_spoke"], "network_layout"),
    "public-only-with-data-service": (["network_layout=public_only", "network_data_subnets_required=true"],
                                      "network_layout public_only has no private"),
    "tiered-four-zones": (["network_layout=tiered", {"network_availability_zones": [A, B, C, REGION + "d"]}],
                          "network_availability_zones"),
    "tiered-list-length": (["network_layout=tiered", {"network_app_subnet_cidrs": ["10.0.10.0/24"]}],
                           "network_app_subnet_cidrs"),
    "tiered-block-outside-vpc": (["network_layout=tiered",
                                  {"network_data_subnet_cidrs": ["10.0.20.0/24", "10.9.0.0/24"]}],
                                 "network_data_subnet_cidrs[1]"),
    "nat-per-az-needs-tiered": (["network_nat_gateways=per_az"], "network_nat_gateways"),
    "unknown-endpoint": ([{"network_vpc_endpoints": ["s3", "dynamodb"]}], "network_vpc_endpoints"),
}


@pytest.fixture(scope="module")
def refused(moto, workdir):
    """Every refused case at once, under the recorder: no request may reach moto."""
    moto.start_recording()
    runs = parallel({case: (lambda extra=extra: run(moto, workdir, "public_private", *extra, project="nlrefused"))
                     for case, (extra, _text) in REFUSED.items()})
    return {"runs": runs, "requests": moto.stop_recording()}


@pytest.fixture(scope="module")
def waves(moto, workdir, refused):
    """First runs, then second runs (+ one in check mode) under the recorder, with read-backs."""
    start = time.monotonic()
    first = parallel({name: (lambda name=name, extra=extra: run(moto, workdir, name, *extra))
                      for name, (_project, extra) in DEPLOYMENTS.items()})
    first_seconds = time.monotonic() - start
    for name, result in first.items():
        assert result.rc == 0 and result.failed == 0, "%s: %s" % (name, result.tail())
    moto.start_recording()
    jobs = {name: (lambda name=name, extra=extra: run(moto, workdir, name, *extra))
            for name, (_project, extra) in DEPLOYMENTS.items()}
    jobs["tiered_full (check mode)"] = lambda: run(moto, workdir, "tiered_full", *DEPLOYMENTS["tiered_full"][1],
                                                   "network_check_mode=true")
    second = parallel(jobs)
    requests = moto.stop_recording()
    return {
        "first": first, "second": second, "requests": requests, "first_seconds": first_seconds,
        "state": {name: snapshot(moto, project) for name, (project, _extra) in DEPLOYMENTS.items()},
        "outputs": {name: outputs(workdir, project) for name, (project, _extra) in DEPLOYMENTS.items()},
    }


@pytest.fixture(scope="module")
def teardowns(moto, workdir, waves):
    """Three teardowns, and the fourth deployment turned down, in parallel; then its teardown."""
    jobs = {name: (lambda name=name, extra=extra: run(moto, workdir, name, *extra, "network_state=absent"))
            for name, (_project, extra) in DEPLOYMENTS.items() if name != "tiered_full"}
    jobs["turned down"] = lambda: run(moto, workdir, "tiered_full", *TURNED_DOWN)
    runs = parallel(jobs)
    turned_down = {"state": snapshot(moto, "nltf"), "outputs": outputs(workdir, "nltf"),
                   "addresses": moto.client("ec2").describe_addresses()["Addresses"]}
    runs["tiered_full"] = run(moto, workdir, "tiered_full", *TURNED_DOWN, "network_state=absent")
    return {"runs": runs, "turned_down": turned_down,
            "left": {name: leftovers(moto, project) for name, (project, _extra) in DEPLOYMENTS.items()}}


# --- refused settings -------------------------------------------------------------------------

@pytest.mark.parametrize("case", sorted(REFUSED))
def test_refused_before_any_aws_request(refused, case):
    result = refused["runs"][case]
    assert result.rc != 0 and result.failed, result.tail()
    assert REFUSED[case][1] in result.output, result.tail()


def test_refusals_made_no_aws_request(refused):
    assert refused["requests"] == []


# --- runs -------------------------------------------------------------------------------------

def test_first_runs_create(waves):
    print("first runs (parallel): %.1f s; %s" % (waves["first_seconds"], waves["first"]))
    assert all(r.changed > 0 for r in waves["first"].values())


def test_second_runs_change_nothing(waves):
    print("second runs (parallel): %s, %d API calls" % (waves["second"], len(waves["requests"])))
    for name, result in waves["second"].items():
        assert result.rc == 0 and result.failed == 0, "%s: %s" % (name, result.tail())
        assert result.changed == 0, "%s: %s" % (name, result.output)


def test_second_runs_make_no_mutating_call(waves):
    assert waves["requests"], "the recorder saw no request at all"
    assert mutating(waves["requests"]) == []


# --- what each layout created -----------------------------------------------------------------

def check_subnets(state, project, expected):
    """expected: {cidr: (zone, tier)}; no subnet maps a public IP on launch."""
    assert {c: (s["AvailabilityZone"], tags(s["Tags"])["Tier"]) for c, s in state["subnets"].items()} == expected
    for subnet in state["subnets"].values():
        assert subnet["MapPublicIpOnLaunch"] is False
        assert has_common_tags(subnet, project)


def test_public_private(waves):
    state, out, project = waves["state"]["public_private"], waves["outputs"]["public_private"], "nlpp"
    assert state["vpc"]["CidrBlock"] == "10.0.0.0/16" and has_common_tags(state["vpc"], project, "nlpp-ci")
    check_subnets(state, project, {"10.0.1.0/24": (A, "public"), "10.0.2.0/24": (A, "private"),
                                   "10.0.3.0/24": (B, "private")})
    assert set(state["tables"]) == {"nlpp-ci-public", "nlpp-ci-private"}
    public, private = state["tables"]["nlpp-ci-public"], state["tables"]["nlpp-ci-private"]
    assert public["subnets"] == {"10.0.1.0/24"}
    assert public["routes"] == {("10.0.0.0/16", "local"), ("0.0.0.0/0", state["igw"])}
    assert private["subnets"] == {"10.0.2.0/24", "10.0.3.0/24"}
    assert private["routes"] == {("10.0.0.0/16", "local")}
    assert state["nats"] == [] and state["endpoints"] == {} and set(state["groups"]) == {"default"}
    cidr = state["cidr_of"]
    assert cidr[out["network_public_subnet_id"]] == "10.0.1.0/24"
    assert [cidr[i] for i in out["network_public_subnet_ids"]] == ["10.0.1.0/24"]
    assert [cidr[i] for i in out["network_private_subnet_ids"]] == ["10.0.2.0/24", "10.0.3.0/24"]
    assert out["network_app_subnet_ids"] == [] and out["network_zones"] == [A, B]
    assert out["network_vpc_id"] == state["vpc"]["VpcId"]


def test_public_only(waves):
    state, out = waves["state"]["public_only"], waves["outputs"]["public_only"]
    check_subnets(state, "nlpo", {"10.0.1.0/24": (A, "public")})
    assert set(state["tables"]) == {"nlpo-ci-public"}  # no private route table
    assert state["tables"]["nlpo-ci-public"]["routes"] == {("10.0.0.0/16", "local"), ("0.0.0.0/0", state["igw"])}
    assert state["nats"] == [] and state["endpoints"] == {}
    assert out["network_private_subnet_ids"] == [] and out["network_app_subnet_ids"] == []
    assert out["network_private_route_table_ids"] == [] and out["network_zones"] == [A]
    assert state["cidr_of"][out["network_public_subnet_id"]] == "10.0.1.0/24"


TIERED = {"10.0.%d.0/24" % (base + i): (zone, tier)
          for base, tier in ((0, "public"), (10, "app"), (20, "data")) for i, zone in enumerate((A, B, C))}


def check_tiered_tables(state, prefix, nat_of_zone):
    """public table -> IGW; one private table per zone holding that zone's app and data subnets."""
    assert set(state["tables"]) == {prefix + "-public"} | {"%s-private-%s" % (prefix, z) for z in (A, B, C)}
    public = state["tables"][prefix + "-public"]
    assert public["subnets"] == {"10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"}
    assert public["routes"] == {("10.0.0.0/16", "local"), ("0.0.0.0/0", state["igw"])}
    for i, zone in enumerate((A, B, C)):
        table = state["tables"]["%s-private-%s" % (prefix, zone)]
        assert table["subnets"] == {"10.0.%d.0/24" % (10 + i), "10.0.%d.0/24" % (20 + i)}
        routes = {r for r in table["routes"] if not r[0].startswith("pl-")}
        nat = nat_of_zone(zone)
        assert routes == {("10.0.0.0/16", "local")} | ({("0.0.0.0/0", nat)} if nat else set())


def test_tiered_three_zones(waves):
    state, out = waves["state"]["tiered"], waves["outputs"]["tiered"]
    check_subnets(state, "nlti", TIERED)
    check_tiered_tables(state, "nlti-ci", lambda zone: None)
    for subnet in state["subnets"].values():
        tier, index = tags(subnet["Tags"])["Tier"], "abc".index(subnet["AvailabilityZone"][-1]) + 1
        assert tags(subnet["Tags"])["Name"] == "nlti-ci-%s-%d" % (tier, index)
    assert state["nats"] == [] and state["endpoints"] == {}
    cidr = state["cidr_of"]
    assert [cidr[i] for i in out["network_public_subnet_ids"]] == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert cidr[out["network_public_subnet_id"]] == "10.0.0.0/24"
    assert [cidr[i] for i in out["network_app_subnet_ids"]] == ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"]
    assert [cidr[i] for i in out["network_private_subnet_ids"]] == ["10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"]
    assert out["network_zones"] == [A, B, C] and len(out["network_private_route_table_ids"]) == 3


def nat_zones(state):
    zone_of = {s["SubnetId"]: s["AvailabilityZone"] for s in state["subnets"].values()}
    return {zone_of[n["SubnetId"]]: n for n in state["nats"]}


def check_nat(state, nat, project, addresses):
    assert nat["State"] == "available" and state["cidr_of"][nat["SubnetId"]].endswith(".0/24")
    assert tags(state["subnets"][state["cidr_of"][nat["SubnetId"]]]["Tags"])["Tier"] == "public"
    zone = {s["SubnetId"]: s["AvailabilityZone"] for s in state["subnets"].values()}[nat["SubnetId"]]
    assert has_common_tags(nat, project, "%s-ci-nat-%s" % (project, zone))
    allocation = nat["NatGatewayAddresses"][0]["AllocationId"]
    address = [a for a in addresses if a["AllocationId"] == allocation][0]
    assert has_common_tags(address, project, "%s-ci-nat-%s" % (project, zone))
    assert tags(address["Tags"])["NatGateway"] == nat["NatGatewayId"]


def test_tiered_nat_per_zone(waves):
    state = waves["state"]["tiered_full"]
    check_subnets(state, "nltf", TIERED)
    nats = nat_zones(state)
    assert set(nats) == {A, B, C} and len(state["nats"]) == 3
    for zone, nat in nats.items():
        assert state["cidr_of"][nat["SubnetId"]] == "10.0.%d.0/24" % "abc".index(zone[-1])
        check_nat(state, nat, "nltf", state["addresses"])
    check_tiered_tables(state, "nltf-ci", lambda zone: nats[zone]["NatGatewayId"])
    assert sorted(waves["outputs"]["tiered_full"]["network_nat_gateway_ids"]) == sorted(
        n["NatGatewayId"] for n in state["nats"])


def check_endpoints(state, out, project, services, interface_cidrs, s3_tables):
    endpoints = state["endpoints"]
    assert set(endpoints) == set(services)
    group = state["groups"]["%s-ci-endpoints" % project]
    assert has_common_tags(group, project, "%s-ci-endpoints" % project)
    assert rules(group["IpPermissions"]) == {("tcp", 443, 443, state["vpc"]["CidrBlock"])}
    assert rules(group["IpPermissionsEgress"]) == set()
    for service, endpoint in endpoints.items():
        assert endpoint["ServiceName"] == "com.amazonaws.%s.%s" % (REGION, service)
        assert has_common_tags(endpoint, project, "%s-ci-%s" % (project, service))
        assert out["network_vpc_endpoint_ids"][service] == endpoint["VpcEndpointId"]
        if service == "s3":
            assert endpoint["VpcEndpointType"] == "Gateway"
            assert set(endpoint["RouteTableIds"]) == {state["tables"][t]["id"] for t in s3_tables}
            for name in s3_tables:  # the prefix-list route to the endpoint
                assert any(r[1] == endpoint["VpcEndpointId"] for r in state["tables"][name]["routes"])
        else:
            assert endpoint["VpcEndpointType"] == "Interface" and endpoint["PrivateDnsEnabled"] is True
            assert {state["cidr_of"][s] for s in endpoint["SubnetIds"]} == set(interface_cidrs)
            assert [g["GroupId"] for g in endpoint["Groups"]] == [group["GroupId"]]
    assert out["network_endpoints_security_group_id"] == group["GroupId"]


def test_tiered_endpoints(waves):
    state = waves["state"]["tiered_full"]
    check_endpoints(state, waves["outputs"]["tiered_full"], "nltf", ENDPOINTS,
                    ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"],
                    ["nltf-ci-private-%s" % z for z in (A, B, C)])


# --- turned down, then teardown ---------------------------------------------------------------

def test_turning_down_removes_what_is_no_longer_wanted(teardowns, waves):
    result = teardowns["runs"]["turned down"]
    assert result.rc == 0 and result.failed == 0, result.tail()
    state, out = teardowns["turned_down"]["state"], teardowns["turned_down"]["outputs"]
    nats = nat_zones(state)
    assert list(nats) == [A]  # the gateway of the first public subnet stays, the two others are gone
    assert nats[A]["NatGatewayId"] == nat_zones(waves["state"]["tiered_full"])[A]["NatGatewayId"]
    check_nat(state, nats[A], "nltf", teardowns["turned_down"]["addresses"])
    check_tiered_tables(state, "nltf-ci", lambda zone: nats[A]["NatGatewayId"])
    released = {n["NatGatewayAddresses"][0]["AllocationId"] for n in waves["state"]["tiered_full"]["nats"]
                if n["NatGatewayId"] != nats[A]["NatGatewayId"]}
    assert not released & {a["AllocationId"] for a in teardowns["turned_down"]["addresses"]}
    check_endpoints(state, out, "nltf", ["s3", "secretsmanager"],
                    ["10.0.10.0/24", "10.0.11.0/24", "10.0.12.0/24"],
                    ["nltf-ci-private-%s" % z for z in (A, B, C)])


def acl_entries(acl):
    """(egress, rule, protocol, action, block) of a network ACL's own entries (not AWS's final deny
    rule 32767, which moto 5.2.5 does not list for an ACL it did not make itself)."""
    return {(e["Egress"], e["RuleNumber"], e["Protocol"], e["RuleAction"], e["CidrBlock"])
            for e in acl["Entries"] if e["RuleNumber"] < 32767}


# Which subnets hold only data services, per layout: the private ones, the data tier of tiered.
DATA_SUBNETS = {
    "public_private": {"10.0.2.0/24", "10.0.3.0/24"},
    "public_only": set(),
    "tiered": {"10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"},
    "tiered_full": {"10.0.20.0/24", "10.0.21.0/24", "10.0.22.0/24"},
}


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_data_subnets_admit_only_the_vpc(waves, name):
    """The data subnets (and only they) have a network ACL that admits the VPC's block only, both ways;
    the public and app subnets (hosts, NAT gateways, endpoints of tiered) keep the default one."""
    state, project = waves["state"][name], DEPLOYMENTS[name][0]
    acls, cidr = state["acls"], state["cidr_of"]
    if not DATA_SUBNETS[name]:
        assert set(acls) == {"default"}
        return
    assert set(acls) == {"default", "%s-ci-data" % project}
    acl = acls["%s-ci-data" % project]
    assert has_common_tags(acl, project, "%s-ci-data" % project)
    assert {cidr[a["SubnetId"]] for a in acl["Associations"]} == DATA_SUBNETS[name]
    assert acl_entries(acl) == {(False, 100, "-1", "allow", "10.0.0.0/16"), (True, 100, "-1", "allow", "10.0.0.0/16")}
    others = {cidr[a["SubnetId"]] for a in acls["default"]["Associations"]}
    assert others == set(state["subnets"]) - DATA_SUBNETS[name]


@pytest.mark.parametrize("name", sorted(DEPLOYMENTS))
def test_teardown_leaves_nothing(teardowns, name):
    result = teardowns["runs"][name]
    print("teardown %s: %s" % (name, result))
    assert result.rc == 0 and result.failed == 0, result.tail()
    assert result.changed > 0
    assert {kind: ids for kind, ids in teardowns["left"][name].items() if ids} == {}
