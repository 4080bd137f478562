"""docker-compose.yml cannot run here (no Docker engine): check it is well formed and
starts exactly the commands the README documents."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
README = (ROOT / "README.md").read_text()


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
    assert command("web")[:2] == ["gunicorn", "crm.wsgi:application"]
    assert command("worker")[:4] == ["celery", "-A", "crm", "worker"]
    assert command("beat")[:4] == ["celery", "-A", "crm", "beat"]
    assert command("migrate") == ["python", "manage.py", "migrate", "--noinput"]
    assert "gunicorn crm.wsgi:application" in README
    assert "celery -A crm worker" in README
    assert "celery -A crm beat" in README
    assert "manage.py migrate" in README


def test_dockerfile_default_command_matches_the_web_service():
    dockerfile = (ROOT / "Dockerfile").read_text()
    cmd = re.search(r"^CMD (\[.*\])$", dockerfile, re.MULTILINE)
    assert cmd is not None
    assert yaml.safe_load(cmd.group(1)) == command("web")
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile


def test_web_and_worker_share_the_uploads_volume():
    services = COMPOSE["services"]
    assert "media" in COMPOSE["volumes"]
    for name in ("web", "worker"):
        assert "media:/app/media" in services[name]["volumes"]
        assert services[name]["environment"]["MEDIA_ROOT"] == "/app/media"
