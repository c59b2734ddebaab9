"""Where the course runs, and what it tells a learner whose files will not outlive the session."""

import sys

import pytest

from scratchdl.course import hosts

BINDER = ("BINDER_SERVICE_HOST", "BINDER_LAUNCH_HOST", "BINDER_REPO_URL")


@pytest.fixture
def here(monkeypatch):
    """A machine of one's own: no Binder variables, no google.colab, CPython."""
    for name in BINDER:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(hosts, "in_colab", lambda: False)
    return monkeypatch


def told(course):
    said = []
    hosts.tell_once(course, say=said.append)
    return said


def test_on_ones_own_machine_nothing_is_said(here, tmp_path):
    assert hosts.host() == "local"
    assert told(tmp_path) == []


def test_binder_says_once_that_the_files_go_and_how_to_keep_them(here, tmp_path):
    here.setenv("BINDER_LAUNCH_HOST", "https://mybinder.org/")
    assert hosts.host() == "binder"
    first = told(tmp_path)
    assert len(first) == 1 and "Binder deletes this session" in first[0]
    assert "scratchdl.export()" in first[0] and "python -m scratchdl import FILE" in first[0]
    assert told(tmp_path) == [], "once per copy of the course, not in every chapter"
    assert told(tmp_path / "another-copy") != [], "a new session's copy is told again"


def test_jupyterlite_says_the_files_live_in_the_browser(here, tmp_path):
    here.setattr(sys, "platform", "emscripten")
    assert hosts.host() == "jupyterlite"
    [message] = told(tmp_path)
    assert "this browser's storage" in message and "scratchdl.export()" in message


def test_colab_with_drive_says_the_files_are_kept_without_it_that_they_are_not(here, tmp_path):
    here.setattr(hosts, "in_colab", lambda: True)
    drive_copy = tmp_path / "drive" / "MyDrive" / "scratchdl"
    drive_copy.mkdir(parents=True)
    [kept] = told(drive_copy)
    assert "in your Google Drive" in kept and "temporary" not in kept
    [lost] = told(tmp_path / "content" / "scratchdl")
    assert "temporary" in lost and "scratchdl.export()" in lost


def test_a_read_only_copy_is_told_again_rather_than_failing(here, tmp_path):
    here.setenv("BINDER_REPO_URL", "https://github.com/scratchdl/scratchdl")
    (tmp_path / ".scratchdl").write_text("a file where the folder should be")
    assert len(told(tmp_path)) == 1 and len(told(tmp_path)) == 1
