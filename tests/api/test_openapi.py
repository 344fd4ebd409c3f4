from __future__ import annotations


def test_openapi_lists_the_endpoints_and_documents_errors(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["version"] == "1"
    paths = schema["paths"]
    assert set(paths) >= {
        "/api/v1/communes",
        "/api/v1/communes/{insee_code}/slots",
        "/api/v1/appointments",
        "/api/v1/appointments/cancel",
    }
    booking = paths["/api/v1/appointments"]["post"]["responses"]
    assert set(booking) == {"201", "401", "403", "409", "422", "429"}
    error_ref = booking["422"]["content"]["application/json"]["schema"]["$ref"]
    error_schema = schema["components"]["schemas"][error_ref.rsplit("/", 1)[1]]
    assert set(error_schema["properties"]) == {"detail", "errors"}
    assert set(paths["/api/v1/communes/{insee_code}/slots"]["get"]["responses"]) == {
        "200",
        "404",
        "422",
    }
    assert '"errors"' in schema["info"]["description"]
    params = {p["name"] for p in paths["/api/v1/communes/{insee_code}/slots"]["get"]["parameters"]}
    assert params == {"insee_code", "from", "to"}
