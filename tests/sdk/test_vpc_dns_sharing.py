"""Conformance of VpcV1 (ibm-vpc) and DnsSvcsV1 (ibm-cloud-networking-services) against hubspoke: DNS sharing for VPE
gateways, authorized by the seed's own IAM service-to-service policy.

The seed scenario runs across two accounts: the hub account builds a hub VPC with a subnet, an enabled custom resolver
and a COS endpoint gateway; the spoke account's VPC is refused a DNS resolution binding until the hub creates the
`DNSBindingConnector` authorization, then binds, delegates its resolver to the hub, and finally disconnects after the hub
revokes the authorization. It runs once with the seed's specific-VPC body and once with "All VPC instances" (the same
body without the subject's `resource` attribute). Every response is also parsed with the SDK's own model classes, whose
`from_dict` raises when a required property is missing.
"""

import ipaddress
import re
import time
import uuid

import pytest
import requests
from ibm_cloud_networking_services.dns_svcs_v1 import CustomResolver
from ibm_cloud_sdk_core import ApiException
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import ResourceControllerV2, ResourceManagerV2
from ibm_platform_services.iam_policy_management_v1 import PolicyResource, PolicyRole, PolicySubject
from ibm_vpc.vpc_v1 import (
    VPC,
    EndpointGateway,
    Subnet,
    VPCDNSResolutionBinding,
    VPCDNSResolutionBindingCollection,
    VPCDNSResolverTypeDelegated,
    VPCDNSResolverTypeManual,
    VPCDNSResolverTypeSystem,
)

from conftest import seed_body

VERSION = "2026-10-06"
COS_ENDPOINT = "s3.direct.us-south.cloud-object-storage.appdomain.cloud"
COS_TARGET_CRN = f"crn:v1:bluemix:public:cloud-object-storage:global:::endpoint:{COS_ENDPOINT}"
SEED_ACCOUNT = "e38cfd44b6e44b249ac75dd5de0cc8aa"
SEED_SPOKE_VPC = "r006-fd189c4f-52a0-4694-abfd-186cb6011a3c"
SEED_HUB_VPC = "r006-ffaedf75-4f44-4ead-989d-cd37816a13d2"
VPC_ID = re.compile(r"^r006-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SPECIFIC_VPC = "specific-vpc"
ALL_VPC_INSTANCES = "all-vpc-instances"

# Every wait is bounded twice: by a number of attempts and by wall-clock time.
POLL_ATTEMPTS = 50
POLL_SECONDS = 10.0
POLL_INTERVAL = 0.2

RESOLVER_MODELS = {
    "system": VPCDNSResolverTypeSystem,
    "delegated": VPCDNSResolverTypeDelegated,
    "manual": VPCDNSResolverTypeManual,
}


def conforming(model, body):
    """`body`, after checking that the SDK model `model` parses it (its `from_dict` raises on a missing property)."""
    model.from_dict(body)
    return body


def wait_for(fetch, done, what):
    """Calls `fetch` until `done(result)` holds, at most POLL_ATTEMPTS times and POLL_SECONDS long; returns the result."""
    deadline = time.monotonic() + POLL_SECONDS
    result = None
    for _ in range(POLL_ATTEMPTS):
        result = fetch()
        if done(result):
            return result
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_INTERVAL)
    pytest.fail(f"{what}: not reached within {POLL_ATTEMPTS} attempts or {POLL_SECONDS} s; last seen {result!r}")


def status_of(call):
    """The HTTP status code of an SDK call, whether it returns or raises an ApiException."""
    try:
        return call().get_status_code()
    except ApiException as error:
        return error.status_code


def assert_not_authorized(call):
    """Runs `call`, which must be refused with HTTP 401 and IBM error code `not_authorized`; returns the ApiException."""
    with pytest.raises(ApiException) as refusal:
        call()
    error = refusal.value
    assert error.status_code == 401, error
    assert error.http_response.json()["errors"][0]["code"] == "not_authorized"
    return error


def in_subnet(address, subnet):
    """Whether the IPv4 `address` lies inside the subnet's `ipv4_cidr_block`."""
    return ipaddress.ip_address(address) in ipaddress.ip_network(subnet["ipv4_cidr_block"])


def resolver_of(vpc):
    """The VPC's `dns.resolver`, after checking it against the SDK model of its `type`."""
    resolver = vpc["dns"]["resolver"]
    return conforming(RESOLVER_MODELS[resolver["type"]], resolver)


def server_addresses(resolver):
    """The sorted addresses of a resolver's `servers`."""
    return sorted(server["address"] for server in resolver["servers"])


def create_vpc(client, name, enable_hub=False):
    """Creates a VPC (a DNS hub when `enable_hub`) and returns it, checked against the SDK's VPC model."""
    dns = {"enable_hub": True} if enable_hub else None
    response = client.create_vpc(name=name, dns=dns)
    assert response.get_status_code() == 201
    vpc = conforming(VPC, response.get_result())
    assert VPC_ID.match(vpc["id"]), vpc["id"]
    assert vpc["name"] == name
    assert vpc["resource_type"] == "vpc"
    assert vpc["dns"]["enable_hub"] is enable_hub
    assert vpc["dns"]["resolution_binding_count"] == 0
    return vpc


def get_vpc(client, vpc_id):
    """Retrieves a VPC, checked against the SDK's VPC model."""
    response = client.get_vpc(id=vpc_id)
    assert response.get_status_code() == 200
    return conforming(VPC, response.get_result())


def binding_count(client, vpc_id):
    """The VPC's `dns.resolution_binding_count`."""
    return get_vpc(client, vpc_id)["dns"]["resolution_binding_count"]


def create_subnet(client, vpc_id, name, zone="us-south-1"):
    """Creates a 256-address subnet in `zone` from the VPC's automatic address prefixes and returns it."""
    response = client.create_subnet(
        subnet_prototype={"name": name, "vpc": {"id": vpc_id}, "zone": {"name": zone}, "total_ipv4_address_count": 256}
    )
    assert response.get_status_code() == 201
    subnet = conforming(Subnet, response.get_result())
    assert subnet["vpc"]["id"] == vpc_id
    assert subnet["zone"]["name"] == zone
    assert ipaddress.ip_network(subnet["ipv4_cidr_block"]).num_addresses == 256
    return subnet


def enable_custom_resolver(client, subnet):
    """Creates a custom resolver with one location in `subnet` in a new DNS Services instance (provisioned through
    Resource Controller with the same credentials), enables it, and returns `(instance_id, resolver)` as the enabling
    update returned it."""
    base = client.service_url.removesuffix("/v1")
    groups = ResourceManagerV2(authenticator=client.authenticator)
    groups.set_service_url(base)
    [default_group] = groups.list_resource_groups(default=True).get_result()["resources"]
    controller = ResourceControllerV2(authenticator=client.authenticator)
    controller.set_service_url(base)
    instance = controller.create_resource_instance(
        name=f"dns-{uuid.uuid4().hex[:8]}",
        target="global",
        resource_group=default_group["id"],
        resource_plan_id="standard-dns",
    )
    assert instance.get_status_code() == 201
    instance_id = instance.get_result()["guid"]
    created = client.create_custom_resolver(
        instance_id=instance_id, name="hub-resolver", locations=[{"subnet_crn": subnet["crn"], "enabled": True}]
    )
    assert created.get_status_code() in (200, 201)
    resolver = conforming(CustomResolver, created.get_result())
    [location] = resolver["locations"]
    assert location["subnet_crn"] == subnet["crn"]
    assert in_subnet(location["dns_server_ip"], subnet), location

    enabled = client.update_custom_resolver(instance_id=instance_id, resolver_id=resolver["id"], enabled=True)
    assert enabled.get_status_code() == 200
    resolver = conforming(CustomResolver, enabled.get_result())
    assert resolver["enabled"] is True
    assert [loc["dns_server_ip"] for loc in resolver["locations"]] == [location["dns_server_ip"]]
    return instance_id, resolver


def location_addresses(resolver):
    """The sorted `dns_server_ip` of a custom resolver's locations."""
    return sorted(location["dns_server_ip"] for location in resolver["locations"])


def create_cos_gateway(client, vpc_id, subnet):
    """Creates the hub's COS endpoint gateway with one reserved IP in `subnet`, and returns it once `stable`."""
    response = client.create_endpoint_gateway(
        target={"crn": COS_TARGET_CRN, "resource_type": "provider_cloud_service"},
        vpc={"id": vpc_id},
        ips=[{"subnet": {"id": subnet["id"]}}],
        name="hub-cos",
    )
    assert response.get_status_code() == 201
    gateway = conforming(EndpointGateway, response.get_result())
    assert gateway["name"] == "hub-cos"
    assert gateway["vpc"]["id"] == vpc_id
    assert gateway["target"]["crn"] == COS_TARGET_CRN
    assert COS_ENDPOINT in gateway["service_endpoints"]
    assert gateway["dns_resolution_binding_mode"] == "primary"
    assert in_subnet(gateway["ips"][0]["address"], subnet), gateway["ips"]
    assert gateway["lifecycle_state"] in ("pending", "stable")
    return wait_for(
        lambda: conforming(EndpointGateway, client.get_endpoint_gateway(id=gateway["id"]).get_result()),
        lambda g: g["lifecycle_state"] == "stable",
        "the COS endpoint gateway becomes stable",
    )


def bind(client, spoke_vpc_id, hub_identity, name="to-hub"):
    """Asks for a DNS resolution binding from the spoke VPC to the hub identified by `hub_identity` ({"crn"} or {"id"})."""
    return client.create_vpc_dns_resolution_binding(vpc_id=spoke_vpc_id, vpc=hub_identity, name=name)


def get_binding(client, vpc_id, binding_id):
    """Retrieves a binding as seen from `vpc_id`, checked against the SDK model."""
    response = client.get_vpc_dns_resolution_binding(vpc_id=vpc_id, id=binding_id)
    assert response.get_status_code() == 200
    return conforming(VPCDNSResolutionBinding, response.get_result())


def wait_stable(client, vpc_id, binding_id):
    """Polls a binding seen from `vpc_id` until its `lifecycle_state` is `stable`."""
    return wait_for(
        lambda: get_binding(client, vpc_id, binding_id),
        lambda b: b["lifecycle_state"] == "stable",
        f"binding {binding_id} seen from {vpc_id} becomes stable",
    )


def wait_gone(client, vpc_id, binding_id):
    """Polls a binding seen from `vpc_id` until retrieving it is 404."""
    wait_for(
        lambda: status_of(lambda: client.get_vpc_dns_resolution_binding(vpc_id=vpc_id, id=binding_id)),
        lambda status: status == 404,
        f"binding {binding_id} seen from {vpc_id} is gone",
    )


def bindings_of(client, vpc_id):
    """All DNS resolution bindings listed for a VPC (one page), checked against the SDK's collection model."""
    response = client.list_vpc_dns_resolution_bindings(vpc_id=vpc_id)
    assert response.get_status_code() == 200
    collection = conforming(VPCDNSResolutionBindingCollection, response.get_result())
    assert collection["total_count"] == len(collection["dns_resolution_bindings"])
    return collection["dns_resolution_bindings"]


def authorization_body(scope, hub, hub_vpc, spoke, spoke_vpc):
    """The seed's specific-VPC authorization with these accounts and VPCs; for "All VPC instances", the same body
    without the subject's `resource` attribute."""
    body = seed_body(
        "seed-specific-vpc.json",
        {
            "Account S (Spoke)": spoke["id"],
            "Spoke VPC ID": spoke_vpc["id"],
            "Account H (Hub)": hub["id"],
            "Hub VPC ID": hub_vpc["id"],
        },
    )
    if scope == ALL_VPC_INSTANCES:
        for subject in body["subjects"]:
            subject["attributes"] = [a for a in subject["attributes"] if a["name"] != "resource"]
    return body


def authorize(client, body):
    """Creates an authorization policy from a seed body through IamPolicyManagementV1 and returns it."""
    response = client.create_policy(
        type=body["type"],
        subjects=[PolicySubject.from_dict(s) for s in body["subjects"]],
        roles=[PolicyRole.from_dict(r) for r in body["roles"]],
        resources=[PolicyResource.from_dict(r) for r in body["resources"]],
    )
    assert response.get_status_code() == 201
    policy = response.get_result()
    assert policy["subjects"] == body["subjects"]
    return policy


@pytest.mark.parametrize("scope", [SPECIFIC_VPC, ALL_VPC_INSTANCES])
def test_seed_dns_sharing_across_two_accounts(scope, new_account, policy_client, vpc_client, dns_client):
    hub = new_account("hub")
    spoke = new_account("spoke")
    hub_vpcs = vpc_client(hub["apikey"])
    spoke_vpcs = vpc_client(spoke["apikey"])

    # The hub account: a hub VPC, a subnet, an enabled custom resolver in it, and a COS endpoint gateway.
    hub_vpc = create_vpc(hub_vpcs, "hub-vpc", enable_hub=True)
    hub_id = hub_vpc["id"]
    hub_crn = hub_vpc["crn"]
    assert hub_crn == f"crn:v1:bluemix:public:is:us-south:a/{hub['id']}::vpc:{hub_id}"
    subnet = create_subnet(hub_vpcs, hub_id, "hub-resolvers")
    instance_id, custom_resolver = enable_custom_resolver(dns_client(hub["apikey"]), subnet)
    resolver_ips = location_addresses(custom_resolver)
    hub_resolver = resolver_of(get_vpc(hub_vpcs, hub_id))
    assert (hub_resolver["type"], hub_resolver["configuration"]) == ("system", "custom_resolver")
    assert server_addresses(hub_resolver) == resolver_ips
    # The DNS Services instance is private to the hub's account.
    with pytest.raises(ApiException) as hidden:
        dns_client(spoke["apikey"]).get_custom_resolver(instance_id=instance_id, resolver_id=custom_resolver["id"])
    assert hidden.value.status_code in (403, 404)

    create_cos_gateway(hub_vpcs, hub_id, subnet)
    assert resolver_of(get_vpc(hub_vpcs, hub_id))["configuration"] == "custom_resolver"

    # The spoke account: an ordinary VPC with the system resolver; it cannot read the hub VPC itself.
    spoke_vpc = create_vpc(spoke_vpcs, "spoke-vpc")
    spoke_id = spoke_vpc["id"]
    assert resolver_of(spoke_vpc)["type"] == "system"
    with pytest.raises(ApiException) as foreign:
        spoke_vpcs.get_vpc(id=hub_id)
    assert foreign.value.status_code in (403, 404)

    # Without the authorization the binding is refused, and the refusal says what is missing; nothing is half-written.
    refusal = assert_not_authorized(lambda: bind(spoke_vpcs, spoke_id, {"crn": hub_crn}))
    assert "DNSBindingConnector" in refusal.message
    assert hub_id in refusal.message
    assert bindings_of(spoke_vpcs, spoke_id) == []
    assert bindings_of(hub_vpcs, hub_id) == []
    assert (binding_count(hub_vpcs, hub_id), binding_count(spoke_vpcs, spoke_id)) == (0, 0)

    # The hub creates the seed authorization; now the binding is made.
    policy = authorize(policy_client(hub["apikey"]), authorization_body(scope, hub, hub_vpc, spoke, spoke_vpc))
    created = bind(spoke_vpcs, spoke_id, {"crn": hub_crn})
    assert created.get_status_code() == 201
    binding = conforming(VPCDNSResolutionBinding, created.get_result())
    binding_id = binding["id"]
    assert binding["name"] == "to-hub"
    assert binding["resource_type"] == "vpc_dns_resolution_binding"
    assert binding["vpc"]["id"] == hub_id
    assert binding["vpc"]["crn"] == hub_crn
    assert binding["vpc"]["remote"]["account"]["id"] == hub["id"]
    assert binding["lifecycle_state"] in ("pending", "stable")
    assert wait_stable(spoke_vpcs, spoke_id, binding_id)["vpc"]["id"] == hub_id

    # One binding, one id, seen from both VPCs; each side names the other VPC.
    [hub_side] = [b for b in bindings_of(hub_vpcs, hub_id) if b["id"] == binding_id]
    assert hub_side["vpc"]["id"] == spoke_id
    assert hub_side["vpc"]["remote"]["account"]["id"] == spoke["id"]
    assert [b["id"] for b in bindings_of(spoke_vpcs, spoke_id)] == [binding_id]
    assert (binding_count(hub_vpcs, hub_id), binding_count(spoke_vpcs, spoke_id)) == (1, 1)

    # A specific-VPC authorization names only the first spoke: another VPC of the same account is still refused.
    second_spoke = create_vpc(spoke_vpcs, "spoke-vpc-2")
    if scope == SPECIFIC_VPC:
        assert_not_authorized(lambda: bind(spoke_vpcs, second_spoke["id"], {"crn": hub_crn}))

    # The spoke delegates its resolver to the hub and gets the hub's custom resolver addresses.
    delegated = spoke_vpcs.update_vpc(
        id=spoke_id, vpc_patch={"dns": {"resolver": {"type": "delegated", "vpc": {"crn": hub_crn}}}}
    )
    assert delegated.get_status_code() == 200
    spoke_resolver = resolver_of(conforming(VPC, delegated.get_result()))
    assert spoke_resolver["type"] == "delegated"
    assert spoke_resolver["vpc"]["id"] == hub_id
    assert server_addresses(spoke_resolver) == resolver_ips
    assert server_addresses(resolver_of(get_vpc(spoke_vpcs, spoke_id))) == resolver_ips

    # The hub revokes the authorization: new bindings are refused, the existing one keeps working.
    revoked = policy_client(hub["apikey"]).delete_policy(policy_id=policy["id"])
    assert revoked.get_status_code() == 204
    assert_not_authorized(lambda: bind(spoke_vpcs, second_spoke["id"], {"crn": hub_crn}))
    assert get_binding(spoke_vpcs, spoke_id, binding_id)["lifecycle_state"] == "stable"
    assert binding_count(spoke_vpcs, second_spoke["id"]) == 0

    # The spoke returns to the system resolver and deletes its binding without authorization: its side goes away,
    # the hub's side stays, faulted, until the hub deletes it.
    returned = spoke_vpcs.update_vpc(id=spoke_id, vpc_patch={"dns": {"resolver": {"type": "system", "vpc": None}}})
    assert returned.get_status_code() == 200
    spoke_resolver = resolver_of(conforming(VPC, returned.get_result()))
    assert spoke_resolver["type"] == "system"
    assert "vpc" not in spoke_resolver

    deleted = spoke_vpcs.delete_vpc_dns_resolution_binding(vpc_id=spoke_id, id=binding_id)
    assert deleted.get_status_code() == 202
    assert conforming(VPCDNSResolutionBinding, deleted.get_result())["id"] == binding_id
    wait_gone(spoke_vpcs, spoke_id, binding_id)
    assert binding_count(spoke_vpcs, spoke_id) == 0

    faulted = wait_for(
        lambda: [b for b in bindings_of(hub_vpcs, hub_id) if b["id"] == binding_id],
        lambda found: len(found) == 1 and found[0]["health_state"] == "faulted",
        "the hub's side of the binding is faulted",
    )[0]
    assert "disconnected_from_bound_vpc" in [reason["code"] for reason in faulted["health_reasons"]]
    assert binding_count(hub_vpcs, hub_id) == 1

    cleaned = hub_vpcs.delete_vpc_dns_resolution_binding(vpc_id=hub_id, id=binding_id)
    assert cleaned.get_status_code() == 202
    assert conforming(VPCDNSResolutionBinding, cleaned.get_result())["id"] == binding_id
    wait_gone(hub_vpcs, hub_id, binding_id)
    assert bindings_of(hub_vpcs, hub_id) == []
    assert binding_count(hub_vpcs, hub_id) == 0


def test_same_account_hub_and_spoke_also_need_the_authorization(new_account, policy_client, vpc_client, dns_client):
    account = new_account("hub-and-spoke")
    vpcs = vpc_client(account["apikey"])
    hub_vpc = create_vpc(vpcs, "hub-vpc", enable_hub=True)
    # A hub serves bindings only with an enabled custom resolver (rule H10).
    enable_custom_resolver(dns_client(account["apikey"]), create_subnet(vpcs, hub_vpc["id"], "hub-subnet"))
    spoke_vpc = create_vpc(vpcs, "spoke-vpc")
    hub_id, spoke_id = hub_vpc["id"], spoke_vpc["id"]

    refusal = assert_not_authorized(lambda: bind(vpcs, spoke_id, {"id": hub_id}))
    assert "DNSBindingConnector" in refusal.message
    assert hub_id in refusal.message
    assert (binding_count(vpcs, hub_id), binding_count(vpcs, spoke_id)) == (0, 0)

    # The seed's CLI-file body is the same-account authorization.
    body = seed_body("seed-cli-file.json", {SEED_ACCOUNT: account["id"], SEED_SPOKE_VPC: spoke_id, SEED_HUB_VPC: hub_id})
    authorize(policy_client(account["apikey"]), body)

    created = bind(vpcs, spoke_id, {"id": hub_id})
    assert created.get_status_code() == 201
    binding = conforming(VPCDNSResolutionBinding, created.get_result())
    assert binding["vpc"]["id"] == hub_id
    assert "account" not in (binding["vpc"].get("remote") or {})
    wait_stable(vpcs, spoke_id, binding["id"])
    assert [b["vpc"]["id"] for b in bindings_of(vpcs, hub_id) if b["id"] == binding["id"]] == [spoke_id]
    assert (binding_count(vpcs, hub_id), binding_count(vpcs, spoke_id)) == (1, 1)

    # With the authorization still in place, the spoke's delete removes both sides at once.
    deleted = vpcs.delete_vpc_dns_resolution_binding(vpc_id=spoke_id, id=binding["id"])
    assert deleted.get_status_code() == 202
    wait_gone(vpcs, spoke_id, binding["id"])
    wait_for(lambda: bindings_of(vpcs, hub_id), lambda found: found == [], "the hub's side is gone too")
    assert (binding_count(vpcs, hub_id), binding_count(vpcs, spoke_id)) == (0, 0)


def test_vpc_requests_need_the_version_query_parameter(base_url, new_account, vpc_client):
    account = new_account("versions")
    vpc = create_vpc(vpc_client(account["apikey"]), "versioned")
    token = IAMAuthenticator(apikey=account["apikey"], url=base_url).token_manager.get_token()
    url = f"{base_url}/v1/vpcs/{vpc['id']}"
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}

    without = requests.get(url, params={"generation": 2}, headers=headers, timeout=30)
    assert without.status_code == 400, without.text
    error = without.json()["errors"][0]
    assert error["code"] and error["message"]

    with_version = requests.get(url, params={"version": VERSION, "generation": 2}, headers=headers, timeout=30)
    assert with_version.status_code == 200, with_version.text
    assert conforming(VPC, with_version.json())["id"] == vpc["id"]
