"""The command line as a new user meets it: every option described, defaults and required options shown."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from voxbind.cli.main import cli

_UNSET = click.Option(["--x"]).default  # what an option without a default holds (None or a sentinel)


def _options(command: click.Command):
    return [p for p in command.params if isinstance(p, click.Option) and p.name != "help"]


def test_the_group_lists_every_command():
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name, command in cli.commands.items():
        assert name in result.output
        assert command.get_short_help_str(), f"{name} has no description"


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_option_is_listed_with_a_description_and_its_default(name):
    command = cli.commands[name]
    result = CliRunner().invoke(cli, [name, "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    context = click.Context(command, **cli.context_settings)  # as the group makes it
    for option in _options(command):
        assert option.help, f"{name} {option.opts[0]} has no help text"
        flags, described = option.get_help_record(context)
        assert " ".join(f"{flags} {described}".split()) in text, f"{name} --help does not list {flags}"
        if option.required:
            assert "[required]" in described, f"{name} {option.opts[0]} is not marked required"
        elif not option.is_flag and option.default is not None and option.default is not _UNSET:
            assert "[default: " in described, f"{name} {option.opts[0]} hides its default"


def test_training_options_show_the_configuration_defaults():
    from voxbind.train import TrainConfig

    context = click.Context(cli.commands["train"], **cli.context_settings)
    for option in _options(cli.commands["train"]):
        if hasattr(TrainConfig, option.name):
            _, described = option.get_help_record(context)
            value = getattr(TrainConfig, option.name)
            assert f"[default: {value if value != '' else 'none'}, or --config's]" in described, option.name
