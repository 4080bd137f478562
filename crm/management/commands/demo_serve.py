"""Serve the demo on the embedded default: a real Celery worker with beat on kombu's
filesystem transport next to the development server, so the schedule runs as in production."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from .seed_demo import print_logins

BROKER_URL = "filesystem://"


def _every(seconds: float) -> str:
    if seconds % 3600 == 0:
        return _("every %(n)s h") % {"n": int(seconds // 3600)}
    if seconds % 60 == 0:
        return _("every %(n)s min") % {"n": int(seconds // 60)}
    return _("every %(n)s s") % {"n": int(seconds)}


def schedule_lines() -> list[str]:
    """One line per entry of CELERY_BEAT_SCHEDULE: its key, its task and how often it runs."""
    lines = []
    for key, entry in sorted(settings.CELERY_BEAT_SCHEDULE.items()):
        schedule = entry["schedule"]
        how_often = _every(schedule) if isinstance(schedule, (int, float)) else str(schedule)
        lines.append(f"  {key:<26} {how_often:<12} ({entry['task']})")
    return lines


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


class Command(BaseCommand):
    help = (
        "Serve the demo: a Celery worker with beat (kombu's filesystem broker, no Redis) "
        "and the development server; stopping the server stops the worker."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        addrport: str = options["addrport"]
        if ":" not in addrport:
            raise CommandError("addrport must be HOST:PORT, e.g. 127.0.0.1:8000")
        folder = Path(settings.CELERY_FILESYSTEM_FOLDER)
        for sub in ("queue", "processed"):
            (folder / sub).mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "CELERY_BROKER_URL": BROKER_URL,
            "CELERY_FILESYSTEM_FOLDER": str(folder),
            "SITE_URL": f"http://{addrport}",
        }
        env.pop("CELERY_TASK_ALWAYS_EAGER", None)
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        worker_cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "crm",
            "--quiet",
            "worker",
            "--beat",
            "--pool",
            "solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--schedule",
            str(folder / "beat-schedule"),
        ]
        # Ctrl-C (even where a shell started us with SIGINT ignored) and SIGTERM both stop
        # the server and then the worker.
        signal.signal(signal.SIGINT, _raise_interrupt)
        signal.signal(signal.SIGTERM, _raise_interrupt)
        worker = subprocess.Popen(worker_cmd, cwd=settings.BASE_DIR, env=env)
        server = subprocess.Popen(
            [sys.executable, manage, "runserver", addrport, "--noreload"],
            cwd=settings.BASE_DIR,
            env=env,
        )
        self.stdout.write(
            f"A Celery worker with beat runs the schedule ({BROKER_URL} broker in {folder}):"
        )
        for line in schedule_lines():
            self.stdout.write(line)
        print_logins(self.stdout, f"http://{addrport}/")
        self.stdout.write(f"Serving on http://{addrport}/ (Ctrl-C stops the server and the worker)")
        code = 0
        try:
            while server.poll() is None:
                if worker.poll() is not None:
                    self.stderr.write(f"The Celery worker stopped (exit {worker.returncode}).")
                    code = 1
                    break
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        finally:
            _stop(server)
            _stop(worker)
        if code:
            sys.exit(code)
