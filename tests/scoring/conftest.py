"""The API clients of tests/api, for the scoring API tests."""

from tests.api.conftest import anon_api, manager_api, marketer_api  # noqa: F401
