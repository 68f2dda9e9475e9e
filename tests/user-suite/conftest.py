"""A test suite written the way users write theirs against hubspoke: the server was started with
`--init hub.toml --iam-propagation-delay 2s`; the suite saves that world once, and every test gets it back afterwards
by loading the saved state, so tests may create whatever they like.

The Rust integration test `user_suite` starts the server and sets HUBSPOKE_URL and HUBSPOKE_OPERATOR_APIKEY.
"""

import os

import pytest
import requests
from ibm_cloud_sdk_core.authenticators import IAMAuthenticator
from ibm_platform_services import IamPolicyManagementV1
from ibm_vpc import VpcV1

HUB_KEY = "user-suite-hub-key-0123456789"
SPOKE_KEY = "user-suite-spoke-key-0123456789"


def _environment(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run this suite through `cargo nextest run` (test `user_suite`)", pytrace=False)
    return value


@pytest.fixture(scope="session")
def base_url():
    return _environment("HUBSPOKE_URL")


@pytest.fixture(scope="session")
def operator(base_url):
    """A requests session with the operator's token, for hubspoke's own endpoints."""
    response = requests.post(
        f"{base_url}/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": _environment("HUBSPOKE_OPERATOR_APIKEY")},
        timeout=30,
    )
    response.raise_for_status()
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
    return session


@pytest.fixture(scope="session")
def baseline(base_url, operator):
    """The world `--init` built, saved once."""
    response = operator.get(f"{base_url}/_hubspoke/state", timeout=30)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture(autouse=True)
def restore_the_baseline(base_url, operator, baseline):
    yield
    response = operator.put(f"{base_url}/_hubspoke/state", json=baseline, timeout=30)
    assert response.status_code == 200, response.text


def _vpc(base_url, apikey):
    service = VpcV1(version="2026-10-06", authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
    service.set_service_url(f"{base_url}/v1")
    return service


def _policies(base_url, apikey):
    service = IamPolicyManagementV1(authenticator=IAMAuthenticator(apikey=apikey, url=base_url))
    service.set_service_url(base_url)
    return service


@pytest.fixture
def hub_vpc(base_url):
    return _vpc(base_url, HUB_KEY)


@pytest.fixture
def spoke_vpc(base_url):
    return _vpc(base_url, SPOKE_KEY)


@pytest.fixture
def hub_policies(base_url):
    return _policies(base_url, HUB_KEY)
