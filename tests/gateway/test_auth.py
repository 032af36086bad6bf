"""Token verification against real keys in a JWKS file: what is accepted, and every way a token is refused."""

import asyncio
import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from sykmeldingsflyt.domain.pseudonym import person_ref
from sykmeldingsflyt.gateway.auth import (
    CallerKind,
    KeySource,
    Operator,
    Organisation,
    Person,
    Scope,
    TokenVerifier,
    TrustedIssuer,
)
from sykmeldingsflyt.gateway.context import trusted_issuers
from sykmeldingsflyt.gateway.devtokens import DevIssuer
from sykmeldingsflyt.gateway.problems import ApiError
from sykmeldingsflyt.gateway.settings import GatewaySettings

KEY = b"test-pseudonym-key"
FNR = "17857233115"
ORGNR = "311000004"


def _verifier(*issuers: DevIssuer, vouches: frozenset[CallerKind] = frozenset(CallerKind)) -> TokenVerifier:
    trusted = [
        TrustedIssuer(issuer.issuer, issuer.audience, KeySource(str(issuer.jwks_path)), vouches) for issuer in issuers
    ]
    return TokenVerifier(trusted, KEY)


def _sign(issuer: DevIssuer, claims: dict[str, Any], **header: Any) -> str:
    """A token with exactly these claims, signed with the issuer's key (and its kid unless overridden)."""
    key = serialization.load_pem_private_key((issuer.folder / "private-key.pem").read_bytes(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": _kid(issuer), **header})


def _claims(issuer: DevIssuer, **changes: Any) -> dict[str, Any]:
    now = datetime.now(UTC)
    claims = {
        "iss": issuer.issuer,
        "aud": issuer.audience,
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "consumer": {"authority": "iso6523-actorid-upis", "ID": f"0192:{ORGNR}"},
        "scope": Scope.ARBEIDSGIVER_READ.value,
    }
    return {name: value for name, value in (claims | changes).items() if value is not None}


def _issuer(folder: Path, like: DevIssuer | None = None) -> DevIssuer:
    """An issuer with its key and JWKS written; `like` gives it another's name and audience."""
    made = DevIssuer(folder) if like is None else DevIssuer(folder, issuer=like.issuer, audience=like.audience)
    made.environment()
    return made


def _kid(issuer: DevIssuer) -> str:
    kid: str = json.loads(issuer.jwks_path.read_text())["keys"][0]["kid"]
    return kid


def _publish(jwks: Path, *issuers: DevIssuer) -> None:
    """Write one JWKS with the keys of `issuers`, as an issuer does when it rotates."""
    keys = [json.loads(issuer.jwks_path.read_text())["keys"][0] for issuer in issuers]
    jwks.write_text(json.dumps({"keys": keys}))


@pytest.fixture
def issuer(tmp_path: Path) -> DevIssuer:
    return _issuer(tmp_path / "issuer")


async def _refusal(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(ApiError) as refused:
        await verifier.caller(token)
    assert refused.value.status == 401
    return refused.value.code


async def test_an_organisation_token_names_the_organisation_and_its_scopes(issuer: DevIssuer) -> None:
    token = issuer.organisation_token(ORGNR, [Scope.ARBEIDSGIVER_READ.value, Scope.ARBEIDSGIVER_WRITE.value])

    caller = await _verifier(issuer).caller(token)

    assert caller == Organisation(
        orgnr=ORGNR,
        client_id=f"dev-client-{ORGNR}",
        scopes=frozenset({Scope.ARBEIDSGIVER_READ.value, Scope.ARBEIDSGIVER_WRITE.value}),
    )


async def test_a_person_is_known_by_pseudonym_only(issuer: DevIssuer) -> None:
    caller = await _verifier(issuer).caller(issuer.person_token(FNR))

    assert caller == Person(person_ref=person_ref(FNR, KEY), client_id="dev-client-tokenx")
    assert FNR not in repr(caller)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"exp": datetime.now(UTC) - timedelta(minutes=5)}, "TOKEN_EXPIRED"),
        ({"aud": "someone-else"}, "TOKEN_INVALID"),
        ({"iss": "https://issuer.invalid/"}, "TOKEN_INVALID"),
        ({"exp": None}, "TOKEN_INVALID"),
        ({"consumer": None}, "TOKEN_INVALID"),
        ({"consumer": {"authority": "other", "ID": f"0192:{ORGNR}"}}, "TOKEN_INVALID"),
        ({"consumer": {"authority": "iso6523-actorid-upis", "ID": "0192:311000005"}}, "TOKEN_INVALID"),
        ({"consumer": {"authority": "iso6523-actorid-upis", "ID": f"0088:{ORGNR}"}}, "TOKEN_INVALID"),
        ({"consumer": None, "pid": "17857233116"}, "TOKEN_INVALID"),
    ],
    ids=[
        "expired",
        "audience",
        "issuer",
        "no-expiry",
        "neither-org-nor-person",
        "consumer-authority",
        "orgnr-check-digit",
        "not-a-norwegian-orgnr",
        "pid-check-digit",
    ],
)
async def test_a_token_with_wrong_claims_is_refused(issuer: DevIssuer, changes: dict[str, Any], code: str) -> None:
    assert await _refusal(_verifier(issuer), _sign(issuer, _claims(issuer, **changes))) == code


async def test_a_token_signed_with_another_key_is_refused(issuer: DevIssuer, tmp_path: Path) -> None:
    impostor = _issuer(tmp_path / "impostor", like=issuer)
    verifier = _verifier(issuer)

    assert await _refusal(verifier, impostor.organisation_token(ORGNR, [])) == "TOKEN_INVALID"
    assert await _refusal(verifier, _sign(impostor, _claims(issuer), kid=_kid(issuer))) == "TOKEN_INVALID"


def _forged(issuer: DevIssuer, algorithm: str, secret: bytes | None) -> str:
    """A token made by hand, as an attacker would, since PyJWT itself refuses to make these."""
    claims = {name: int(v.timestamp()) if isinstance(v, datetime) else v for name, v in _claims(issuer).items()}
    header = {"alg": algorithm, "typ": "JWT", "kid": _kid(issuer)}
    signing_input = b".".join(_b64(json.dumps(part).encode()) for part in (header, claims))
    signature = b"" if secret is None else _b64(hmac.new(secret, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + signature).decode()


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


async def test_unsigned_and_symmetrically_signed_tokens_are_refused(issuer: DevIssuer) -> None:
    key = serialization.load_pem_private_key((issuer.folder / "private-key.pem").read_bytes(), password=None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = _verifier(issuer)

    assert await _refusal(verifier, _forged(issuer, "none", None)) == "TOKEN_INVALID"
    # The classic confusion attack: HMAC with the issuer's public key as the secret.
    assert await _refusal(verifier, _forged(issuer, "HS256", public_pem)) == "TOKEN_INVALID"
    assert await _refusal(verifier, "not.a.jwt") == "TOKEN_INVALID"


async def test_an_issuer_vouches_only_for_its_kind_of_caller(issuer: DevIssuer) -> None:
    tokenx_only = _verifier(issuer, vouches=frozenset({CallerKind.PERSON}))

    assert isinstance(await tokenx_only.caller(issuer.person_token(FNR)), Person)
    assert await _refusal(tokenx_only, issuer.organisation_token(ORGNR, [])) == "TOKEN_INVALID"


async def test_a_rotated_key_is_fetched_when_a_token_names_it(issuer: DevIssuer, tmp_path: Path) -> None:
    verifier = TokenVerifier(
        [
            TrustedIssuer(
                issuer.issuer,
                issuer.audience,
                KeySource(str(tmp_path / "jwks.json"), min_refresh=0),
                frozenset(CallerKind),
            )
        ],
        KEY,
    )
    _publish(tmp_path / "jwks.json", issuer)
    assert isinstance(await verifier.caller(issuer.person_token(FNR)), Person)

    rotated = _issuer(tmp_path / "rotated", like=issuer)
    _publish(tmp_path / "jwks.json", issuer, rotated)

    assert isinstance(await verifier.caller(rotated.person_token(FNR)), Person)


async def test_a_remembered_token_is_refused_once_it_expires(issuer: DevIssuer) -> None:
    now = [datetime.now(UTC).timestamp()]
    trusted = TrustedIssuer(issuer.issuer, issuer.audience, KeySource(str(issuer.jwks_path)), frozenset(CallerKind))
    verifier = TokenVerifier([trusted], KEY, leeway=0, clock=lambda: now[0])
    token = issuer.person_token(FNR, ttl=timedelta(seconds=2))

    assert isinstance(await verifier.caller(token), Person)
    now[0] += 1
    assert isinstance(await verifier.caller(token), Person)
    await asyncio.sleep(2.1)  # past the real expiry too, which PyJWT checks against the wall clock
    now[0] += 2
    assert await _refusal(verifier, token) == "TOKEN_EXPIRED"


async def test_with_azure_ad_configured_only_azure_ad_vouches_for_operators(issuer: DevIssuer, tmp_path: Path) -> None:
    azure = DevIssuer(tmp_path / "azure", issuer="https://login.microsoftonline.invalid/nav/v2.0", audience="gateway")
    environment = azure.environment()
    settings = GatewaySettings(
        jwks=str(issuer.jwks_path),
        issuer=issuer.issuer,
        audience=issuer.audience,
        azure_jwks=environment["SYKMELDINGSFLYT_JWKS"],
        azure_issuer=azure.issuer,
        azure_audience=azure.audience,
    )
    verifier = TokenVerifier(trusted_issuers(settings), KEY)

    operator = await verifier.caller(azure.operator_token("Z990001", ["operators"]))
    assert operator == Operator(ident="Z990001", client_id="dev-client-azuread", groups=frozenset({"operators"}))
    assert await _refusal(verifier, issuer.operator_token("Z990001", ["operators"])) == "TOKEN_INVALID"
    assert await _refusal(verifier, azure.organisation_token(ORGNR, [])) == "TOKEN_INVALID"
    assert isinstance(await verifier.caller(issuer.organisation_token(ORGNR, [])), Organisation)
