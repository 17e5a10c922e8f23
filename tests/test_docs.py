"""Every command has help, and the README documents every command (sqlite-utils style)."""
import pytest
from click.testing import CliRunner

from kg.cli import cli
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output
    assert f"kg {name}" in README


def test_readme_opens_with_setup_then_tests():
    blocks = README.split("```bash")[1:3]
    assert "pip install -e" in blocks[0] and "kg build" in blocks[0]
    assert "pytest" in blocks[1]
