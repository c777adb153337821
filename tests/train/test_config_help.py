"""Every training option is documented, and ``voxbind train --options`` prints a config that reads back."""

from __future__ import annotations

import dataclasses

from click.testing import CliRunner

from voxbind.cli.main import cli
from voxbind.train import TrainConfig
from voxbind.train.config_help import OPTION_HELP


def test_every_option_has_one_line_of_help():
    documented = [name for group in OPTION_HELP.values() for name in group]
    assert sorted(documented) == sorted(f.name for f in dataclasses.fields(TrainConfig))
    assert all(text.strip() for group in OPTION_HELP.values() for text in group.values())


def test_the_printed_options_are_a_config_that_reads_back(tmp_path):
    config = tmp_path / "mine.toml"
    config.write_text(
        'assay_table = "a \\\\ \\"b\\".csv"\nreadout = "pic50"\nmolcaches = ["x", "y"]\nrotate = false\n'
    )
    result = CliRunner().invoke(cli, ["train", "--config", str(config), "--lr", "0.002", "--options"])
    assert result.exit_code == 0, result.output
    assert 'readout = "pic50"' in result.output
    printed = tmp_path / "printed.toml"
    printed.write_text(result.output)
    expected = TrainConfig.from_file(config).replace(lr=0.002)
    assert TrainConfig.from_file(printed) == expected
    assert expected.assay_table == 'a \\ "b".csv'
