import pytest

LANGUAGES = ["en", "ru", "kk", "ky"]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("page", ["routes/", "routes/KT-S-KG/", "routes/OZR-TREK/", "checkpoints/"])
def test_pages_render_in_every_language(client, demo_season, language, page):
    response = client.get(f"/{language}/{page}")
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_home_redirects_to_the_route_list(client):
    response = client.get("/", headers={"accept-language": "ru"})
    assert response.status_code == 302


def test_route_page_shows_who_must_approve_and_why(client, demo_season):
    html = client.get("/en/routes/KT-S-KZ/").content.decode()
    assert 'data-authority="KZ"' in html and 'data-authority="KG"' in html
    assert "never becomes an approving authority" in html
    assert "runs" in html and "through this territory" in html
    assert "7010 m" in html


def test_route_page_in_russian_is_translated(client, demo_season):
    html = client.get("/ru/routes/KT-S-KG/").content.decode()
    assert "Хан-Тенгри" in html
    assert "Ведомства, которые должны согласовать" in html
    assert "Пограничная служба Государственного комитета национальной безопасности" in html
    assert "ледопад Семёновского" in html


def test_checkpoint_list_shows_unknown_locations_honestly(client, demo_season):
    html = client.get("/en/checkpoints/").content.decode()
    assert 'data-checkpoint="KCJ"' in html and "not known" in html


@pytest.mark.parametrize(
    ("path", "content_type", "magic"),
    [
        ("/en/routes/KT-S-KG/profile.svg", "image/svg+xml", b"<?xml"),
        ("/ru/routes/SRB-TREK/map.png", "image/png", b"\x89PNG"),
    ],
)
def test_pictures(client, demo_season, path, content_type, magic):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response.content.startswith(magic)


@pytest.mark.parametrize("path", ["/en/routes/NOPE/", "/en/routes/NOPE/map.png", "/en/routes/KT-S-KG/map.gif"])
def test_unknown_things_are_404(client, demo_season, path):
    assert client.get(path).status_code == 404


def test_pictures_are_redrawn_when_the_route_changes(client, demo_season):
    from tengri.registry.models import Place

    first = client.get("/en/routes/SRB-TREK/profile.svg")
    Place.objects.filter(code="sary-bulak-pass").update(altitude_m=3300)
    second = client.get("/en/routes/SRB-TREK/profile.svg")
    assert first["ETag"] != second["ETag"]


@pytest.mark.parametrize(("language", "season"), [("en", "1 July – 10 September"), ("ru", "1 июля – 10 сентября")])
def test_seasons_are_shown_as_dates_in_the_readers_language(client, demo_season, language, season):
    assert season in client.get(f"/{language}/routes/KT-S-KG/").content.decode()


def test_a_route_left_without_geometry_is_shown_with_a_warning_not_an_error(client, demo_season):
    from tengri.registry.models import Route

    route = Route.objects.get(code="SRB-TREK")
    route.waypoints.exclude(position=1).delete()
    page = client.get("/en/routes/SRB-TREK/")
    assert page.status_code == 200
    assert "fewer than two waypoints" in page.content.decode()
    assert 'data-authority="' not in page.content.decode()
    assert client.get("/en/routes/SRB-TREK/map.png").status_code == 404
    detail = client.get("/api/v1/routes/SRB-TREK").json()
    assert detail["profile"] is None and detail["required_authorities"] == []
    assert "fewer than two waypoints" in detail["geometry_problem"]
