"""Secrets and passwords: generated, hashed and compared here and nowhere else."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

API_KEY_PREFIX = "atk_"
SECRET_KEY_PREFIX = "ats_"  # noqa: S105 (a prefix, not a secret)

# argon2id with the library's defaults (RFC 9106 low-memory profile): memory-hard, so
# a stolen password table is expensive to attack.
_password_hasher = PasswordHasher()


def new_api_key() -> str:
    """The public half of a key pair: it names the key, like a user name."""
    return API_KEY_PREFIX + secrets.token_hex(16)


def new_secret_key() -> str:
    """The secret half of a key pair: 256 random bits, shown once, stored only hashed."""
    return SECRET_KEY_PREFIX + secrets.token_urlsafe(32)


def hash_secret(secret: str) -> str:
    """SHA-256 of a generated secret; a slow hash adds nothing to 256 random bits."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    """Compare in constant time, so response timing reveals nothing about the secret."""
    return hmac.compare_digest(hash_secret(secret), stored_hash)


def hash_password(password: str) -> str:
    return _password_hasher.hash(password)


def password_matches(password: str, stored_hash: str) -> bool:
    try:
        return _password_hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_password_check() -> None:
    """Spend the time of one password check, so an unknown email answers as slowly as a
    wrong password and does not tell which emails have accounts."""
    password_matches("not the password", _unknown_user_hash())


@cache
def _unknown_user_hash() -> str:
    return _password_hasher.hash(secrets.token_hex(16))


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)
