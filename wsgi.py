"""WSGI entry point: ``gunicorn wsgi:app``. Never starts the scheduler (it runs as its own process)."""

from service_center import create_app

app = create_app()
