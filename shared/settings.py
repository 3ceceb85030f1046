"""Every application setting, read from the environment in this one module.

In Azure the settings are app settings; under ``func start`` or ``python -m devserver`` they come
from ``local.settings.json`` ("Values"), which the host copies into the environment. Nothing else
in the app reads ``os.environ``.

``SETTINGS`` is the single declaration of every setting: its name, default and meaning. The README
table, ``local.settings.json.example`` and the Bicep app settings are checked against it by tests.

``get_settings()`` parses the environment once per process and caches the result (the process-wide
cache is guarded by a lock; ``reload_settings()`` clears it for tests that change the environment).
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Callable, Mapping

KEY_VAULT_REFERENCE_PREFIX = "@Microsoft.KeyVault("


class SettingsError(RuntimeError):
    """A setting is missing, malformed, or an unresolved Key Vault reference."""


@dataclass(frozen=True)
class SettingSpec:
    """One app setting: environment name, default (None = unset) and what it means."""

    name: str
    default: str | None
    description: str
    secret: bool = False


SETTINGS: tuple[SettingSpec, ...] = (
    SettingSpec(
        "STORAGE_ACCOUNT_URL", None,
        "Blob endpoint for identity-based access (https://<account>.blob.core.windows.net) with "
        "DefaultAzureCredential (managed identity in Azure). First in the credential order."),
    SettingSpec(
        "KEY_VAULT_URL", None,
        "Key Vault URL (https://<vault>.vault.azure.net) holding the storage connection string or SAS "
        "URL. Second in the credential order."),
    SettingSpec(
        "STORAGE_SECRET_NAME", "storage-connection-string",
        "Name of the Key Vault secret holding the storage connection string or account SAS URL."),
    SettingSpec(
        "STORAGE_CONNECTION_STRING", None,
        "Plain storage connection string, last in the credential order. Locally "
        "'UseDevelopmentStorage=true' (Azurite).", secret=True),
    SettingSpec(
        "SECRET_CACHE_TTL_SECONDS", "300",
        "How long a secret read from Key Vault is reused before it is fetched again."),
    SettingSpec(
        "IDENTITY_DISABLE_INSTANCE_DISCOVERY", "false",
        "true: DefaultAzureCredential trusts AZURE_AUTHORITY_HOST without Microsoft's instance "
        "discovery (Azure Stack Hub, private clouds, the tests' local token endpoint). Leave false "
        "in Azure."),
    SettingSpec(
        "RESOURCES_CONTAINER", "resources",
        "Blob container holding scenes and classification results (created on first use)."),
    SettingSpec(
        "MODELS_CONTAINER", "models",
        "Blob container of the model registry: <name>/<version>/model.joblib + manifest.json."),
    SettingSpec(
        "DEFAULT_SENSOR", "micasense",
        "Sensor assumed when a request names none: micasense or sentinel2."),
    SettingSpec(
        "MODEL_LOCAL_DIR", None,
        "Directory of local model artifacts (<dir>/<model-name>/ with model.joblib and "
        "manifest.json). When set, models are loaded from it instead of the blob registry."),
    SettingSpec(
        "MODEL_ALLOWED_SHA256", None,
        "Optional comma-separated sha256 digests; when set, only model files with one of these "
        "hashes are ever unpickled."),
    SettingSpec(
        "MODEL_REFRESH_SECONDS", "60",
        "How often the registry's current-version pointer is re-checked for a new model."),
    SettingSpec(
        "MAX_UPLOAD_BYTES", "104857600",
        "Largest request body the app accepts (413 beyond). The host's own limit is 100 MB."),
    SettingSpec(
        "MAX_PIXELS", "16777216",
        "Largest image (height x width) classified in one request (413 beyond), checked from the "
        "header before any large allocation."),
    SettingSpec(
        "MAX_METADATA_BYTES", "4096",
        "Largest user metadata object (UTF-8 JSON) on a resource (422 beyond)."),
    SettingSpec(
        "RETRY_AFTER_SECONDS", "5",
        "Retry-After value sent with 503 answers (storage or model unavailable)."),
)

_SPEC_BY_NAME: Mapping[str, SettingSpec] = {spec.name: spec for spec in SETTINGS}


def _raw(env: Mapping[str, str], name: str) -> str | None:
    """The setting's value or its default; refuses unresolved Key Vault references."""
    value = env.get(name)
    if value is not None and value.strip() == "":
        value = None
    if value is not None and value.lstrip().startswith(KEY_VAULT_REFERENCE_PREFIX):
        raise SettingsError(
            f"App setting {name} is an unresolved Key Vault reference. The platform could not read "
            f"the secret: grant the function app's managed identity the 'Key Vault Secrets User' role "
            f"on the vault (or fix the reference's SecretUri), then restart the app.")
    return value if value is not None else _SPEC_BY_NAME[name].default


def _parse(env: Mapping[str, str], name: str, convert: Callable[[str], object], rule: str) -> object:
    value = _raw(env, name)
    if value is None:
        return None
    try:
        result = convert(value)
    except ValueError:
        result = None
    if result is None:
        raise SettingsError(f"App setting {name}={value!r} is invalid: it must be {rule}.")
    return result


def _positive_int(value: str) -> int | None:
    number = int(value)
    return number if number > 0 else None


def _positive_float(value: str) -> float | None:
    number = float(value)
    return number if number > 0 else None


def _sensor(value: str) -> str | None:
    return value if value in ("micasense", "sentinel2") else None


def _boolean(value: str) -> bool | None:
    return {"true": True, "false": False}.get(value.strip().lower())


def _sha256_list(value: str) -> tuple[str, ...] | None:
    digests = tuple(part.strip().lower() for part in value.split(",") if part.strip())
    ok = all(len(d) == 64 and all(c in "0123456789abcdef" for c in d) for d in digests)
    return digests if ok else None


@dataclass(frozen=True)
class Settings:
    """Parsed, validated settings of this process."""

    storage_account_url: str | None
    key_vault_url: str | None
    storage_secret_name: str
    storage_connection_string: str | None = field(repr=False)
    secret_cache_ttl_seconds: float
    identity_disable_instance_discovery: bool
    resources_container: str
    models_container: str
    default_sensor: str
    model_local_dir: str | None
    model_allowed_sha256: tuple[str, ...]
    model_refresh_seconds: float
    max_upload_bytes: int
    max_pixels: int
    max_metadata_bytes: int
    retry_after_seconds: int

    @classmethod
    def from_environment(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        return cls(
            storage_account_url=_raw(env, "STORAGE_ACCOUNT_URL"),
            key_vault_url=_raw(env, "KEY_VAULT_URL"),
            storage_secret_name=str(_raw(env, "STORAGE_SECRET_NAME")),
            storage_connection_string=_raw(env, "STORAGE_CONNECTION_STRING"),
            secret_cache_ttl_seconds=float(_parse(env, "SECRET_CACHE_TTL_SECONDS", _positive_float,
                                                  "a positive number of seconds")),
            identity_disable_instance_discovery=bool(_parse(
                env, "IDENTITY_DISABLE_INSTANCE_DISCOVERY", _boolean, "true or false")),
            resources_container=str(_raw(env, "RESOURCES_CONTAINER")),
            models_container=str(_raw(env, "MODELS_CONTAINER")),
            default_sensor=str(_parse(env, "DEFAULT_SENSOR", _sensor, "micasense or sentinel2")),
            model_local_dir=_raw(env, "MODEL_LOCAL_DIR"),
            model_allowed_sha256=tuple(_parse(env, "MODEL_ALLOWED_SHA256", _sha256_list,
                                              "comma-separated 64-digit hex sha256 digests") or ()),
            model_refresh_seconds=float(_parse(env, "MODEL_REFRESH_SECONDS", _positive_float,
                                               "a positive number of seconds")),
            max_upload_bytes=int(_parse(env, "MAX_UPLOAD_BYTES", _positive_int, "a positive integer")),
            max_pixels=int(_parse(env, "MAX_PIXELS", _positive_int, "a positive integer")),
            max_metadata_bytes=int(_parse(env, "MAX_METADATA_BYTES", _positive_int,
                                          "a positive integer")),
            retry_after_seconds=int(_parse(env, "RETRY_AFTER_SECONDS", _positive_int,
                                           "a positive integer")),
        )


_settings_lock = threading.Lock()
_settings: Settings | None = None


def get_settings() -> Settings:
    """This process's settings, parsed on first use (per-process cache, lock-guarded)."""
    global _settings
    with _settings_lock:
        if _settings is None:
            _settings = Settings.from_environment()
        return _settings


def reload_settings() -> Settings:
    """Forget the cached settings and parse the environment again (tests, or after a change)."""
    global _settings
    with _settings_lock:
        _settings = None
    return get_settings()
