"""Every code example of the README and the documentation is checked, so that none drifts from the code.

- Python blocks run, each on its own, page by page in a folder holding the example files the pages name
  (``rec.pdb``, ``docked.sdf``, ...: the built-in example complex). Shell blocks marked ``<!-- run -->``
  on the line before them run there too, in the page's order.
- Every ``voxbind`` command of every shell block is parsed by the command line's own parser (its
  subcommand, options and arguments, values converted as the command would), without running it.
- A block marked ``<!-- not-run: reason -->`` is only compiled (Python) or parsed (shell): it needs a GPU,
  a network or the user's own data.
"""

from __future__ import annotations

import copy
import gzip
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```\s*$", re.MULTILINE | re.DOTALL)
MARK = re.compile(r"<!--\s*(run|not-run:[^>]*)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    code: str
    mark: str  # "", "run" or "not-run: why"

    def __str__(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    found = []
    for match in FENCE.finditer(text):
        before = text[: match.start()].rstrip("\n").rsplit("\n", 1)[-1]
        mark = MARK.search(before)
        line = text.count("\n", 0, match.start()) + 1
        found.append(Block(page, line, match.group(1), match.group(2), mark.group(1) if mark else ""))
    return found


ALL = [b for page in PAGES for b in blocks(page)]
SHELL = [b for b in ALL if b.language in ("bash", "sh", "console")]


def needs_example():
    if importlib.util.find_spec("prolif") is None:
        pytest.skip("prolif (the example complex) is not installed")


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """A folder with the files the examples name, made from the example complex."""
    needs_example()
    from voxbind.jobs import example_complex

    receptor, poses = example_complex()
    shutil.copy(receptor, tmp_path / "rec.pdb")
    for name in ("docked.sdf", "ligands.sdf", "poses.sdf"):
        shutil.copy(poses, tmp_path / name)
    crystal = poses.read_text().split("$$$$\n")[0] + "$$$$\n"
    (tmp_path / "crystal.sdf").write_text(crystal)
    with gzip.open(tmp_path / "docked.sdf.gz", "wt") as handle:
        handle.write(poses.read_text())
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_pages_have_examples():
    assert len(ALL) >= 20
    assert all(b.mark == "" or b.mark == "run" or b.mark.startswith("not-run:") for b in ALL)


def runnable(block: Block) -> bool:
    return (block.language == "python" and not block.mark.startswith("not-run")) or block.mark == "run"


RUN = {page: [b for b in ALL if b.page == page and runnable(b)] for page in PAGES}


@pytest.mark.parametrize("page", [p for p in PAGES if RUN[p]], ids=lambda p: str(p.relative_to(ROOT)))
def test_examples_run(page, workspace):
    """A page's runnable blocks, in the page's order, in one folder (a block may read a file an earlier
    one wrote): each Python block on its own (its imports are its own), shell blocks with voxbind on the
    path."""
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    for block in RUN[page]:
        if block.language == "python":
            try:
                exec(compile(block.code, str(block), "exec"), {"__name__": "__docs__"})  # the docs' examples
            except Exception as err:  # say which block failed
                raise AssertionError(f"the example at {block} fails: {type(err).__name__}: {err}") from err
            continue
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", block.code], cwd=workspace, env=environment,
            capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        assert result.returncode == 0, f"the example at {block} fails:\n{result.stdout}\n{result.stderr}"


def test_python_examples_compile():
    for block in ALL:
        if block.language == "python":
            compile(block.code, str(block), "exec")


def voxbind_commands(code: str) -> list[list[str]]:
    """The argument lists of the ``voxbind`` commands in a shell block (continuation lines joined,
    comments and environment assignments dropped; ``python -m voxbind`` and ``torchrun ... -m voxbind``
    too)."""
    commands = []
    for line in code.replace("\\\n", " ").splitlines():
        for part in re.split(r"&&|;|\|", line):
            words = shlex.split(part, comments=True)
            redirect = [k for k, w in enumerate(words) if w in (">", ">>", "<", "2>", "&>", "2>&1")]
            words = words[: redirect[0]] if redirect else words
            while words and re.match(r"^\w+=", words[0]):
                words = words[1:]
            for k, word in enumerate(words):
                if word.endswith("voxbind") and (k == 0 or words[k - 1] == "-m"):
                    commands.append(words[k + 1 :])
                    break
    return commands


def check_arguments(args: list[str], where: str) -> None:
    """Parse ``args`` with voxbind's command line as it would, without running the command; a bad
    subcommand, option, choice or number fails. Files need not exist."""
    from voxbind.cli.main import cli

    group_ctx = cli.make_context("voxbind", list(args), resilient_parsing=True)
    name, command, rest = cli.resolve_command(group_ctx, list(args))
    if command is None:
        raise AssertionError(f"{where}: no voxbind command {name!r}")
    command = copy.copy(command)  # files are the user's: parse their names only
    command.params = [copy.copy(p) for p in command.params]
    for param in command.params:
        if isinstance(param.type, click.Path):
            param.type = click.Path()
    try:
        command.make_context(name, rest, parent=group_ctx)
    except click.exceptions.Exit:  # --help
        pass
    except click.UsageError as err:
        raise AssertionError(f"{where}: voxbind {' '.join(args)}: {err.format_message()}") from err


@pytest.mark.parametrize("block", SHELL, ids=str)
def test_shell_examples_parse(block):
    commands = voxbind_commands(block.code)
    for args in commands:
        check_arguments(args, str(block))


def test_the_documented_training_defaults_are_current():
    from voxbind.train import TrainConfig
    from voxbind.train.config_help import describe_options

    assert (ROOT / "docs" / "train-defaults.toml").read_text() == describe_options(TrainConfig()), (
        "regenerate it: voxbind train --options > docs/train-defaults.toml"
    )
