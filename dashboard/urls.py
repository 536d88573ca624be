from django.urls import path

from dashboard import compare, questions, triage, views

app_name = "dashboard"
urlpatterns = [
    path("", compare.home, name="home"),
    path("compare/", compare.compare, name="compare"),
    path("r/<slug:slug>/", views.overview, name="relationship"),
    path("r/<slug:slug>/figures.json", views.overview_figures, name="overview-figures"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
    path("indicators/<slug:slug>/figure.json", views.indicator_figure, name="indicator-figure"),
    path("indicators/<slug:slug>/observations/", views.observation_add, name="observation-add"),
    path(
        "indicators/<slug:slug>/refreshed/", views.indicator_refreshed, name="indicator-refreshed"
    ),
    path(
        "indicators/<slug:slug>/observations/<int:pk>/",
        views.observation_edit,
        name="observation-edit",
    ),
    path(
        "indicators/<slug:slug>/observations/<int:pk>/retract/",
        views.observation_decide,
        {"action": "retract"},
        name="observation-retract",
    ),
    path(
        "indicators/<slug:slug>/observations/<int:pk>/reinstate/",
        views.observation_decide,
        {"action": "reinstate"},
        name="observation-reinstate",
    ),
    path("methodology/", views.methodology, name="methodology"),
    path("questions/", questions.questions, name="questions"),
    path("questions/new/", questions.question_add, name="question-add"),
    path("questions/<slug:slug>/", questions.question, name="question"),
    path("questions/<slug:slug>/forecasts/", questions.forecast_add, name="forecast-add"),
    path("triage/", triage.triage, name="triage"),
    path("triage/<int:pk>/accept/", triage.accept, name="triage-accept"),
    path("triage/<int:pk>/dismiss/", triage.dismiss, name="triage-dismiss"),
    path("triage/<int:pk>/undo/", triage.undo, name="triage-undo"),
    path("healthz", views.healthz, name="healthz"),
]
