"""docker-compose.yml cannot run here (no Docker engine): check it is well formed and
starts exactly the commands the README documents."""

import json
import re
import subprocess
import sys
import tomllib

import yaml

from tests.crm.stack import COMPOSE, GOOD_SECRET, ROOT, production_env

README = (ROOT / "README.md").read_text()
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def command(service: str) -> list[str]:
    return COMPOSE["services"][service]["command"]


def test_compose_has_the_five_services_and_a_named_database_volume():
    services = COMPOSE["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    assert "pgdata" in COMPOSE["volumes"]
    assert "pgdata:/var/lib/postgresql/data" in services["postgres"]["volumes"]


def test_stateful_services_and_web_have_health_checks_and_apps_wait_for_them():
    services = COMPOSE["services"]
    for name in ("postgres", "redis", "web", "worker"):
        assert services[name]["healthcheck"]["test"], name
    migrate_deps = services["migrate"]["depends_on"]
    assert migrate_deps["postgres"]["condition"] == "service_healthy"
    assert migrate_deps["redis"]["condition"] == "service_healthy"
    for name in ("web", "worker", "beat"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )


def test_app_services_run_the_production_profile_on_postgres_and_redis():
    for name in ("web", "worker", "beat", "migrate"):
        env = COMPOSE["services"][name]["environment"]
        assert env["DJANGO_ENV"] == "production"
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")


def test_commands_are_the_ones_the_readme_documents():
    assert command("web") == ["gunicorn", "--config", "gunicorn.conf.py", "crm.wsgi:application"]
    assert command("worker")[:5] == ["celery", "-A", "crm", "--quiet", "worker"]
    assert command("beat")[:5] == ["celery", "-A", "crm", "--quiet", "beat"]
    assert command("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert "gunicorn --config gunicorn.conf.py crm.wsgi:application" in README
    assert " ".join(command("worker")) in README
    assert " ".join(command("beat")) in README
    assert "manage.py migrate" in README


def test_dockerfile_default_command_matches_the_web_service():
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd is not None
    assert yaml.safe_load(cmd.group(1)) == command("web")
    assert "pip install ." in DOCKERFILE
    assert "collectstatic" in DOCKERFILE


def test_dockerfile_copies_every_app_before_installing_the_project():
    # Given the packages pyproject.toml installs
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    packages = [
        p.rstrip("*") for p in pyproject["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    # Then each is copied into the image before `pip install .` runs
    before_install = DOCKERFILE[: DOCKERFILE.index("RUN pip install .")]
    for package in packages:
        assert f"COPY {package} ./{package}" in before_install, package


def test_the_image_ships_chart_js_with_its_source_map_and_no_test_only_npm_package():
    package = json.loads((ROOT / "package.json").read_text())
    assert "chart.js" in package["dependencies"]
    assert "axe-core" in package["devDependencies"]
    assert "axe-core" not in package["dependencies"]
    assert "npm ci --omit=dev" in DOCKERFILE
    makefile = (ROOT / "Makefile").read_text()
    for text in (DOCKERFILE, makefile):
        assert "chart.js/dist/chart.umd.min.js.map" in text


def test_web_is_healthy_when_ready_and_health_probes_skip_the_https_redirect():
    probe = " ".join(COMPOSE["services"]["web"]["healthcheck"]["test"])
    assert "http://127.0.0.1:8000/readyz" in probe
    result = _production_settings(
        "print(settings.SECURE_REDIRECT_EXEMPT, settings.SECURE_SSL_REDIRECT)"
    )
    assert result == "['^healthz$', '^readyz$'] True"


def _production_settings(code: str, **env: str) -> str:
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import crm; crm.use_default_settings(); import django; django.setup(); "
            f"from django.conf import settings; from crm.celery import app; {code}",
        ],
        cwd=ROOT,
        env=production_env(
            SECRET_KEY=GOOD_SECRET,
            DATABASE_URL="postgres://crm:secret@127.0.0.1:5432/crm",
            SECURE_SSL_REDIRECT="true",
            **env,
        ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_worker_acknowledges_late_and_requeues_the_task_of_a_dead_process():
    # Given the settings the worker service runs with (no flag in compose overrides them)
    assert not {"--concurrency", "-c", "--prefetch-multiplier"} & set(command("worker"))
    conf = _production_settings(
        "c = app.conf; print(c.task_acks_late, c.task_reject_on_worker_lost, "
        "c.worker_prefetch_multiplier, c.worker_concurrency, c.task_always_eager)",
        CELERY_BROKER_URL="redis://redis:6379/0",
        CELERY_WORKER_CONCURRENCY="4",
    )
    assert conf.split() == ["True", "True", "1", "4", "False"]


def test_beat_runs_the_schedule_kept_in_the_settings():
    beat = command("beat")
    assert beat[:5] == ["celery", "-A", "crm", "--quiet", "beat"]
    assert "--schedule" in beat  # a file of last-run times only, in a writable place
    assert beat[beat.index("--schedule") + 1].startswith("/tmp/")
    names = _production_settings("print(' '.join(sorted(app.conf.beat_schedule)))").split()
    assert "handoff-sla-sweep" in names
    assert "metrics-refresh-dirty" in names


def test_gunicorn_takes_its_workers_and_bind_from_the_environment():
    # Given the config file the web service passes to gunicorn, read with compose's variables
    code = (ROOT / "gunicorn.conf.py").read_text() + "\nprint(bind, workers, accesslog)"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"WEB_CONCURRENCY": "5", "GUNICORN_BIND": "127.0.0.1:9000"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    # Then the workers come from WEB_CONCURRENCY (set in compose) and requests are logged
    # by the app, not twice by gunicorn
    assert result.stdout.split() == ["127.0.0.1:9000", "5", "None"], result.stderr
    assert "WEB_CONCURRENCY" in COMPOSE["services"]["web"]["environment"]
