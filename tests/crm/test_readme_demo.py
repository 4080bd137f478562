"""What the README and `make demo` promise: the real PORT everywhere, the logins and their
password on every run, the schedule it runs, how to add users, no link out of the repo."""

import io
import re
import subprocess

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command

from tests.crm.stack import ROOT

README = (ROOT / "README.md").read_text()


def test_make_demo_serves_and_prints_the_port_it_was_given():
    # When make shows what `make demo PORT=8001` would run
    plan = subprocess.run(
        ["make", "-n", "demo", "PORT=8001"], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    # Then the data loader prints, and demo_serve serves, port 8001 (with the worker)
    assert plan.returncode == 0, plan.stderr
    assert "seed_demo --url http://127.0.0.1:8001/" in plan.stdout
    assert "manage.py demo_serve 127.0.0.1:8001" in plan.stdout
    assert "8000" not in plan.stdout


def test_seed_demo_prints_logins_and_password_when_the_data_is_already_there(db):
    # Given demo data already loaded (its manager exists)
    get_user_model().objects.create_user("manager")
    out = io.StringIO()
    # When make demo runs again
    call_command("seed_demo", "--url", "http://127.0.0.1:8001/", stdout=out)
    # Then it still prints the address, the logins and their password
    text = out.getvalue()
    assert "already loaded" in text
    assert "Open http://127.0.0.1:8001/" in text
    assert "password `demo12345`" in text and "rep1..6" in text and "marketer1..3" in text


def test_readme_documents_port_users_and_the_demo_schedule():
    assert "make demo PORT=8001" in README and "| `PORT`, `HOST` |" in README
    assert "createsuperuser" in README and "**Users.**" in README
    for key in settings.CELERY_BEAT_SCHEDULE:
        assert f"| `{key}` |" in README, key


def test_readme_links_stay_inside_the_repository():
    local = re.compile(r"https?://(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0)[:/]")
    external = [u for u in re.findall(r"https?://[^\s)`'\"<>]+", README) if not local.match(u)]
    assert external == []
    assert "../" not in README
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        assert (ROOT / target).exists(), target
