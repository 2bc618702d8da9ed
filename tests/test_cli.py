"""The `townhall` command as an operator uses it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from townhall.accounts.models import ApiKey
from townhall.audit.models import AuditEvent
from townhall.cli import main


@pytest.mark.django_db(transaction=True)  # run_from_argv closes connections
def test_apikey_create_prints_a_key_that_works_once_and_is_audited(capsys):
    assert main(["apikey", "create", "FixMyStreet"]) == 0
    raw = capsys.readouterr().out.strip()
    key = ApiKey.objects.verify(raw)
    assert key is not None and key.name == "FixMyStreet"
    assert raw not in {key.digest, key.prefix}  # only a digest is stored
    assert AuditEvent.objects.filter(action="apikey.created").count() == 1


@pytest.mark.django_db(transaction=True)  # run_from_argv closes connections
def test_apikey_revoke_by_prefix(capsys):
    main(["apikey", "create", "Old app"])
    raw = capsys.readouterr().out.strip()
    main(["apikey", "revoke", raw[:11]])
    assert ApiKey.objects.verify(raw) is None


@pytest.mark.django_db(transaction=True)
def test_apikey_revoke_takes_the_prefix_as_list_prints_it(capsys):
    main(["apikey", "create", "Old app"])
    raw = capsys.readouterr().out.strip()
    main(["apikey", "list"])
    shown = next(word for word in capsys.readouterr().out.split() if word.startswith("th_"))
    assert shown.endswith("…")
    main(["apikey", "revoke", shown])
    assert ApiKey.objects.verify(raw) is None


def test_help_lists_the_operator_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "serve", "worker", "apikey create", "import-requests", "pb tally"):
        assert command in out


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "SECRET_KEY_FILE"}}
    env.update(TOWNHALL_ENV="production", ALLOWED_HOSTS="city.example")
    result = subprocess.run(
        [sys.executable, "-c", "import townhall.settings"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_pass_the_deployment_checklist(tmp_path):
    env = {
        **os.environ,
        "TOWNHALL_ENV": "production",
        "SECRET_KEY": "k" * 20 + "-Production-Grade-Secret-Value-For-Checks-0123456789",
        "ALLOWED_HOSTS": "city.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-m", "townhall.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
