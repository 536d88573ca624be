"""The demo's questions end to end: loaded by loaddemo, resolved by their rules from the
demo evidence as their writer read it (/fixtures/questions.toml), forecast each open day."""

import io
import shutil

import pytest
from django.core.management import call_command

from tracker.models import Question

pytestmark = pytest.mark.django_db

# The answers the questions' writer expected from the demo rows, before any forecast.
YES = {
    "iran-admits-drone-supply-by-feb-2023",
    "su35-contract-confirmed-by-2023",
    "iran-drones-serially-assembled-in-russia-by-april-2024",
    "treaty-signed-by-mid-2025",
    "alabuga-output-above-6000-in-2024",
    "officials-confirm-iranian-missiles-in-russia-2024",
    "russian-air-defence-contract-by-mid-2026",
    "russia-declares-snapback-void-by-march-2026",
    "russian-operational-support-to-iran-by-july-2026",
}
OPEN = {
    "su35-delivered-by-mid-2027",
    "mutual-defence-treaty-by-2027",
    "russian-air-defence-delivered-by-feb-2028",
    "russia-open-military-supplies-to-iran-by-march-2027",
    "trilateral-naval-drill-by-mid-2027",
}


def test_the_demo_questions_resolve_as_written_and_are_forecast():
    out = io.StringIO()
    call_command("loaddemo", stdout=out)
    call_command("recompute", stdout=out)
    assert "24 question(s) resolved by rule and forecast" in out.getvalue()
    answers = dict(Question.objects.values_list("slug", "resolution"))
    assert {slug for slug, answer in answers.items() if answer == "yes"} == YES
    assert {slug for slug, answer in answers.items() if answer == ""} == OPEN
    assert {answer for slug, answer in answers.items() if slug not in YES | OPEN} == {"no"}
    for question in Question.objects.all():
        days = list(question.forecasts.order_by("date").values_list("date", flat=True))
        assert days, question.slug
        assert days[0] == question.opens
        assert len(days) == (days[-1] - days[0]).days + 1  # every day, none twice
        if question.resolved_on:
            assert days[-1] < question.resolved_on
    # Loading again changes no question, and keeps what the rules decided.
    call_command("loaddemo", stdout=out)
    assert dict(Question.objects.values_list("slug", "resolution")) == answers


def test_a_bad_questions_file_names_its_question_and_loads_nothing(tmp_path):
    from django.core.management.base import CommandError

    call_command("loaddemo", stdout=io.StringIO())
    fixtures = tmp_path / "fixtures"
    from django.conf import settings

    shutil.copytree(settings.BASE_DIR / "fixtures", fixtures)
    questions = fixtures / "russia-iran" / "questions.toml"
    text = questions.read_text()
    questions.write_text(text.replace('indicator = "space-cooperation"', 'indicator = "moon-base"'))
    before = Question.objects.count()
    with pytest.raises(
        CommandError, match=r"question 2 \(russian-launch.*no indicator 'moon-base'"
    ):
        call_command("loaddemo", fixtures=fixtures, stdout=io.StringIO())
    assert Question.objects.count() == before
