"""Shared fixtures of the SDK conformance suite: a running hubspoke server and accounts in it.

The Rust integration test `sdk` starts the server and sets HUBSPOKE_URL and HUBSPOKE_OPERATOR_APIKEY. Without them
the suite fails rather than skips, so that CI cannot pass without exercising the SDKs.
"""

import json
import os
import pathlib

import pytest
import requests
from ibm_cloud_networking_services import DnsSvcsV1
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamPolicyManagementV1
from ibm_vpc import VpcV1

FIXTURES = pathlib.Path(__file__).parent / "fixtures"


def _environment(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this suite through `cargo nextest run` (test `sdk`)", pytrace=False)
    return value


@pytest.fixture(scope="session")
def base_url():
    return _environment("HUBSPOKE_URL")


@pytest.fixture(scope="session")
def operator_token(base_url):
    # The operator endpoints are hubspoke's own, so plain HTTP is used for them; everything IBM-shaped goes through the SDK.
    response = requests.post(
        f"{base_url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": _environment("HUBSPOKE_OPERATOR_APIKEY")},
        timeout=30,
    )
    response.raise_for_status()
    return response.json()["access_token"]


@pytest.fixture
def new_account(base_url, operator_token):
    def create(name):
        response = requests.post(
            f"{base_url}/_hubspoke/accounts",
            json={"name": name},
            headers={"Authorization": f"Bearer {operator_token}"},
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.json()

    return create


@pytest.fixture
def policy_client(base_url):
    """An IamPolicyManagementV1 client for an API key, authenticated by the SDK's own IAMAuthenticator."""

    def client(apikey):
        service = IamPolicyManagementV1(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(base_url)
        return service

    return client


@pytest.fixture
def vpc_client(base_url):
    """A VpcV1 client (API version 2026-10-06) for an API key, pointed at hubspoke's `/v1`."""

    def client(apikey):
        service = VpcV1(version="2026-10-06", authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(f"{base_url}/v1")
        return service

    return client


@pytest.fixture
def dns_client(base_url):
    """A DnsSvcsV1 client (custom resolvers) for an API key, pointed at hubspoke's `/v1`."""

    def client(apikey):
        service = DnsSvcsV1(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
        service.set_service_url(f"{base_url}/v1")
        return service

    return client


def seed_body(name, replacements):
    """A seed fixture with ids substituted: `replacements` maps the seed's text to the test's values."""
    text = (FIXTURES / name).read_text()
    for old, new in replacements.items():
        text = text.replace(old, new)
    return json.loads(text)
