# Load the Celery app with Django, so that tasks enqueue through it (shared_task).
from config.celery import app as celery_app

__all__ = ("celery_app",)
