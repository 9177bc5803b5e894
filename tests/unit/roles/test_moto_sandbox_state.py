"""roles/sandbox/files/moto_sandbox.py: the sandbox's moto server keeps its state across restarts.

Each test runs the script as the sandbox's moto.service does (its own process, MOTO_SANDBOX_STATE
set, AWS managed policies loaded) on a free loopback port, and talks to it with boto3.
"""

import importlib.util
import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
import urllib.request

import boto3
import botocore.exceptions
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCRIPT = os.path.join(REPO, "roles", "sandbox", "files", "moto_sandbox.py")
_SPEC = importlib.util.spec_from_file_location("moto_sandbox", SCRIPT)
moto_sandbox = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(moto_sandbox)

REGION = "eu-west-1"
AMI = "ami-12c6146b"  # one of moto's default AMIs (its own tests' EXAMPLE_AMI_ID)
ROLE_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]})


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """moto_sandbox.py in a subprocess; its output goes to a log file beside the state."""

    def __init__(self, state, port):
        self.state, self.port = str(state), port
        self.url = "http://127.0.0.1:%d" % port
        self.log_path = "%s.log.%d" % (self.state, time.monotonic_ns())
        env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true", PYTHONUNBUFFERED="1")
        env[moto_sandbox.STATE_ENV] = self.state
        env.pop("AWS_PROFILE", None)
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(  # pylint: disable=consider-using-with
                [sys.executable, SCRIPT, "-H", "127.0.0.1", "-p", str(port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, cwd=os.path.dirname(self.state))
        try:
            self._wait_until_it_answers()
        except BaseException:
            self.stop(signal.SIGKILL)
            raise

    def _wait_until_it_answers(self):
        deadline = time.monotonic() + 60
        while True:
            assert self.proc.poll() is None, "moto_sandbox exited (rc %s):\n%s" % (self.proc.returncode, self.log())
            try:
                with urllib.request.urlopen(self.url + "/moto-api/", timeout=2):
                    return
            except OSError:
                assert time.monotonic() < deadline, "moto_sandbox did not answer:\n" + self.log()
                time.sleep(0.1)

    def log(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as log:
            return "".join(line for line in log if "HTTP/1.1" not in line)

    def stop(self, signum):
        if self.proc.poll() is None:
            self.proc.send_signal(signum)
        return self.proc.wait(timeout=60)

    def client(self, service):
        return boto3.client(service, endpoint_url=self.url, region_name=REGION,
                            aws_access_key_id="testing", aws_secret_access_key="testing")

    def post(self, path):
        request = urllib.request.Request(self.url + path, data=b"", method="POST")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read().decode("utf-8")


@pytest.fixture(name="servers")
def servers_fixture():
    started = []

    def start(state, port):
        started.append(Server(state, port))
        return started[-1]
    yield start
    for server in started:
        server.stop(signal.SIGKILL)


def create(server, suffix=""):
    """The resources the sandbox makes, one of each; returns their names and ids."""
    ec2 = server.client("ec2")
    made = {"suffix": suffix, "cidr": "10.%d.0.0/16" % (20 + len(suffix))}
    made["vpc"] = ec2.create_vpc(CidrBlock=made["cidr"])["Vpc"]["VpcId"]
    made["subnets"] = [ec2.create_subnet(VpcId=made["vpc"], CidrBlock=made["cidr"].replace(".0.0/16", ".%d.0/24" % n),
                                         AvailabilityZone=REGION + zone)["Subnet"]["SubnetId"]
                       for n, zone in ((1, "a"), (2, "b"))]
    made["sg"] = ec2.create_security_group(GroupName="web" + suffix, Description="web", VpcId=made["vpc"])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=made["sg"], IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}])
    made["key"] = ec2.create_key_pair(KeyName="deploy" + suffix)["KeyPairId"]
    made["instance"] = ec2.run_instances(
        ImageId=AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro", KeyName="deploy" + suffix,
        SubnetId=made["subnets"][0], SecurityGroupIds=[made["sg"]],
        TagSpecifications=[{"ResourceType": "instance", "Tags": [
            {"Key": "Name", "Value": "bot" + suffix}, {"Key": "Project", "Value": "p"}]}])["Instances"][0]["InstanceId"]
    made["secret"] = server.client("secretsmanager").create_secret(
        Name="db/password" + suffix, SecretString="s3cret" + suffix)["ARN"]
    server.client("ssm").put_parameter(Name="/p/config" + suffix, Value="value" + suffix, Type="String")
    kms = server.client("kms")
    made["kms_key"] = kms.create_key(Description="p")["KeyMetadata"]["Arn"]
    made["ciphertext"] = kms.encrypt(KeyId=made["kms_key"], Plaintext=b"plain" + suffix.encode())["CiphertextBlob"]
    iam = server.client("iam")
    made["role"] = iam.create_role(RoleName="bot" + suffix, AssumeRolePolicyDocument=ROLE_POLICY)["Role"]["RoleId"]
    made["profile"] = iam.create_instance_profile(
        InstanceProfileName="bot" + suffix)["InstanceProfile"]["InstanceProfileId"]
    iam.add_role_to_instance_profile(InstanceProfileName="bot" + suffix, RoleName="bot" + suffix)
    rds = server.client("rds")
    rds.create_db_subnet_group(DBSubnetGroupName="db" + suffix, DBSubnetGroupDescription="db",
                               SubnetIds=made["subnets"])
    made["db"] = rds.create_db_instance(
        DBInstanceIdentifier="db" + suffix, Engine="mysql", DBInstanceClass="db.t3.micro", AllocatedStorage=20,
        MasterUsername="admin", MasterUserPassword="password" + suffix, DBSubnetGroupName="db" + suffix,
        VpcSecurityGroupIds=[made["sg"]])["DBInstance"]["DbiResourceId"]
    elasticache = server.client("elasticache")
    elasticache.create_cache_subnet_group(CacheSubnetGroupName="cache" + suffix, CacheSubnetGroupDescription="c",
                                          SubnetIds=made["subnets"])
    elasticache.create_replication_group(
        ReplicationGroupId="cache" + suffix, ReplicationGroupDescription="c", Engine="redis",
        CacheNodeType="cache.t3.micro", NumCacheClusters=1, CacheSubnetGroupName="cache" + suffix)
    server.client("cloudwatch").put_metric_alarm(
        AlarmName="unhealthy" + suffix, Namespace="TradeOps", MetricName="BotHealthy", Statistic="Minimum",
        Period=60, EvaluationPeriods=2, Threshold=1, ComparisonOperator="LessThanThreshold")
    server.client("logs").create_log_group(logGroupName="/p/bot" + suffix, tags={"Project": "p"})
    made["topic"] = server.client("sns").create_topic(Name="alarms" + suffix)["TopicArn"]
    # Not in the sandbox, but its BackendDict has state of its own (the bucket namespace).
    s3 = server.client("s3")
    s3.create_bucket(Bucket="artifacts" + suffix, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(Bucket="artifacts" + suffix, Key="bot.tar.gz", Body=b"tarball" + suffix.encode())
    return made


def observe(server, made):
    """What the APIs answer about the resources made, for comparing before and after a restart."""
    suffix = made["suffix"]
    ec2, iam, kms = server.client("ec2"), server.client("iam"), server.client("kms")

    def answer(call, **kwargs):
        result = call(**kwargs)
        result.pop("ResponseMetadata", None)
        return result
    logs = answer(server.client("logs").describe_log_groups, logGroupNamePrefix="/p/bot" + suffix)
    logs["logGroups"] = [g for g in logs["logGroups"] if g["logGroupName"] == "/p/bot" + suffix]
    db = answer(server.client("rds").describe_db_instances, DBInstanceIdentifier="db" + suffix)
    for instance in db["DBInstances"]:
        instance.pop("LatestRestorableTime")  # moto answers "now"
    return {
        "vpc": answer(ec2.describe_vpcs, VpcIds=[made["vpc"]]),
        "subnets": answer(ec2.describe_subnets, SubnetIds=made["subnets"]),
        "sg": answer(ec2.describe_security_groups, GroupIds=[made["sg"]]),
        "key": answer(ec2.describe_key_pairs, KeyNames=["deploy" + suffix]),  # moto ignores KeyPairIds
        "instance": answer(ec2.describe_instances, InstanceIds=[made["instance"]]),
        "instance_tags": answer(ec2.describe_tags, Filters=[{"Name": "resource-id", "Values": [made["instance"]]}]),
        "secret": answer(server.client("secretsmanager").get_secret_value, SecretId="db/password" + suffix),
        "parameter": answer(server.client("ssm").get_parameter, Name="/p/config" + suffix),
        "kms_key": answer(kms.describe_key, KeyId=made["kms_key"]),
        "plaintext": kms.decrypt(CiphertextBlob=made["ciphertext"])["Plaintext"],
        "role": answer(iam.get_role, RoleName="bot" + suffix),
        "profile": answer(iam.get_instance_profile, InstanceProfileName="bot" + suffix),
        "db_subnets": answer(server.client("rds").describe_db_subnet_groups, DBSubnetGroupName="db" + suffix),
        "db": db,
        "cache_subnets": answer(server.client("elasticache").describe_cache_subnet_groups,
                                CacheSubnetGroupName="cache" + suffix),
        "cache": answer(server.client("elasticache").describe_replication_groups, ReplicationGroupId="cache" + suffix),
        "alarm": answer(server.client("cloudwatch").describe_alarms, AlarmNames=["unhealthy" + suffix]),
        "log_group": logs,
        "topic": answer(server.client("sns").get_topic_attributes, TopicArn=made["topic"]),
        "bucket": answer(server.client("s3").get_bucket_location, Bucket="artifacts" + suffix),
        "object": {key: value.read() if key == "Body" else value for key, value in answer(
            server.client("s3").get_object, Bucket="artifacts" + suffix, Key="bot.tar.gz").items()},
    }


def assert_made(seen, made):
    """The answers are about the resources made (and not empty: a comparison of two empty answers
    would prove nothing)."""
    suffix = made["suffix"]
    assert seen["vpc"]["Vpcs"][0]["VpcId"] == made["vpc"]
    assert [s["SubnetId"] for s in seen["subnets"]["Subnets"]] == made["subnets"]
    assert seen["sg"]["SecurityGroups"][0]["IpPermissions"][0]["FromPort"] == 22
    assert [k["KeyPairId"] for k in seen["key"]["KeyPairs"]] == [made["key"]]
    instance = seen["instance"]["Reservations"][0]["Instances"][0]
    assert instance["InstanceId"] == made["instance"] and instance["KeyName"] == "deploy" + suffix
    assert {"Key": "Name", "Value": "bot" + suffix} in instance["Tags"]
    assert instance["SecurityGroups"][0]["GroupId"] == made["sg"]
    assert len(seen["instance_tags"]["Tags"]) == 2
    assert seen["secret"]["ARN"] == made["secret"] and seen["secret"]["SecretString"] == "s3cret" + suffix
    assert seen["parameter"]["Parameter"]["Value"] == "value" + suffix
    assert seen["kms_key"]["KeyMetadata"]["Arn"] == made["kms_key"]
    assert seen["plaintext"] == b"plain" + suffix.encode()
    assert seen["role"]["Role"]["RoleId"] == made["role"]
    profile = seen["profile"]["InstanceProfile"]
    assert profile["InstanceProfileId"] == made["profile"] and profile["Roles"][0]["RoleId"] == made["role"]
    assert seen["db_subnets"]["DBSubnetGroups"][0]["VpcId"] == made["vpc"]
    db = seen["db"]["DBInstances"][0]
    assert db["DbiResourceId"] == made["db"] and db["Engine"] == "mysql" and db["DBInstanceClass"] == "db.t3.micro"
    assert seen["cache_subnets"]["CacheSubnetGroups"][0]["VpcId"] == made["vpc"]
    assert seen["cache"]["ReplicationGroups"][0]["ReplicationGroupId"] == "cache" + suffix
    assert seen["alarm"]["MetricAlarms"][0]["Threshold"] == 1
    assert [g["logGroupName"] for g in seen["log_group"]["logGroups"]] == ["/p/bot" + suffix]
    assert seen["topic"]["Attributes"]["TopicArn"] == made["topic"]
    assert seen["object"]["Body"] == b"tarball" + suffix.encode()


def started_with_resources(tmp_path, servers):
    """(state file, port, server, resources made, what they look like) of a first server."""
    state = tmp_path / "state.pickle"
    port = free_port()
    first = servers(state, port)
    made = create(first)
    return state, port, first, made, observe(first, made)


def test_state_survives_sigterm_and_new_resources_do_not_collide(tmp_path, servers):
    state, port, first, made, before = started_with_resources(tmp_path, servers)
    assert_made(before, made)
    assert first.stop(signal.SIGTERM) == 0
    assert "saved the moto state to %s" % state in first.log()
    assert stat.S_IMODE(state.stat().st_mode) == 0o600
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]

    second = servers(state, port)
    assert "loaded the moto state from %s" % state in second.log()
    assert observe(second, made) == before  # ids, ARNs, values, tags and timestamps
    with pytest.raises(botocore.exceptions.ClientError, match="BucketAlready"):  # the bucket namespace is back
        second.client("s3").create_bucket(Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
    again = create(second, suffix="-2")
    assert_made(observe(second, again), again)
    # (not the DB instances' DbiResourceId: moto 5.2.5 gives every instance the same one)
    for key in ("vpc", "sg", "key", "instance", "secret", "kms_key", "role", "profile", "topic"):
        assert again[key] != made[key], key
    assert not set(again["subnets"]) & set(made["subnets"])
    assert observe(second, made) == before
    ec2 = second.client("ec2")
    assert len([i for r in ec2.describe_instances()["Reservations"] for i in r["Instances"]]) == 2
    assert len(second.client("rds").describe_db_instances()["DBInstances"]) == 2
    assert second.stop(signal.SIGINT) == 0

    third = servers(state, port)  # the resources made after a restore are kept as well
    assert_made(observe(third, again), again)
    assert observe(third, made) == before


def test_state_survives_sigkill_once_the_periodic_save_ran(tmp_path, servers):
    state, port, first, made, before = started_with_resources(tmp_path, servers)
    last_change = time.time()
    first.client("ssm").put_parameter(Name="/p/marker", Value="m", Type="String")  # saved after last_change
    # The periodic save runs within SAVE_INTERVAL seconds of a change (and takes well under a
    # second here); a slow machine gets a few more seconds.
    time.sleep(moto_sandbox.SAVE_INTERVAL + 1)
    deadline = time.monotonic() + 10
    while not (state.exists() and state.stat().st_mtime >= last_change):
        assert time.monotonic() < deadline, "no periodic save:\n" + first.log()
        time.sleep(0.2)
    assert first.stop(signal.SIGKILL) == -signal.SIGKILL
    assert "saved the moto state" not in first.log()  # the save on exit is logged: there was none

    second = servers(state, port)
    assert observe(second, made) == before


def test_bad_state_file_is_kept_aside_reset_empties_the_state_and_the_recorder_works(tmp_path, servers):
    state = tmp_path / "state.pickle"
    state.write_bytes(b"not a pickle")
    first = servers(state, free_port())
    assert "cannot load the saved moto state %s" % state in first.log()
    assert (tmp_path / "state.pickle.bad").read_bytes() == b"not a pickle"
    secrets = first.client("secretsmanager")
    assert secrets.list_secrets()["SecretList"] == []

    first.post("/moto-api/recorder/reset-recording")
    first.post("/moto-api/recorder/start-recording")
    secrets.create_secret(Name="kept", SecretString="v")
    first.post("/moto-api/recorder/stop-recording")
    with urllib.request.urlopen(first.url + "/moto-api/recorder/download-recording", timeout=30) as response:
        recorded = [json.loads(line) for line in response.read().decode("utf-8").splitlines() if line.strip()]
    assert len(recorded) == 1 and "CreateSecret" in recorded[0]["headers"].get("X-Amz-Target", ""), recorded
    assert first.stop(signal.SIGTERM) == 0

    second = servers(state, free_port())
    assert [s["Name"] for s in second.client("secretsmanager").list_secrets()["SecretList"]] == ["kept"]
    second.post("/moto-api/reset")  # saves the emptied state before answering
    assert second.stop(signal.SIGKILL) == -signal.SIGKILL

    third = servers(state, free_port())
    assert "loaded the moto state" in third.log()
    assert third.client("secretsmanager").list_secrets()["SecretList"] == []
