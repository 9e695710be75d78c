"""The API's documentation page (/api/v1/docs): Swagger UI, served by the app from static/vendor/swagger-ui,
over the OpenAPI document the code generates (/api/v1/openapi.json)."""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

bp = Blueprint("api_docs", __name__)


@bp.route("/api/v1/docs")
def docs():  # type: ignore[no-untyped-def]
    return render_template("api/docs.html", spec_url=url_for("api-docs.openapi_json"))
