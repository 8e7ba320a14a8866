"""gunicorn entry point: `gunicorn wsgi:app` (never with --preload)."""

from api.app import create_app

app = create_app()
