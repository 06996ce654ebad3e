"""The council's configuration file, sen-guide.toml (ingest/config.py): what it
sets, what the environment overrides, and one clear line for a wrong setting."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ingest import config
from ingest.about import Contact
from ingest.config import ConfigError, load
from ingest.settings import DEFAULT_CORPUS_DIR, ROOT, Settings

COUNCIL = """
[service]
name = "Westvale SEN Guide"
title = "Ask Westvale about SEN support"
examples = ["What is the graduated approach?", "Who pays for school travel?"]
[[service.contacts]]
name = "Westvale SENDIASS"
phone = "01234 567890"
url = "https://www.westvale.gov.uk/sendiass"
about = "free advice"

[guidance]
corpus = "guidance"
index = "built/index"
refresh = ["https://www.westvale.gov.uk/send/support", "http://localhost:8080/guide.pdf"]
refresh_allowed_hosts = ["assets.westvale.gov.uk"]

[feedback]
record = false
database_url = "postgresql+psycopg://sen@db.westvale.internal/feedback"
retention_days = 30

[staff]
login = "password"
"""


def write(tmp_path: Path, text: str) -> Path:
    (tmp_path / "guidance").mkdir(exist_ok=True)
    path = tmp_path / "sen-guide.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_every_setting_of_the_file_reaches_the_settings(tmp_path):
    s = load(write(tmp_path, COUNCIL), environ={})
    assert s.service_name == "Westvale SEN Guide" and s.title == "Ask Westvale about SEN support"
    assert s.examples == ("What is the graduated approach?", "Who pays for school travel?")
    assert s.contacts == (Contact("Westvale SENDIASS", "01234 567890", "https://www.westvale.gov.uk/sendiass", "free advice"),)
    # Folders are relative to the file, not to wherever the server was started.
    assert s.corpus_dir == (tmp_path / "guidance").resolve()
    assert s.index_dir == (tmp_path / "built" / "index").resolve()
    assert s.refresh_urls == ("https://www.westvale.gov.uk/send/support", "http://localhost:8080/guide.pdf")
    assert s.refresh_allowed_hosts == ("assets.westvale.gov.uk",)
    assert s.feedback is False and s.retention_days == 30
    assert s.feedback_url == "postgresql+psycopg://sen@db.westvale.internal/feedback"
    assert s.staff_login == "password"


def test_the_environment_overrides_the_file(tmp_path):
    other = tmp_path / "other-guidance"
    other.mkdir()
    s = load(write(tmp_path, COUNCIL), environ={
        "SEN_GUIDE_CORPUS": str(other), "SEN_GUIDE_FEEDBACK": "on", "SEN_GUIDE_RETENTION_DAYS": "7",
        "SEN_GUIDE_DATABASE_URL": "sqlite:////var/lib/sen-guide/feedback.db", "SEN_GUIDE_STAFF_LOGIN": "OIDC"})
    assert s.corpus_dir == other.resolve() and s.feedback is True and s.retention_days == 7
    assert s.feedback_url == "sqlite:////var/lib/sen-guide/feedback.db" and s.staff_login == "oidc"
    assert s.service_name == "Westvale SEN Guide"  # what the environment does not name stays


def test_no_file_means_the_defaults(tmp_path):
    s = load(tmp_path / "absent.toml", environ={})
    assert s == Settings()
    assert s.feedback_url.startswith("sqlite:///") and s.feedback_url.endswith("data/feedback.db")


def test_the_shipped_file_is_the_defaults_for_this_repository():
    s = load(ROOT / "sen-guide.toml", environ={})
    assert s.corpus_dir == DEFAULT_CORPUS_DIR.resolve() and s.index_dir == (ROOT / "index").resolve()
    assert s.staff_login == "off" and s.feedback is True and s.retention_days == 90


@pytest.mark.parametrize("text, names", [
    ("[service]\nexampels = ['x']\n", ["service.exampels", "examples"]),
    ("[servce]\nname = 'x'\n", ["servce.name", "service"]),
    ("[guidance]\ncorpus = 'nowhere'\n", ["guidance.corpus", "does not exist"]),
    ("[guidance]\nrefresh = ['ftp://example.org/guide.pdf']\n", ["guidance.refresh", "ftp"]),
    ("[guidance]\nrefresh = 'https://example.org'\n", ["guidance.refresh", "list"]),
    ("[feedback]\ndatabase_url = 'mysql://root:hunter2@db/x'\n", ["feedback.database_url", "postgresql+psycopg://"]),
    ("[feedback]\nretention_days = 0\n", ["feedback.retention_days", "1 or more"]),
    ("[feedback]\nrecord = 'maybe'\n", ["feedback.record", "true or false"]),
    ("[staff]\nlogin = 'sso'\n", ["staff.login", "password", "oidc"]),
    ("[[service.contacts]]\nphone = '999'\n", ["service.contacts", "name"]),
    ("[[service.contacts]]\nname = 'X'\nurl = 'javascript:alert(1)'\n", ["service.contacts", "https://"]),
    ("[guidance\ncorpus = 'x'\n", ["not valid TOML"]),
])
def test_a_wrong_setting_is_one_line_naming_it_and_the_fix(tmp_path, text, names):
    with pytest.raises(ConfigError) as caught:
        load(write(tmp_path, text), environ={})
    message = str(caught.value)
    assert "\n" not in message.strip() and all(n in message for n in names), message
    assert "hunter2" not in message  # a password in a database address is never repeated


def test_a_wrong_environment_value_names_the_variable(tmp_path):
    with pytest.raises(ConfigError, match="SEN_GUIDE_RETENTION_DAYS"):
        load(tmp_path / "absent.toml", environ={"SEN_GUIDE_RETENTION_DAYS": "ninety"})
    with pytest.raises(ConfigError, match="SEN_GUIDE_CONFIG"):
        load(tmp_path / "absent.toml", environ={"SEN_GUIDE_CONFIG": str(tmp_path / "absent.toml")})


def test_a_wrong_setting_stops_the_command_with_one_line(tmp_path):
    path = write(tmp_path, "[staff]\nlogin = 'sso'\n")
    env = {"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1", config.CONFIG_ENV: str(path)}
    for command in (["-m", "ingest"], ["-m", "qa", "What is a SENCO?"]):
        out = subprocess.run([sys.executable, *command], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 1, out.stderr
        assert out.stderr.strip().splitlines() == [f"error: {path.name}: staff.login: 'sso' is not a staff login; "
                                                   "use one of off, password, oidc."]
