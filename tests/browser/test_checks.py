"""Every page, for each role, checked by axe-core (accessibility: no serious or critical
violation, at a desktop's and a phone's width, once its charts are drawn) and by the Nu HTML
Checker (validity: no error). A failure lists every finding with its page and place.

Both tools come from npm (package.json; `make test` installs them: node_modules/.installed);
the Nu checker runs on the machine's Java. When either is missing the tests skip saying so,
and under CI=true a skip is a failure (tests/conftest.py).
"""

import datetime as dt
import io
import json
import shutil
import subprocess
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.test import Client

from tests.browser.support import OVERVIEW, ROOT, WAIT_MS, log_in_by_session, wait_until
from tests.clock import TODAY
from tests.factories import ObservationFactory
from tracker.models import Indicator, Question, Relationship

pytestmark = pytest.mark.django_db(transaction=True)  # the live server sees committed data

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
VNU = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
INSTALL = "run `make node_modules/.installed` (npm ci) in the repository"
VIEWPORTS = [(1280, 900), (390, 844)]  # a desktop, a phone
SERIOUS = ["serious", "critical"]
ROLES = ["anonymous", "reader", "analyst"]

# A page is ready to check when each chart is drawn (or has said it failed) and, on the API's
# docs, when Swagger UI has listed the operations.
READY = """() => document.readyState === 'complete'
    && [...document.querySelectorAll('[data-figure]')].every(
        f => f.dataset.drawn === 'failed' || f.querySelector('.main-svg'))
    && (!document.getElementById('swagger-ui') || document.querySelector('#swagger-ui .opblock'))"""

# axe's serious and critical violations, each with the elements it found (CSS selectors).
AXE_RUN = """async (impacts) => {
    const result = await axe.run(document, {resultTypes: ['violations']});
    return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
        rule: v.id, impact: v.impact, help: v.help, url: v.helpUrl,
        nodes: v.nodes.map(n => ({target: n.target.join(' '), html: n.html.slice(0, 160)})),
    }));
}"""


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    status: int = 200


@pytest.fixture
def site(demo):
    """The demo, with the demo feed's signals in the triage queue."""
    feed = ROOT / "fixtures" / "demo_feed.xml"
    call_command("ingest", "Demo feed", file=feed, stdout=io.StringIO())
    return demo


def pages(role: str) -> list[Page]:
    """What `role` can reach: every kind of page once, the refusals and a missing page."""
    relationship = Relationship.objects.get(slug="russia-iran")
    indicators = [
        Indicator.objects.filter(relationship=relationship, kind=kind)
        .annotate(reports=Count("observations"))
        .order_by("-reports", "slug")
        .first()
        for kind in Indicator.Kind.values
    ]
    question = relationship.questions.order_by("slug").first()
    assert question is not None and all(indicators), "the demo has questions and every kind"
    found = [
        Page("home", "/"),
        Page("compare", "/compare/"),
        Page("overview", OVERVIEW),
        *(Page(f"{i.kind} indicator", f"/indicators/{i.slug}/") for i in indicators),
        Page("methodology", "/methodology/"),
        Page("forecasts", "/questions/"),
        Page("question", f"/questions/{question.slug}/"),
        Page("API docs", "/api/docs"),
        Page("not found", "/no/such/page/", 404),
    ]
    if role == "anonymous":
        found += [Page("login", "/accounts/login/")]
    if role == "reader":
        found += [Page("triage, refused", "/triage/", 403)]
    if role == "analyst":
        found += [
            Page("question form", "/questions/new/"),
            Page("triage", "/triage/"),
            Page("import", "/admin/tracker/observation/import/"),
        ]
    return found


def user_of(role: str, request):
    return None if role == "anonymous" else request.getfixturevalue(role)


def axe_findings(page, role: str, where: str) -> list[str]:
    """One line per element in each serious or critical violation on the page."""
    return [
        f"[{v['impact']}] {v['rule']} on {where} as {role}: {node['target']}\n"
        f"      {v['help']} ({v['url']})\n      {node['html']}"
        for v in page.evaluate(AXE_RUN, SERIOUS)
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("role", ROLES)
def test_no_page_has_a_serious_accessibility_violation(role, request, browser, live_server, site):
    if not AXE.is_file():
        pytest.skip(f"no axe-core at {AXE.relative_to(ROOT)}: {INSTALL}")
    user = user_of(role, request)
    findings: list[str] = []
    for width, height in VIEWPORTS:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(WAIT_MS)
        # Added to each document by the browser itself, so the page's CSP (scripts only from
        # this site's files) does not apply, as it would to an injected <script>.
        context.add_init_script(path=AXE)
        if user is not None:
            log_in_by_session(context, live_server, user)
        page = context.new_page()
        try:
            for target in pages(role):
                where = f"{target.path} ({target.name}) at {width} px"
                response = page.goto(live_server.url + target.path)
                if response is None or response.status != target.status:
                    status = response.status if response else "no response"
                    findings.append(f"{where} as {role}: status {status}, not {target.status}")
                    continue
                try:
                    wait_until(page, READY, f"{where} is drawn")
                except AssertionError as error:
                    findings.append(str(error))
                    continue
                findings += axe_findings(page, role, where)
        finally:
            context.close()
    if findings:
        pytest.fail(
            f"axe-core: {len(findings)} serious or critical finding(s):\n  "
            + "\n  ".join(findings),
            pytrace=False,
        )


def nu_errors(files: dict[str, str], folder) -> list[str]:
    """The Nu HTML Checker's errors in `files` (file name: what it shows), one Java run."""
    result = subprocess.run(
        ["java", "-jar", str(VNU), "--format", "json", "--stdout", *sorted(files)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        messages = json.loads(result.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        raise AssertionError(f"the Nu checker gave no report: {result.stderr[-2000:]}") from None
    return [
        f"{files[unquote(urlparse(m.get('url', '')).path).rsplit('/', 1)[-1]]} "
        f"line {m.get('lastLine', '?')}, column {m.get('firstColumn', m.get('lastColumn', '?'))}: "
        f"{m['message']}\n      {' '.join(m.get('extract', '').split())[:160]}"
        for m in messages
        if m["type"] != "info"  # errors, and "non-document-error": a file it could not read
    ]


@pytest.mark.django_db  # the test client needs no live server: no transaction to commit
def test_no_page_has_an_html_error(request, settings, tmp_path):
    if not shutil.which("java"):
        pytest.skip("no java on the PATH for the Nu HTML Checker (apt-get install default-jre)")
    if not VNU.is_file():
        pytest.skip(f"no Nu HTML Checker at {VNU.relative_to(ROOT)}: {INSTALL}")
    settings.DASHBOARD_PUBLIC = True
    documents: dict[str, tuple[str, bytes]] = {}  # file name: (what it shows, the HTML)
    problems: list[str] = []

    def save(client: Client, role: str, page: Page, method: str = "get", **data) -> None:
        response = getattr(client, method)(page.path, data)
        where = f"{page.path} ({page.name}) as {role}"
        if response.status_code != page.status:
            problems.append(f"{where}: status {response.status_code}, not {page.status}")
        name = f"{len(documents):02d}.html"
        documents[name] = (where, response.content)

    save(Client(), "anonymous", Page("home, nothing watched", "/"))
    call_command("loaddemo", users=False, stdout=io.StringIO())
    feed = ROOT / "fixtures" / "demo_feed.xml"
    call_command("ingest", "Demo feed", file=feed, stdout=io.StringIO())
    # One indicator with more reports than a page holds, so that its page has the pager.
    crowded = Indicator.objects.filter(relationship__slug="russia-iran", kind="event").first()
    for n in range(26):
        ObservationFactory(indicator=crowded, occurred_on=TODAY - dt.timedelta(days=400 + n))

    question = next(
        q for q in Question.objects.order_by("slug") if q.is_open and q.opens <= TODAY <= q.closes
    )
    forecasts = f"/questions/{question.slug}/forecasts/"
    for role in ROLES:
        client = Client()
        if (user := user_of(role, request)) is not None:
            client.force_login(user)
        for page in pages(role):
            save(client, role, page)
        save(client, role, Page("indicator, page 2", f"/indicators/{crowded.slug}/?page=2"))
        save(client, role, Page("bad filter", f"{OVERVIEW}?period=forever", 400))
        if role == "analyst":  # the forms again, with their errors
            save(client, role, Page("forecast, refused", forecasts, 400), "post", probability="2")
            save(client, role, Page("question form, refused", "/questions/new/", 400), "post")

    locked = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT):
        locked.post("/accounts/login/", {"username": "ana", "password": "wrong"})
    save(
        locked,
        "anonymous",
        Page("login, locked", "/accounts/login/", 429),
        "post",
        username="ana",
        password="wrong",
    )

    for name, (_, html) in documents.items():
        (tmp_path / name).write_bytes(html)
    errors = nu_errors({name: where for name, (where, _) in documents.items()}, tmp_path)
    if problems or errors:
        pytest.fail(
            f"{len(problems)} page(s) answered wrongly; the Nu HTML Checker found "
            f"{len(errors)} error(s):\n  " + "\n  ".join(problems + errors),
            pytrace=False,
        )
