"""Writes of the scoring app that pages and the API call: asking for a training run."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.utils.translation import gettext as _

from leads import queueing
from leads.errors import ActionNotAllowed
from leads.roles import MANAGER, has_role
from scoring import tasks


def may_train(user: AbstractBaseUser) -> bool:
    return has_role(user, MANAGER)


def training_request(*, actor: AbstractBaseUser) -> None:
    """Queue a training run (managers only). A broker that is down never fails the caller:
    the nightly beat run trains anyway."""
    if not may_train(actor):
        raise ActionNotAllowed(_("Only a manager may train the lead score."))
    queueing.enqueue_on_commit(tasks.train_model)
