"""The DKIM public key in DNS against the private key we sign with (RSA PEM, or dkimpy's Ed25519 file)."""

from __future__ import annotations

import base64
import binascii

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa


def tags(record: str) -> dict[str, str]:
    """``k=rsa; p=MIIB...`` -> {"k": "rsa", "p": "MIIB..."} (whitespace inside values removed)."""
    result: dict[str, str] = {}
    for part in record.split(";"):
        name, sep, value = part.partition("=")
        if sep:
            result[name.strip().lower()] = "".join(value.split())
    return result


def public_keys(private_key: bytes) -> set[str]:
    """The base64 forms a DNS ``p=`` tag may hold for this private key. Raises ValueError if unreadable."""
    if b"PRIVATE KEY" in private_key:
        key = serialization.load_pem_private_key(private_key, password=None)
        public = key.public_key()
        forms = {
            public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        }
        if isinstance(public, rsa.RSAPublicKey):  # some generators publish the bare PKCS#1 key
            forms.add(public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1))
        return {base64.b64encode(form).decode("ascii") for form in forms}
    try:
        seed = base64.b64decode(private_key.strip(), validate=True)
        key_ed = ed25519.Ed25519PrivateKey.from_private_bytes(seed)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("neither an RSA key in PEM nor a base64 Ed25519 key") from exc
    raw = key_ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {base64.b64encode(raw).decode("ascii")}
