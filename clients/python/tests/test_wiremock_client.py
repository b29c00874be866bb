"""WireMock's own Python admin client (PyPI `wiremock`), unchanged, drives the mock's stubs
(issue 46): it creates, lists, deletes and resets mappings and counts requests, and a CM client's
calls to the stubbed paths get the stubbed answers."""

import pytest
from wiremock.client import HttpMethods, Mapping, MappingRequest, MappingResponse, Mappings, NearMissMatchPatternRequest, Requests
from wiremock.constants import Config

from cckm_mock import MockServer


@pytest.fixture(scope="module")
def server():
    with MockServer(seed=11) as running:
        Config.base_url = running.url + "/__admin"
        Config.requests_verify = running.ca_cert
        yield running


@pytest.fixture(autouse=True)
def clean(server):
    server.reset(to="empty")


def test_the_client_creates_lists_deletes_and_resets_mappings_and_counts(server):
    created = Mappings.create_mapping(
        Mapping(
            priority=1,
            request=MappingRequest(method=HttpMethods.GET, url_path="/api/v1/vault/keys2", query_parameters={"name": {"equalTo": "payments"}}),
            response=MappingResponse(status=200, json_body={"total": 1, "resources": [{"name": "payments"}]}),
            persistent=False,
        )
    )
    assert created.id
    assert [m.id for m in Mappings.retrieve_all_mappings().mappings] == [created.id]

    cm = server.session()  # a CM client: its token set, TLS verified
    answer = cm.get(server.url + "/api/v1/vault/keys2", params={"name": "payments"})
    assert answer.status_code == 200 and answer.json()["resources"][0]["name"] == "payments"
    assert cm.get(server.url + "/api/v1/vault/keys2", params={"name": "other"}).status_code == 404

    counted = Requests.get_matching_request_count(NearMissMatchPatternRequest(url_path="/api/v1/vault/keys2", method="GET"))
    assert counted.count == 2

    Mappings.delete_mapping(created.id)
    assert Mappings.retrieve_all_mappings().mappings == []
    Mappings.create_mapping(Mapping(request=MappingRequest(method=HttpMethods.POST, url_pattern="/api/v1/usermgmt/users.*"), response=MappingResponse(status=201)))
    assert cm.post(server.url + "/api/v1/usermgmt/users", json={"name": "u"}).status_code == 201
    Mappings.reset_mappings()  # back to the start-up stubs: none
    assert cm.post(server.url + "/api/v1/usermgmt/users", json={"name": "u"}).status_code == 404
