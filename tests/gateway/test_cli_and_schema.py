"""The `token issue` command."""

import json
from pathlib import Path

import jwt
import pytest
from typer.testing import CliRunner

from sykmeldingsflyt.cli import app
from sykmeldingsflyt.gateway.devtokens import DEV_AUDIENCE, DEV_ISSUER


def test_token_issue_prints_a_token_the_written_jwks_verifies(tmp_path: Path) -> None:
    scope = "nav:sykmeldingsflyt/arbeidsgiver.read"
    arguments = ["token", "issue", "--orgnr", "311000004", "--scope", scope, "--folder", str(tmp_path)]
    result = CliRunner().invoke(app, arguments)

    assert result.exit_code == 0, result.output
    token = result.stdout.strip().splitlines()[-1]
    keys = jwt.PyJWKSet.from_dict(json.loads((tmp_path / "jwks.json").read_text()))
    claims = jwt.decode(token, keys.keys[0], algorithms=["RS256"], audience=DEV_AUDIENCE, issuer=DEV_ISSUER)
    assert claims["consumer"] == {"authority": "iso6523-actorid-upis", "ID": "0192:311000004"}
    assert claims["scope"] == scope


@pytest.mark.parametrize(
    "arguments",
    [[], ["--orgnr", "311000004", "--pid", "17857233115"], ["--orgnr", "311000005"], ["--pid", "17857233116"]],
    ids=["neither", "both", "bad-orgnr", "bad-pid"],
)
def test_token_issue_refuses_what_is_not_one_valid_party(tmp_path: Path, arguments: list[str]) -> None:
    result = CliRunner().invoke(app, ["token", "issue", *arguments, "--folder", str(tmp_path)])

    assert result.exit_code == 2
    assert "17857233116" not in result.output
