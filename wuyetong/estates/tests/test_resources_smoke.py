"""Every console page renders for a manager and every API list answers (broad smoke)."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

LISTS = [
    "community_list",
    "building_list",
    "house_list",
    "shop_list",
    "space_list",
    "lot_list",
    "vehicle_list",
    "venue_list",
    "adspace_list",
    "resident_list",
]
CREATES = [
    "community_create",
    "building_create",
    "house_create",
    "shop_create",
    "space_create",
    "lot_create",
    "vehicle_create",
    "venue_create",
    "adspace_create",
    "resident_create",
]


@pytest.mark.parametrize("name", LISTS + CREATES)
def test_page_renders_for_hq_admin(world, client_for, name):
    response = client_for(world.staff("hq_admin")).get(reverse(f"estates:{name}"))
    assert response.status_code == 200, response.content[:2000]
