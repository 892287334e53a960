"""Regressions for 500s the fuzz found in the inbox REST API (departments, operators, history search)."""

from __future__ import annotations

from rest_framework.test import APIClient

from builder.models import Department


def client(token: str) -> APIClient:
    api = APIClient()
    api.raise_request_exception = False  # the handler turns the exception into the 500 a browser would get
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return api


def test_operator_capacity_with_a_list_body_is_400(world):
    response = client(world.admin_token).patch(f"/api/w/acme/operators/{world.editor.pk}/", [None], format="json")
    assert response.status_code == 400


def test_department_with_an_out_of_range_operator_id_is_400(world):
    response = client(world.admin_token).post(
        "/api/w/acme/departments/",
        {"name": "Billing", "slug": "billing", "operators": [-32589158477190044729]},
        format="json",
    )
    assert response.status_code == 400
    assert not Department.objects.filter(workspace=world.workspace, slug="billing").exists()


def test_conversation_search_with_a_nul_character_is_not_a_500(world):
    response = client(world.token).get("/api/w/acme/conversations/?q=a%00b")
    assert response.status_code in (200, 400)
