"""service_center: a workflow engine and web application for one-stop administrative service centres."""

from __future__ import annotations

import os

from flask import Flask, has_request_context, request, session
from flask_babel import get_translations
from jinja2 import pass_context

from config import BASE_DIR, CONFIGS, INSTANCE_DIR, ProductionConfig, instance_secret

from .database import configure_sqlite, ping_idle_connections, reset_reads_only, set_reads_only
from .extensions import babel, csrf, db, login_manager, migrate


def select_locale() -> str:
    """The user's chosen language (session), else the browser's preference among ours, else zh_CN."""
    languages = ("zh_CN", "en")
    if not has_request_context():  # CLI commands, jobs and service tests
        return "zh_CN"
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages, default="zh_CN")


@pass_context
def _template_gettext(context, string: str) -> str:
    """``_()`` in templates: the request's catalogue, fetched once per render by the context processor.

    Flask-Babel's own callable looks up the domain, the locale and the catalogue again for every string (a page
    of the guide has 100+ of them); this reads the same catalogue from the template context. Macros imported
    without context fall back to Flask-Babel's lookup, with the same result.
    """
    translations = context.get("_translations")
    return (translations if translations is not None else get_translations()).ugettext(string)


@pass_context
def _template_ngettext(context, singular: str, plural: str, n: int) -> str:
    translations = context.get("_translations")
    return (translations if translations is not None else get_translations()).ungettext(singular, plural, n)


def create_app(config_name: str | None = None, **overrides: object) -> Flask:
    """Build the Flask application.

    ``config_name`` picks a class from config.CONFIGS (default from SERVICE_CENTER_CONFIG, else development);
    keyword overrides win over it (the tests pass SQLALCHEMY_DATABASE_URI this way).
    """
    name = config_name or os.environ.get("SERVICE_CENTER_CONFIG", "development")
    config_cls = CONFIGS[name]
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_DIR),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "service_center" / "static"),
    )
    app.config.from_object(config_cls)
    app.config.update(overrides)
    if config_cls is ProductionConfig:
        ProductionConfig.check(app.config)
    elif not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        os.makedirs(app.instance_path, exist_ok=True)

    # pool_pre_ping pings every connection on every checkout; ping only those idle a while instead (database.py).
    engine_options = dict(app.config["SQLALCHEMY_ENGINE_OPTIONS"])
    ping_when_idle = engine_options.pop("pool_pre_ping", False)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options
    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=select_locale,
        default_translation_directories=str(BASE_DIR / "service_center" / "translations"),
    )
    app.jinja_env.install_gettext_callables(  # newstyle, as Flask-Babel installs them
        gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True,
        pgettext=lambda c, s: get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: get_translations().unpgettext(c, s, p, n),
    )
    login_manager.init_app(app)
    with app.app_context():
        configure_sqlite(db.engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        if ping_when_idle:
            ping_idle_connections(db.engine)

    from werkzeug.routing import IntegerConverter

    from .views.pagination import MAX_ID

    class IdConverter(IntegerConverter):
        """``<int:...>`` in URLs: ids beyond the database's integer range are simply not found."""

        def __init__(self, map, *args, **kwargs):  # type: ignore[no-untyped-def]  # noqa: A002
            kwargs.setdefault("max", MAX_ID)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = IdConverter

    from . import api, auth, errors, security, throttle, views
    from .cli import register_cli

    auth.init_app(app)
    errors.init_app(app)
    security.init_app(app)
    views.register_blueprints(app)
    throttle.init_app(app)
    api.init_app(app)  # after the limiter: every API view counts per token
    register_cli(app)

    from .labels import TEMPLATE_GLOBALS
    from .masking import shown_id_number, shown_phone
    from .views.pagination import page_url

    app.jinja_env.globals.update(TEMPLATE_GLOBALS, page_url=page_url, shown_id_number=shown_id_number,
                                 shown_phone=shown_phone)

    @app.context_processor
    def _globals() -> dict:
        return {"current_locale": select_locale(), "centre_name": app.config["CENTRE_NAME"],
                "_translations": get_translations()}

    @app.before_request
    def _mark_safe_methods_read_only() -> None:
        # GET/HEAD requests only read: on SQLite their transactions take no write lock.
        request.environ["service_center.reads_only"] = set_reads_only(request.method in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _clear_read_only(_exc: BaseException | None) -> None:
        token = request.environ.pop("service_center.reads_only", None)
        if token is not None:
            reset_reads_only(token)

    return app
