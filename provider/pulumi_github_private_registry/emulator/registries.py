"""An organization's private registries: its key pairs, its records, and the rules a write obeys.

:class:`Org` holds what GitHub keeps per organization (every key pair issued, so that old values
stay readable, and the registry records by name). :class:`RegistryRules` judges a create or an
update by the OpenAPI contract and the documented facts, stores the record with GitHub's name and
times, and shows it as GitHub's answers do. Callers hold the emulator's lock.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox

from .contract import Contract, fact_errors, openapi, request_schemas, schema_errors
from .facts import FIXED, REFUSED_TYPE_MESSAGE, SEALED, SHOWN_ON_CREATE_ONLY, configuration_name
from .messages import ApiError, field_error, invalid


@dataclass
class Org:
    """One organization: its key pairs and its registry records (GitHub field names, by name)."""

    keys: dict[str, PrivateKey] = field(default_factory=dict)  # every key issued: old values stay readable
    key_id: str = ""
    registries: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rotate(self) -> str:
        private = PrivateKey.generate()
        digest = hashlib.sha256(bytes(private.public_key)).digest()
        self.key_id = f"{int.from_bytes(digest[:8], 'big') % 10**18:018d}"
        self.keys[self.key_id] = private
        return self.key_id

    def public_key(self) -> str:
        return base64.b64encode(bytes(self.keys[self.key_id].public_key)).decode()

    def seal(self, value: str) -> dict[str, str]:
        sealed = SealedBox(self.keys[self.key_id].public_key).encrypt(value.encode())
        return {"encrypted_value": base64.b64encode(sealed).decode(), "key_id": self.key_id}

    def open(self, encrypted_value: str, key_id: str) -> str:
        box = SealedBox(self.keys[key_id])
        return box.decrypt(base64.b64decode(encrypted_value, validate=True)).decode("utf-8", "replace")


class RegistryRules:
    """How a registry record is judged, stored and shown, by one contract (github.com's or a stage's).

    ``omit`` leaves fields out of every answer; ``refused_types`` are types the schema lists that a
    create is refused (see :data:`.facts.REFUSED_TYPE_MESSAGE`)."""

    def __init__(self, contract: Contract, *, omit: Iterable[str], refused_types: Iterable[str]) -> None:
        self._contract = contract
        self._registry_types = tuple(request_schemas(openapi())[0]["properties"]["registry_type"]["enum"])
        self._refused_types = frozenset(refused_types)
        if not self._refused_types <= set(self._registry_types):
            unknown = sorted(self._refused_types - set(self._registry_types))
            raise ValueError(f"refused_registry_types names types GitHub's schema does not list: {unknown}")
        self._omit = frozenset(omit)
        self._clock = 0

    def refusal(self, body: Mapping[str, Any]) -> ApiError | None:
        """github.com's 422 for a create of a type it does not accept yet, else None."""
        if body.get("registry_type") not in self._refused_types:
            return None
        accepted = [t for t in self._registry_types if t not in self._refused_types]
        return ApiError(
            422,
            REFUSED_TYPE_MESSAGE,
            errors=[f"registry_type must be one of: {', '.join(accepted)}"],
            status="422",
        )

    def create_errors(self, state: Org, body: Mapping[str, Any], *, overwrite: bool) -> list[Any]:
        """What GitHub refuses in a create body (``overwrite``: a registry of its type may exist)."""
        record = self._with_defaults(body)
        errors = schema_errors(self._contract.create, body) or fact_errors(record)
        if errors:
            return errors
        if configuration_name(record["registry_type"]) in state.registries and not overwrite:
            # GitHub answers this one with a plain string among the errors, not an object.
            return [f"A private registry for registry_type {record['registry_type']} already exists"]
        return self._secret_errors(state, body)

    def store(self, state: Org, body: Mapping[str, Any]) -> dict[str, Any]:
        """Store a judged create body under GitHub's name for its type; the stored record."""
        record = self._with_defaults(body)
        name = configuration_name(record["registry_type"])
        old = state.registries.get(name)
        stamp = self._tick()
        record.update(name=name, created_at=old["created_at"] if old else stamp, updated_at=stamp)
        state.registries[name] = _normalized(record)
        return state.registries[name]

    def update(self, state: Org, name: str, body: Mapping[str, Any], *, nulls_clear: bool) -> None:
        """Apply an update body; a field sent as null is cleared. Over HTTP, GitHub's schema says
        which fields may be null; behind the client's back (``nulls_clear``), any may."""
        stored = state.registries[name]
        judged = {k: v for k, v in body.items() if v is not None} if nulls_clear else body
        errors = schema_errors(self._contract.update, judged)
        if errors:
            raise invalid(errors)
        merged = {k: v for k, v in stored.items() if k in self._contract.writable}
        merged.update(body)  # a field sent as null is cleared by _with_defaults below
        if merged.get("visibility") != "selected" and "selected_repository_ids" not in body:
            merged.pop("selected_repository_ids", None)
        merged = self._with_defaults(merged)
        errors = [
            field_error(f, "invalid", f"'{f}' cannot be changed after creation; delete and recreate")
            for f in FIXED
            if merged.get(f) != stored.get(f)
        ]
        sent = [f for f in SEALED if body.get(f) is not None]
        if len(sent) == 1:
            missing = SEALED[1 - SEALED.index(sent[0])]
            errors.append(field_error(missing, "missing_field", f"send '{missing}' with '{sent[0]}'"))
        errors = (
            errors
            or schema_errors(self._contract.create, merged)
            or fact_errors(merged)
            or self._secret_errors(state, body)
        )
        if errors:
            raise invalid(errors)
        merged.update(name=name, created_at=stored["created_at"], updated_at=self._tick())
        state.registries[name] = _normalized(merged)

    def view(self, record: Mapping[str, Any], *, with_ids: bool = False) -> dict[str, Any]:
        """A record as GitHub's answers show it (``with_ids``: the create answer's)."""
        fields = [f for f in self._contract.shown if f not in self._omit]
        view = {f: record[f] for f in fields if record.get(f) is not None}
        if with_ids and record.get("visibility") == "selected":
            view[SHOWN_ON_CREATE_ONLY] = list(record.get(SHOWN_ON_CREATE_ONLY, []))
        return view

    def _with_defaults(self, body: Mapping[str, Any]) -> dict[str, Any]:
        return {**self._contract.defaults, **{k: v for k, v in body.items() if v is not None}}

    @staticmethod
    def _secret_errors(state: Org, body: Mapping[str, Any]) -> list[Any]:
        """A value sent must name the org's current key_id and open with its private key."""
        if body.get("encrypted_value") is None:
            return []
        if body.get("key_id") != state.key_id:
            return [field_error("key_id", "invalid", "key_id is not the organization's current public key")]
        try:
            state.open(body["encrypted_value"], state.key_id)
        except (CryptoError, binascii.Error, ValueError):
            return [field_error("encrypted_value", "invalid", "encrypted_value could not be decrypted")]
        return []

    def _tick(self) -> str:
        # A logical clock: every write gets a later second than the one before, even within a second.
        self._clock = max(self._clock + 1, int(time.time()))
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self._clock))


def _normalized(record: dict[str, Any]) -> dict[str, Any]:
    if "selected_repository_ids" in record:  # a copy: the stored list is not put_registry's caller's
        record["selected_repository_ids"] = list(record["selected_repository_ids"])
    return record
