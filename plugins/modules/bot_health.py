#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bot_health
short_description: Report the health of a trading bot on its host
version_added: 0.1.0
description:
  - One call reports the health of a bot running on the target host, from what the host
    itself observes. It changes nothing.
  - The systemd unit (O(unit)) with C(systemctl show) - C(ActiveState), C(SubState),
    C(Result), C(NRestarts) (restarts systemd made since the unit was last started by hand)
    and how long it has been active (from C(ActiveEnterTimestampMonotonic)).
  - An HTTP or HTTPS endpoint of the bot (O(http_url)) - status code, latency in
    milliseconds, optionally a text the body must contain.
  - TCP reachability, and optionally a TLS handshake, of the services the bot needs
    (O(endpoints)) such as the database and Redis.
  - When something is wrong, the checks are run again up to O(retries) times, O(delay)
    seconds apart, and the last result is reported. A restart counter that rose between the
    first and the last look is reported as a restart loop.
  - The module fails only when O(fail_on_unhealthy=true); otherwise it returns
    RV(healthy=false) and the RV(problems).
author:
  - tradeops maintainers (@tradeops)
options:
  unit:
    description:
      - The bot's systemd unit, for example V(bbgo-xmaker.service). Not checked when omitted.
    type: str
  http_url:
    description:
      - URL to GET, for example V(http://127.0.0.1:8080/api/ping). Redirects are followed.
        Not checked when omitted.
    type: str
  http_expected_status:
    description:
      - The HTTP status code that counts as healthy.
    type: int
    default: 200
  http_expected_body:
    description:
      - Text that the first 64 KiB of the response body must contain.
    type: str
  http_ca_file:
    description:
      - CA bundle (PEM) to verify an HTTPS endpoint's certificate; default is the system trust
        store.
    type: path
  endpoints:
    description:
      - Services to reach over TCP.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description:
          - Name used in the results and problems, for example V(database) or V(redis).
        type: str
        required: true
      host:
        description:
          - Host name or address.
        type: str
        required: true
      port:
        description:
          - TCP port.
        type: int
        required: true
      tls:
        description:
          - Also complete a TLS handshake, verifying the certificate and the host name.
          - Only for services that speak TLS from the first byte, such as ElastiCache with
            in-transit encryption. MySQL and PostgreSQL negotiate TLS inside their own
            protocol; check them with V(false) (TCP only).
        type: bool
        default: false
      ca_file:
        description:
          - CA bundle (PEM) to verify the certificate; default is the system trust store.
        type: path
      server_name:
        description:
          - Name to send (SNI) and to verify the certificate against; default O(endpoints[].host).
        type: str
  restart_threshold:
    description:
      - A unit whose C(NRestarts) reached this number is unhealthy. V(0) disables this check
        (a restart counter rising during the check is still reported).
    type: int
    default: 3
  retries:
    description:
      - How many more times to run the checks while the bot is unhealthy. V(0) runs them once.
    type: int
    default: 0
  delay:
    description:
      - Seconds between two runs of the checks.
    type: int
    default: 5
  timeout:
    description:
      - Seconds to wait for each connection, TLS handshake or HTTP answer.
    type: int
    default: 5
  fail_on_unhealthy:
    description:
      - Fail the task when the bot is unhealthy.
    type: bool
    default: false
notes:
  - Needs systemd (C(systemctl)) only when O(unit) is given. Pure Python otherwise.
  - Problems are plain sentences. Their forms are
    C(UNIT is not installed (systemd does not know the unit).),
    C(UNIT has failed (SUBSTATE, result RESULT); see journalctl -u UNIT.),
    C(UNIT crashed and is waiting to be restarted (result RESULT); see journalctl -u UNIT.),
    C(UNIT is STATE (SUBSTATE), not active.),
    C(UNIT restarted N times during the S seconds of this check (restart loop); see journalctl -u UNIT.),
    C(UNIT has been restarted N times by systemd since it was last started (threshold T); see journalctl -u UNIT.),
    C(systemctl show UNIT failed (rc N) - STDERR),
    C(URL answered HTTP CODE, expected CODE.),
    C(URL answered without the expected text 'TEXT'.),
    C(URL did not answer within N seconds.),
    C(URL refused the connection (nothing listens on that port).),
    C(URL refused the TLS handshake - REASON.),
    C(URL cannot be resolved - REASON.),
    C(NAME endpoint HOST:PORT refused the connection (nothing listens on that port).),
    C(NAME endpoint HOST:PORT did not answer within N seconds.),
    C(NAME endpoint HOST:PORT refused the TLS handshake - REASON.),
    C(NAME endpoint HOST:PORT cannot be resolved - REASON.),
    C(NAME endpoint HOST:PORT is unreachable - REASON.)
    (a colon stands where this list shows a dash).
  - Errors (the task fails) -
    C(systemctl was not found; checking unit UNIT needs systemd),
    C(retries, delay and timeout must not be negative, and timeout must be at least 1 second),
    C(endpoint names must be unique; NAME appears more than once),
    and with O(fail_on_unhealthy=true) C(the bot is unhealthy - PROBLEMS) (a colon after
    C(unhealthy)).
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same checks in check mode.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to diff.
"""

EXAMPLES = r"""
- name: Check the bot, its API and the services it needs
  tradeops.aws.bot_health:
    unit: bbgo-xmaker.service
    http_url: http://127.0.0.1:8080/api/ping
    endpoints:
      - name: database
        host: tradebot-prod.cluster-abc.us-east-1.rds.amazonaws.com
        port: 3306
      - name: redis
        host: master.tradebot-prod.abc123.use1.cache.amazonaws.com
        port: 6379
        tls: true
    retries: 5
    delay: 3
  register: _health

- name: Fail the play when the bot is unhealthy after an update
  tradeops.aws.bot_health:
    unit: kis-breakout-dashboard.service
    http_url: http://127.0.0.1:5001/healthz
    http_expected_body: ok
    fail_on_unhealthy: true
"""

RETURN = r"""
healthy:
  description: Whether every requested check passed in the last run.
  returned: always
  type: bool
problems:
  description: What is wrong, one plain sentence each; empty when healthy.
  returned: always
  type: list
  elements: str
  sample: ["bbgo-xmaker.service restarted 2 times during the 10 seconds of this check (restart loop); see journalctl -u bbgo-xmaker.service."]
attempts:
  description: How many times the checks ran.
  returned: always
  type: int
checks:
  description: What was observed in the last run, per check that was requested.
  returned: always
  type: dict
  contains:
    unit:
      description: The systemd unit.
      returned: when O(unit) is given
      type: dict
      contains:
        name:
          description: Unit name.
          type: str
        load_state:
          description: C(LoadState), for example V(loaded) or V(not-found).
          type: str
        active_state:
          description: C(ActiveState), for example V(active), V(failed), V(activating) or V(inactive).
          type: str
        sub_state:
          description: C(SubState), for example V(running), V(exited), V(auto-restart) or V(dead).
          type: str
        result:
          description: C(Result) of the last run, for example V(success), V(exit-code) or V(signal).
          type: str
        n_restarts:
          description: Automatic restarts since the unit was last started by hand (C(NRestarts)).
          type: int
        active_seconds:
          description: Seconds since the unit became active; null when it is not active.
          type: float
    http:
      description: The HTTP(S) endpoint.
      returned: when O(http_url) is given
      type: dict
      contains:
        url:
          description: The URL.
          type: str
        status:
          description: HTTP status code; null when no answer came.
          type: int
        latency_ms:
          description: Time to the answer (or to the error) in milliseconds.
          type: float
        body_matched:
          description: Whether the body held O(http_expected_body); null when not asked.
          type: bool
        error:
          description: Why no answer came; null otherwise.
          type: str
    endpoints:
      description: One entry per O(endpoints[].name).
      returned: always
      type: dict
      sample:
        redis: {host: master.example, port: 6379, reachable: true, tls: true, tls_version: TLSv1.3, latency_ms: 4.2, error: null}
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradeops.aws.plugins.module_utils import health


def look_at_unit(module, systemctl, unit):
    rc, out, err = module.run_command(
        [systemctl, "show", unit, "--property=" + ",".join(health.UNIT_PROPERTIES)],
        environ_update=dict(LC_ALL="C"),
    )
    now = time.clock_gettime(time.CLOCK_MONOTONIC) if hasattr(time, "clock_gettime") else time.monotonic()
    if rc != 0:
        return None, "systemctl show %s failed (rc %d): %s" % (unit, rc, (err or out).strip())
    return health.unit_state(health.parse_show(out), now), None


def run_checks(module, systemctl, first_unit, started):
    p = module.params
    checks = dict(endpoints={})
    problems = []
    if p["unit"]:
        state, error = look_at_unit(module, systemctl, p["unit"])
        if error:
            problems.append(error)
        else:
            checks["unit"] = dict(name=p["unit"], **state)
            if first_unit[0] is None:
                first_unit[0] = state
            window = int(round(time.monotonic() - started))
            problems.extend(
                health.unit_problems(p["unit"], first_unit[0], state, p["restart_threshold"], window)
            )
    if p["http_url"]:
        obs, found = health.probe_http(
            p["http_url"], p["http_expected_status"], p["http_expected_body"], p["timeout"], p["http_ca_file"]
        )
        checks["http"] = obs
        problems.extend(found)
    for endpoint in p["endpoints"]:
        obs, found = health.probe_endpoint(
            endpoint["name"],
            endpoint["host"],
            endpoint["port"],
            endpoint["tls"],
            endpoint["ca_file"],
            p["timeout"],
            endpoint["server_name"],
        )
        checks["endpoints"][endpoint["name"]] = obs
        problems.extend(found)
    return checks, problems


def main():
    module = AnsibleModule(
        argument_spec=dict(
            unit=dict(type="str"),
            http_url=dict(type="str"),
            http_expected_status=dict(type="int", default=200),
            http_expected_body=dict(type="str"),
            http_ca_file=dict(type="path"),
            endpoints=dict(
                type="list",
                elements="dict",
                default=[],
                options=dict(
                    name=dict(type="str", required=True),
                    host=dict(type="str", required=True),
                    port=dict(type="int", required=True),
                    tls=dict(type="bool", default=False),
                    ca_file=dict(type="path"),
                    server_name=dict(type="str"),
                ),
            ),
            restart_threshold=dict(type="int", default=3),
            retries=dict(type="int", default=0),
            delay=dict(type="int", default=5),
            timeout=dict(type="int", default=5),
            fail_on_unhealthy=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["retries"] < 0 or p["delay"] < 0 or p["timeout"] < 1:
        module.fail_json(msg="retries, delay and timeout must not be negative, and timeout must be at least 1 second")
    names = [e["name"] for e in p["endpoints"]]
    for name in names:
        if names.count(name) > 1:
            module.fail_json(msg="endpoint names must be unique; %s appears more than once" % name)
    systemctl = None
    if p["unit"]:
        systemctl = module.get_bin_path("systemctl")
        if not systemctl:
            module.fail_json(msg="systemctl was not found; checking unit %s needs systemd" % p["unit"])

    started = time.monotonic()
    first_unit = [None]
    attempts = 0
    while True:
        attempts += 1
        checks, problems = run_checks(module, systemctl, first_unit, started)
        if not problems or attempts > p["retries"]:
            break
        time.sleep(p["delay"])

    result = dict(changed=False, healthy=not problems, problems=problems, checks=checks, attempts=attempts)
    if problems and p["fail_on_unhealthy"]:
        module.fail_json(msg="the bot is unhealthy: " + " ".join(problems), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
