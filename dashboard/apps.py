from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self) -> None:
        from dashboard.warming import warm_pages
        from tracker.signals import series_refreshed

        series_refreshed.connect(warm_pages, dispatch_uid="dashboard.warm_pages")
