import os
import subprocess
import sys

import pytest


def setup_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {key: value for key, value in os.environ.items() if not key.startswith("TENGRI_")}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); print('started')"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "tengri.config.production", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, "TENGRI_SECRET_KEY"),
        ({"TENGRI_SECRET_KEY": "s3cret-for-this-test"}, "TENGRI_DATA_KEY"),
        ({"TENGRI_SECRET_KEY": "s3cret-for-this-test", "TENGRI_DATA_KEY": "d4ta"}, "TENGRI_SIGNING_KEY_SECRET"),
        (
            {"TENGRI_SECRET_KEY": "s3cret-for-this-test", "TENGRI_DATA_KEY": "d4ta", "TENGRI_SIGNING_KEY_SECRET": "k"},
            "TENGRI_ALLOWED_HOSTS",
        ),
    ],
)
def test_production_refuses_to_start_without_its_secrets(env, missing):
    result = setup_with(env)
    assert result.returncode != 0
    assert f"{missing} must be set in production" in result.stderr


def test_production_starts_when_configured():
    result = setup_with(
        {
            "TENGRI_SECRET_KEY": "s3cret-for-this-test",
            "TENGRI_DATA_KEY": "d4ta",
            "TENGRI_SIGNING_KEY_SECRET": "k",
            "TENGRI_ALLOWED_HOSTS": "tengri.example",
        }
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "started"
