"""Blueprints. Views stay thin: form -> permission -> service -> one commit -> redirect."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from .admin import bp as admin_bp
    from .admin import calendar as _admin_calendar  # noqa: F401  (registers the calendar routes on admin_bp)
    from .admin import jobs as _admin_jobs  # noqa: F401  (the job runs and dead letters on admin_bp)
    from .approvals import bp as approvals_bp
    from .auth import bp as auth_bp
    from .bulletin import bp as _bulletin  # noqa: F401  (the scorecard and bulletin routes on statistics_bp)
    from .cases import bp as cases_bp
    from .complaints import bp as complaints_bp
    from .guide import bp as guide_bp
    from .hall_board import bp as hall_board_bp
    from .inbox import bp as inbox_bp
    from .main import bp as main_bp
    from .online import bp as online_bp
    from .orders import bp as orders_bp
    from .ratings import bp as ratings_bp
    from .results import bp as results_bp
    from .statistics import bp as statistics_bp
    from .supervision import bp as supervision_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(guide_bp)
    app.register_blueprint(inbox_bp)
    app.register_blueprint(supervision_bp)
    app.register_blueprint(orders_bp)
    app.register_blueprint(ratings_bp)
    app.register_blueprint(approvals_bp)
    app.register_blueprint(complaints_bp)
    app.register_blueprint(online_bp)
    app.register_blueprint(statistics_bp)
    app.register_blueprint(hall_board_bp)
    app.register_blueprint(results_bp)
