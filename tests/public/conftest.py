from __future__ import annotations

import pytest

from .helpers import book_url, form_data


@pytest.fixture
def booked(client, frozen_now, permanence):
    """Book Wednesday 2 December at 9h through the public form; return the private token."""
    response = client.post(book_url(permanence), form_data())
    assert response.status_code == 302, response.content.decode()
    token = response["Location"].split("/rendez-vous/")[1].split("/")[0]
    return token
