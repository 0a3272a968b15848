"""Personal API tokens: created on the profile page, shown once, usable by a script, revocable."""

import json
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from openiop.accounts.models import PersonalAccessToken

from .conftest import assert_accessible, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def get_patients(live_server, token):
    request = urllib.request.Request(  # noqa: S310 (the live test server's http URL)
        live_server.url + "/api/v1/patients", headers={"Authorization": f"Bearer {token}"}
    )
    return urllib.request.urlopen(request, timeout=10)  # noqa: S310


def test_clinician_creates_a_token_uses_it_from_a_script_and_revokes_it(page, world, live_server):
    sign_in(page, "alice", PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Profile").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Profile")
    expect(page.get_by_text("You have no API tokens.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Token name").fill("reporting script")
    page.get_by_role("button", name="Create token").click()

    shown = page.get_by_label("Your new token. Copy it now: it will not be shown again.")
    expect(shown).to_be_visible()
    raw = shown.input_value()
    assert raw.startswith("oiop_")
    tokens = page.get_by_role("table").locator("tbody tr")
    expect(tokens.filter(has_text="reporting script")).to_contain_text("Active")
    assert_accessible(page)

    with get_patients(live_server, raw) as response:
        assert response.status == 200
        assert response.headers.get_content_type() == "application/json"
        body = json.load(response)
    assert [item["legal_given_name"] for item in body["items"]] == ["Avery", "Blake"]
    assert body["count"] == 2

    page.reload()
    expect(page.locator("#new-token")).to_have_count(0)
    expect(page.locator("main")).not_to_contain_text(raw)
    row = tokens.filter(has_text="reporting script")
    expect(row).to_contain_text("Active")
    assert_accessible(page)

    row.get_by_role("button", name="Revoke reporting script").click()
    expect(page.get_by_role("status").filter(has_text="Token “reporting script” revoked.")).to_be_visible()
    expect(tokens.filter(has_text="reporting script")).to_contain_text("Revoked")
    expect(page.get_by_role("button", name="Revoke reporting script")).to_have_count(0)
    assert_accessible(page)
    assert PersonalAccessToken.objects.get(user=world.alice).revoked_at is not None

    with pytest.raises(urllib.error.HTTPError) as refused:
        get_patients(live_server, raw)
    assert refused.value.code == 401
    assert refused.value.headers.get_content_type() == "application/problem+json"
    problem = json.load(refused.value)
    assert problem["status"] == 401
    assert "Avery" not in json.dumps(problem)
