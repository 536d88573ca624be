from django.apps import AppConfig


class TrackerConfig(AppConfig):
    name = "tracker"
    verbose_name = "Tracker"

    def ready(self):
        # Register the jobs in every process, web included: the domain enqueues them by
        # name (tracker.jobs) and never imports the task module itself.
        from tracker import tasks  # noqa: F401
