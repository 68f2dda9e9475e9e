"""Runs inside a network namespace where 10.240.0.4 is a local address (see tests/integration/netns.rs).

It starts hubspoke, builds a hub whose first subnet (10.240.0.0/24) holds an enabled custom resolver (its location
takes 10.240.0.4, the first assignable address) and a COS endpoint gateway (10.240.0.5), then asks the custom
resolver address with dig: it must answer with the hub's view. Exits non-zero with a message on any failure.
"""

import json
import os
import subprocess
import sys
import time

import requests

BINARY = sys.argv[1]
OPERATOR_KEY = "netns-operator-key-0123456789"
COS = "s3.direct.us-south.cloud-object-storage.appdomain.cloud"
V = "version=2026-10-06"


def main():
    server = subprocess.Popen(
        [BINARY, "serve", "--ephemeral", "--listen", "127.0.0.1:0", "--dns-port", "5354"],
        env={**os.environ, "HUBSPOKE_OPERATOR_APIKEY": OPERATOR_KEY, "RUST_LOG": "warn"},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base = None
        deadline = time.time() + 60
        while base is None and time.time() < deadline:
            line = server.stdout.readline()
            if line.startswith("listening on "):
                base = line.split()[-1]
        assert base, "hubspoke did not start"

        def token(key):
            form = {"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": key}
            return requests.post(f"{base}/identity/token", data=form, timeout=10).json()["access_token"]

        def call(tok, method, path, body=None):
            response = requests.request(method, f"{base}{path}", json=body, headers={"Authorization": f"Bearer {tok}"}, timeout=10)
            assert response.status_code < 300, f"{method} {path}: {response.status_code} {response.text}"
            return response.json() if response.text else None

        operator = token(OPERATOR_KEY)
        hub = call(operator, "POST", "/_hubspoke/accounts", {"name": "hub"})
        tok = token(hub["apikey"])
        vpc = call(tok, "POST", f"/v1/vpcs?{V}", {"name": "hub", "dns": {"enable_hub": True}})
        subnet = call(tok, "POST", f"/v1/subnets?{V}", {"vpc": {"id": vpc["id"]}, "zone": {"name": "us-south-1"}, "total_ipv4_address_count": 256})
        assert subnet["ipv4_cidr_block"] == "10.240.0.0/24", subnet["ipv4_cidr_block"]
        instance = call(tok, "POST", "/v2/resource_instances", {"name": "dns", "target": "global", "resource_plan_id": "standard-dns"})["guid"]
        resolver = call(tok, "POST", f"/v1/instances/{instance}/custom_resolvers", {"name": "cr", "locations": [{"subnet_crn": subnet["crn"], "enabled": True}]})
        assert resolver["locations"][0]["dns_server_ip"] == "10.240.0.4", resolver
        call(tok, "PATCH", f"/v1/instances/{instance}/custom_resolvers/{resolver['id']}", {"enabled": True})
        target = {"crn": "crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:" + COS, "resource_type": "provider_cloud_service"}
        gateway = call(tok, "POST", f"/v1/endpoint_gateways?{V}", {"target": target, "vpc": {"id": vpc["id"]}, "ips": [{"subnet": {"id": subnet["id"]}}]})
        expected = gateway["ips"][0]["address"]

        answer = ""
        deadline = time.time() + 5
        while answer != expected and time.time() < deadline:
            result = subprocess.run(["dig", "@10.240.0.4", "-p", "5354", COS, "A", "+short", "+time=1", "+tries=1"], capture_output=True, text=True)
            answer = result.stdout.strip()
            time.sleep(0.1)
        assert answer == expected, f"the custom resolver address answered {answer!r}, expected {expected!r}"
        print(json.dumps({"custom_resolver": "10.240.0.4", "answer": answer}))
    finally:
        server.terminate()
        server.wait(timeout=20)


if __name__ == "__main__":
    main()
