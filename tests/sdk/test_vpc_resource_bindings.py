"""Conformance of VpcV1 (ibm-vpc) against hubspoke for endpoint gateway resource bindings: the SDK's create, list
(with its pager), get, update and delete, every response parsed with the SDK's model classes, whose `from_dict`
raises when a required property is missing.
"""

import pytest
from ibm_cloud_sdk_core import ApiException
from ibm_vpc.vpc_v1 import (
    EndpointGateway,
    EndpointGatewayResourceBinding,
    EndpointGatewayResourceBindingCollection,
    EndpointGatewayResourceBindingPatch,
    EndpointGatewayResourceBindingsPager,
    EndpointGatewayResourceBindingTargetPrototypeEndpointGatewayResourceBindingTargetByCRN,
)

from test_vpc_dns_sharing import COS_ENDPOINT, COS_TARGET_CRN, conforming, create_vpc


def bucket(account_id, name):
    return f"crn:v1:bluemix:public:cloud-object-storage:global:a/{account_id}:9f1c2b8e-4a36-4c64-8e0c-2f2f6a1d6b1e:bucket:{name}"


def test_resource_bindings_of_a_local_access_gateway(new_account, vpc_client):
    account = new_account("local-access")
    vpc_service = vpc_client(account["apikey"])
    vpc = create_vpc(vpc_service, "local-access")
    response = vpc_service.create_endpoint_gateway(
        target={"crn": COS_TARGET_CRN, "resource_type": "provider_cloud_service"},
        vpc={"id": vpc["id"]},
        name="local-cos",
        dns_resolution_binding_mode="per_resource_binding",
    )
    assert response.get_status_code() == 201
    gateway = conforming(EndpointGateway, response.get_result())

    created = []
    for name in ["logs", "backups", "media"]:
        target = EndpointGatewayResourceBindingTargetPrototypeEndpointGatewayResourceBindingTargetByCRN(
            crn=bucket(account["id"], name)
        )
        response = vpc_service.create_endpoint_gateway_resource_binding(gateway["id"], target, name=f"{name}-binding")
        assert response.get_status_code() == 201
        binding = conforming(EndpointGatewayResourceBinding, response.get_result())
        assert binding["service_endpoint"] == f"{name}.{COS_ENDPOINT}"
        assert (binding["type"], binding["lifecycle_state"]) == ("weak", "stable")
        created.append(binding)

    # The same bucket twice is refused, naming the rule.
    target = EndpointGatewayResourceBindingTargetPrototypeEndpointGatewayResourceBindingTargetByCRN(
        crn=bucket(account["id"], "logs")
    )
    with pytest.raises(ApiException) as refused:
        vpc_service.create_endpoint_gateway_resource_binding(gateway["id"], target)
    assert refused.value.code == 409
    assert "(rule RB4)" in refused.value.message

    page = vpc_service.list_endpoint_gateway_resource_bindings(gateway["id"], limit=2).get_result()
    conforming(EndpointGatewayResourceBindingCollection, page)
    assert page["total_count"] == 3 and len(page["resource_bindings"]) == 2
    pager = EndpointGatewayResourceBindingsPager(client=vpc_service, endpoint_gateway_id=gateway["id"], limit=2)
    seen = pager.get_all()
    assert sorted(binding["id"] for binding in seen) == sorted(binding["id"] for binding in created)

    patch = EndpointGatewayResourceBindingPatch(name="logs-renamed").to_dict()
    renamed = vpc_service.update_endpoint_gateway_resource_binding(gateway["id"], created[0]["id"], patch)
    assert conforming(EndpointGatewayResourceBinding, renamed.get_result())["name"] == "logs-renamed"
    fetched = vpc_service.get_endpoint_gateway_resource_binding(gateway["id"], created[0]["id"]).get_result()
    assert fetched == renamed.get_result()

    response = vpc_service.delete_endpoint_gateway_resource_binding(gateway["id"], created[0]["id"])
    assert response.get_status_code() == 204
    with pytest.raises(ApiException) as gone:
        vpc_service.get_endpoint_gateway_resource_binding(gateway["id"], created[0]["id"])
    assert gone.value.code == 404
