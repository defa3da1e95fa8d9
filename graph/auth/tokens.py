"""Bearer tokens: JWTs signed with HS256 and a secret from settings.

A token names its user (`sub`) and the user's token version (`ver`); bumping
the version (a password change) revokes every token issued before. Decoding
pins the algorithm and requires `exp`, `iat` and `sub`, so `alg: none`,
another key, or a token without expiry are all refused.
"""

import os
import re
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

import jwt

from graph.errors import Unauthenticated
from graph.settings import Settings

ALGORITHM = "HS256"
# users.id is a positive bigint; `int()` would also take "1_0", " 7" or a number PostgreSQL cannot hold.
_USER_ID = re.compile(r"[1-9][0-9]{0,18}")
_BIGINT_MAX = 2**63 - 1
MIN_SECRET_BYTES = 32
VERIFIED_CACHE_SIZE = 1024


class SecretMissing(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Claims:
    user_id: int
    version: int


def signing_secret(settings: Settings) -> bytes:
    """The configured secret; in development, one generated once and kept under DATA_DIR."""
    if settings.jwt_secret is not None:
        secret = settings.jwt_secret.get_secret_value().encode()
        if len(secret) < MIN_SECRET_BYTES:
            raise SecretMissing(f"JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes long.")
        return secret
    if settings.environment == "production":
        raise SecretMissing("JWT_SECRET is not set; production refuses to start without it.")
    path = Path(settings.data_dir) / "jwt_secret"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(48))
    return path.read_text().strip().encode()


class Tokens:
    """Issues and checks tokens.

    A client sends the same token with every request, and checking its
    signature and claims took about a tenth of the server's CPU on the
    benchmark's favoriteArticle. So the claims of tokens that passed are kept
    (the most recent VERIFIED_CACHE_SIZE, per process) under the token's exact
    text, signature included, until the token expires: a token that differs in
    any byte is checked in full, and an expired one is refused as before. The
    revocation check (the user's token version) is the caller's, against the
    database, on every request.
    """

    def __init__(self, secret: bytes, lifetime_seconds: int) -> None:
        self._secret = secret
        self._lifetime = lifetime_seconds
        self._verified: dict[str, tuple[Claims, float]] = {}

    def issue(self, user_id: int, version: int) -> str:
        now = int(time.time())
        claims = {"sub": str(user_id), "ver": version, "iat": now, "exp": now + self._lifetime}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def decode(self, token: str) -> Claims:
        verified = self._verified.get(token)
        if verified is not None:
            claims, expires = verified
            if time.time() < expires:  # PyJWT's rule: expired once `exp <= now`
                return claims
            del self._verified[token]
            raise Unauthenticated("The token has expired; sign in again.")
        try:
            raw = jwt.decode(token, self._secret, algorithms=[ALGORITHM], options={"require": ["exp", "iat", "sub"]})
            claims = Claims(user_id=_user_id(raw["sub"]), version=int(raw.get("ver", -1)))
            expires = float(raw["exp"])
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired; sign in again.") from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise Unauthenticated("The token is invalid.") from None
        if len(self._verified) >= VERIFIED_CACHE_SIZE:
            del self._verified[next(iter(self._verified))]  # the oldest
        self._verified[token] = (claims, expires)
        return claims


def _user_id(sub: object) -> int:
    """The user a `sub` names; ValueError unless it is an ID a users row can have."""
    if not isinstance(sub, str) or not _USER_ID.fullmatch(sub) or int(sub) > _BIGINT_MAX:
        raise ValueError("sub")
    return int(sub)


def bearer_token(authorization: str | None) -> str | None:
    """The token of an Authorization header (`Bearer x`, or RealWorld's `Token x`); None when absent."""
    if authorization is None or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() not in ("bearer", "token") or not token.strip():
        raise Unauthenticated("The Authorization header must be `Bearer <token>`.")
    return token.strip()
