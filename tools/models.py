"""Manage the model registry in Blob Storage (layout: docs/models-and-secrets.md).

    python -m tools.models publish DIR [DIR ...] [--activate]   # an artifact folder, or a folder of them
    python -m tools.models list
    python -m tools.models activate NAME VERSION
    python -m tools.models rollback NAME

Storage comes from the app's own settings in the environment (``STORAGE_CONNECTION_STRING``,
``KEY_VAULT_URL`` + ``STORAGE_SECRET_NAME``, or ``STORAGE_ACCOUNT_URL`` with your Azure login) and
the container from ``MODELS_CONTAINER``. :func:`publish_default_models` is the entry point for
scripts (``make run`` publishes the freshly trained default models into Azurite with it).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from azure.core.exceptions import AzureError

from shared.http import DependencyUnavailable
from shared.model_registry import MANIFEST_FILE, BlobModelRegistry, RegistryError
from shared.settings import SettingsError, get_settings


def artifact_folders(path: Path) -> list[Path]:
    """``path`` itself if it is an artifact folder, else its artifact subfolders (sorted)."""
    path = Path(path)
    if (path / MANIFEST_FILE).is_file():
        return [path]
    found = sorted(child for child in path.iterdir() if (child / MANIFEST_FILE).is_file()) \
        if path.is_dir() else []
    if not found:
        raise RegistryError(f"{path} holds no model artifact ({MANIFEST_FILE} + model.joblib)")
    return found


def registry() -> BlobModelRegistry:
    return BlobModelRegistry(get_settings().models_container)


def publish_default_models(artifacts_root: Path, *, activate: bool = True) -> list[tuple[str, str]]:
    """Publish every artifact folder under ``artifacts_root`` (e.g. the output of
    ``tools.train.train_default_models``); idempotent. Returns the (name, version) pairs."""
    target = registry()
    return [target.publish(folder, activate=activate) for folder in artifact_folders(artifacts_root)]


def _list() -> None:
    for entry in registry().catalogue():
        print(f"{entry['name']}: current {entry['current'] or '-'}")
        for version in entry["versions"]:
            marker = "*" if version["version"] == entry["current"] else " "
            print(f"  {marker} {version['version']}  published {version['published']}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.models", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    publish = commands.add_parser("publish", help="upload trained artifact folder(s) as new versions")
    publish.add_argument("folders", nargs="+", type=Path)
    publish.add_argument("--activate", action="store_true", help="make them the current versions")
    commands.add_parser("list", help="names, versions and the current version of each")
    activate = commands.add_parser("activate", help="make a published version the current one")
    activate.add_argument("name")
    activate.add_argument("version")
    rollback = commands.add_parser("rollback", help="re-activate the version the last activation replaced")
    rollback.add_argument("name")
    args = parser.parse_args(argv)
    try:
        if args.command == "publish":
            for folder in args.folders:
                for name, version in publish_default_models(folder, activate=args.activate):
                    print(f"published {name} {version}{' (current)' if args.activate else ''}")
        elif args.command == "list":
            _list()
        elif args.command == "activate":
            print(f"{args.name}: current version {registry().activate(args.name, args.version)['version']}")
        else:
            print(f"{args.name}: rolled back to {registry().rollback(args.name)['version']}")
    except (RegistryError, SettingsError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except DependencyUnavailable as exc:
        print(f"error: {exc.detail}", file=sys.stderr)
        return 1
    except AzureError as exc:  # storage unreachable: the type only (messages may carry URLs)
        print(f"error: Blob Storage could not be reached ({type(exc).__name__})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
