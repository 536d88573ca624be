from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from dashboard.api import api


class FaviconRedirect(RedirectView):
    def get_redirect_url(self, *args, **kwargs):
        return static("dashboard/favicon.svg")  # when asked: the manifest exists by then


urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("api/", api.urls),
    # Browsers ask for it on pages that name no icon (the admin's, the API's).
    path("favicon.ico", FaviconRedirect.as_view()),
    path("", include("dashboard.urls")),
]
