import pytest


def test_openapi_document_lists_the_registry_endpoints(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"/api/v1/routes", "/api/v1/routes/{code}", "/api/v1/checkpoints"} <= set(paths)


def test_routes(client, demo_season):
    routes = client.get("/api/v1/routes").json()
    assert [route["code"] for route in routes] == ["KT-N-KZ", "KT-S-KG", "KT-S-KZ", "OZR-TREK", "SRB-TREK"]
    assert routes[1]["names"]["ru"].startswith("Хан-Тенгри")
    assert routes[1]["season"] == {"opens": "07-01", "closes": "09-10"}


def test_route_detail_has_waypoints_profile_and_authorities(client, demo_season):
    response = client.get("/api/v1/routes/KT-S-KG")
    assert response.status_code == 200
    route = response.json()
    assert route["profile"]["max_altitude_m"] == 7010
    assert route["waypoints"][2]["place"] == "south-inylchek-bc"
    assert route["waypoints"][2]["approximate"] is True
    assert [authority["code"] for authority in route["required_authorities"]] == ["KG", "KZ"]
    assert [checkpoint["code"] for checkpoint in route["checkpoints"]] == ["MAD-HB", "SIB-HP"]


def test_route_detail_speaks_the_requested_language(client, demo_season):
    route = client.get("/api/v1/routes/KT-S-KG", headers={"accept-language": "ru"}).json()
    assert route["name"].startswith("Хан-Тенгри")


def test_unknown_route_is_404_with_a_reason(client, demo_season):
    response = client.get("/api/v1/routes/NOPE")
    assert response.status_code == 404
    assert "no route with code 'NOPE'" in response.json()["detail"]


def test_checkpoints(client, demo_season):
    checkpoints = {checkpoint["code"]: checkpoint for checkpoint in client.get("/api/v1/checkpoints").json()}
    assert {"KRK", "KCJ", "ASH", "SRB", "OZR", "KGR", "KRK-HB-KZ", "KRK-HB-KG"} <= set(checkpoints)
    assert checkpoints["KCJ"]["location"] is None
    assert checkpoints["SRB"]["season"] == {"opens": "07-01", "closes": "10-01"}
    assert checkpoints["KRK"]["authorities"] == ["KG", "KZ"]


@pytest.mark.parametrize("path", ["/api/v1/routes", "/api/v1/routes/KT-S-KG", "/api/v1/checkpoints"])
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_registry_cannot_be_written_through_the_api(client, admin_client, demo_season, path, method):
    for someone in (client, admin_client):
        assert getattr(someone, method)(path).status_code == 405
