from django.urls import path

from dashboard import views

app_name = "dashboard"
urlpatterns = [
    path("", views.overview, name="home"),
    path("r/<slug:slug>/", views.overview, name="relationship"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
    path("indicators/<slug:slug>/observations/", views.observation_add, name="observation-add"),
    path(
        "indicators/<slug:slug>/observations/<int:pk>/",
        views.observation_edit,
        name="observation-edit",
    ),
    path("methodology/", views.methodology, name="methodology"),
    path("healthz", views.healthz, name="healthz"),
]
