"""The ``icesurf`` command line (``python -m icesurf --help``).

Results go to standard output (tables, or JSON with ``--json``); progress bars, retry notices and
errors go to standard error. Exit codes scripts can rely on:

====  =====================================================================
0     success
2     usage: unknown command or option, malformed argument (e.g. an id that is not a UUID)
3     the API refused the request: 4xx (bad input, unknown id, missing key, precondition...)
4     the API failed or could not be reached: 5xx after the retries, connection refused,
      a transfer that broke or arrived corrupt
5     a local file could not be read or written
130   interrupted (Ctrl-C)
====  =====================================================================
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict
from itertools import zip_longest
from pathlib import Path
from typing import Any, Callable, Sequence

from icesurf.client import (DEFAULT_URL, KEY_ENV, URL_ENV, ApiError, Classification, Client,
                            IceSurfError, Progress, RetryPolicy)
from icesurf.tables import resource_table

EXIT_OK, EXIT_USAGE, EXIT_CLIENT_ERROR, EXIT_SERVER_ERROR, EXIT_LOCAL_FILE = 0, 2, 3, 4, 5
EXIT_INTERRUPTED = 130
SENSORS = ("micasense", "sentinel2")
LAYOUTS = ("band-last", "band-first")
COMMON_DEFAULTS = {"url": None, "key": None, "retries": 5, "timeout": 300.0, "json": False,
                   "quiet": False}
"""Defaults of the options accepted before and after the command (see build_parser)."""


class UsageError(Exception):
    """A malformed argument that argparse could not catch (exit 2)."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    for option, default in COMMON_DEFAULTS.items():
        args.__dict__.setdefault(option, default)
    if not getattr(args, "handler", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        with _client(args) as api:
            return args.handler(api, args) or EXIT_OK
    except UsageError as exc:
        parser.error(str(exc))  # exits with 2
    except ApiError as exc:
        _report(str(exc), exc.type if exc.type != "about:blank" else None)
        return EXIT_CLIENT_ERROR if exc.status < 500 else EXIT_SERVER_ERROR
    except IceSurfError as exc:
        _report(str(exc))
        return EXIT_SERVER_ERROR
    except OSError as exc:
        _report(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "))
        return EXIT_LOCAL_FILE
    except KeyboardInterrupt:
        _report("interrupted")
        return EXIT_INTERRUPTED
    return EXIT_OK


def _report(message: str, problem_type: str | None = None) -> None:
    print(f"icesurf: error: {message}", file=sys.stderr)
    if problem_type:
        print(f"icesurf: problem type: {problem_type}", file=sys.stderr)


def _client(args: argparse.Namespace) -> Client:
    def notice(reason: str, delay: float, attempt: int) -> None:
        if not args.quiet:
            print(f"icesurf: {reason}; retrying in {delay:.1f} s (attempt {attempt} of "
                  f"{args.retries})", file=sys.stderr)

    return Client(args.url, args.key, timeout=args.timeout,
                  retry=RetryPolicy(attempts=args.retries), on_retry=notice)


# ---- output helpers ----

def _print_json(document: Any) -> None:
    print(json.dumps(document, indent=2, ensure_ascii=False))


def _print_record(resource: Any, args: argparse.Namespace) -> None:
    document = asdict(resource)
    if args.json:
        _print_json(document)
        return
    width = max(len(key) for key in document)
    for key, value in document.items():
        if key == "metadata":
            value = ", ".join(f"{k}={v}" for k, v in value.items()) or "-"
        print(f"{key.ljust(width)}  {'-' if value is None else value}")


class _ProgressBar:
    """A tqdm bar on stderr for one transfer (silent with --quiet or when stderr is no terminal)."""

    def __init__(self, description: str, quiet: bool) -> None:
        self.description, self.quiet, self._bar = description, quiet, None

    def __call__(self, done: int, total: int | None) -> None:
        if self._bar is None:
            from tqdm import tqdm

            self._bar = tqdm(total=total, desc=self.description, unit="B", unit_scale=True,
                             unit_divisor=1024, file=sys.stderr, leave=False,
                             disable=True if self.quiet else None)
        self._bar.update(done - self._bar.n)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _with_progress(description: str, args: argparse.Namespace,
                   transfer: Callable[[Progress], Any]) -> Any:
    bar = _ProgressBar(description, args.quiet)
    try:
        return transfer(bar)
    finally:
        bar.close()


def _key_values(pairs: Sequence[str], what: str) -> dict[str, str]:
    result = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"{what} must be KEY=VALUE; got {pair!r}")
        result[key] = value
    return result


def _input_file(path: str) -> Path:
    file = Path(path)
    if not file.is_file():
        raise FileNotFoundError(2, "no such file", path)
    return file


# ---- commands ----

def cmd_health(api: Client, args: argparse.Namespace) -> int:
    report = api.health()
    if args.json:
        _print_json(report)
    else:
        storage = report.get("storage", {})
        print(f"status       {report.get('status')}")
        print(f"version      {report.get('version', '-')}")
        print(f"storage      {storage.get('status', '-')} "
              f"(credentials: {report.get('credential_source', '-')})")
        models = report.get("models") or {}
        if models.get("source"):
            print(f"models from  {models['source']}")
        for model in models.get("models", []):
            line = f"model        {model.get('name')}: {model.get('status')}"
            line += f" {model['version']}" if model.get("version") else ""
            line += f" (last error: {model['last_error']})" if model.get("last_error") else ""
            print(line)
        for secret in (report.get("key_vault") or {}).get("secrets", []):
            print(f"secret       {secret.get('name')}: {secret.get('state')}")
    return EXIT_SERVER_ERROR if report.get("status") == "unavailable" else EXIT_OK


def cmd_model(api: Client, args: argparse.Namespace) -> int:
    document = api.models() if args.versions else api.current_model(args.sensor)
    if args.json or args.versions:
        _print_json(document)
        return EXIT_OK
    for key in ("name", "version", "sensor", "sha256", "created"):
        if key in document:
            print(f"{key.ljust(10)} {document[key]}")
    if document.get("bands"):
        bands = zip_longest(document["bands"], document.get("wavelengths_nm") or [])
        print("bands      " + ", ".join(f"{band} {nm} nm" if nm else str(band)
                                        for band, nm in bands))
    for dataset, metrics in (document.get("evaluation") or {}).items():
        per_class = ", ".join(f"{name} {f1:.2f}"
                              for name, f1 in (metrics.get("f1_per_class") or {}).items())
        print(f"evaluated  {dataset}: accuracy {metrics.get('accuracy', float('nan')):.3f}, "
              f"weighted F1 {metrics.get('f1_weighted', float('nan')):.3f}"
              + (f" (per class: {per_class})" if per_class else ""))
    return EXIT_OK


def cmd_upload(api: Client, args: argparse.Namespace) -> int:
    file = _input_file(args.file)
    metadata = _key_values(args.meta, "--meta")
    resource = _with_progress(f"upload {file.name}", args, lambda progress: api.upload(
        file, name=args.name, content_type=args.content_type, metadata=metadata,
        progress=progress))
    _print_record(resource, args)
    return EXIT_OK


def cmd_list(api: Client, args: argparse.Namespace) -> int:
    if args.all:
        items, cursor = list(api.iter_resources(kind=args.kind, page_size=args.limit or 100)), None
    else:
        page = api.list(kind=args.kind, limit=args.limit, cursor=args.cursor)
        items, cursor = page.items, page.next_cursor
    if args.json:
        _print_json({"items": [asdict(item) for item in items], "next_cursor": cursor})
        return EXIT_OK
    print(resource_table(items) if items else "(no resources)")
    if cursor:
        print(f"\nmore: icesurf list --cursor {cursor}", file=sys.stderr)
    return EXIT_OK


def cmd_get(api: Client, args: argparse.Namespace) -> int:
    _print_record(api.get(_resource_id(args.id)), args)
    return EXIT_OK


def cmd_download(api: Client, args: argparse.Namespace) -> int:
    resource_id = _resource_id(args.id)
    target = _with_progress("download", args, lambda progress: api.download(
        resource_id, args.output or Path.cwd(), progress=progress))
    print(target)
    return EXIT_OK


def cmd_update(api: Client, args: argparse.Namespace) -> int:
    metadata: dict[str, str | None] = dict(_key_values(args.meta, "--meta"))
    metadata.update({key: None for key in args.unset})
    if args.name is None and not metadata:
        raise UsageError("update needs --name, --meta or --unset")
    _print_record(api.update(_resource_id(args.id), name=args.name, metadata=metadata,
                             if_match=args.if_match), args)
    return EXIT_OK


def cmd_delete(api: Client, args: argparse.Namespace) -> int:
    api.delete(_resource_id(args.id), if_match=args.if_match)
    if not args.quiet:
        print(f"deleted {args.id}", file=sys.stderr)
    return EXIT_OK


def _scene_options(args: argparse.Namespace) -> dict[str, Any]:
    return {"sensor": args.sensor, "scale": args.scale, "nodata": args.nodata,
            "layout": args.layout}


def cmd_classify(api: Client, args: argparse.Namespace) -> int:
    file = _input_file(args.file)
    options = _scene_options(args)
    result = _with_progress(f"classify {file.name}", args, lambda progress: api.classify(
        file, content_type=args.content_type, progress=progress, **options))
    _print_classification(result, args)
    for output, format, product in ((args.tiff, "tiff", "classes"),
                                    (args.albedo, "tiff", "albedo")):
        if output:
            answer = _with_progress(f"{product} map", args, lambda progress: api.classify_map(
                file, format=format, product=product, content_type=args.content_type,
                progress=progress, **options))
            Path(output).write_bytes(answer.content)
            print(f"{product} map: {output}", file=sys.stderr)
    if args.png:
        answer = _with_progress("class map", args, lambda progress: api.classify_map(
            file, format="npy", content_type=args.content_type, progress=progress, **options))
        _draw_pictures(result, args, lambda: _as_map(answer.array()), file.name)
    elif args.chart:
        _draw_pictures(result, args, None, file.name)
    return EXIT_OK


def cmd_classify_stored(api: Client, args: argparse.Namespace) -> int:
    result = api.classify_stored(_resource_id(args.id), **_scene_options(args))
    _print_classification(result, args)
    if result.resource and not args.json:
        print(f"\nresult stored as {result.resource.id} ({result.resource.name})")

    def class_map():
        import io

        import tifffile

        codes = tifffile.imread(io.BytesIO(api.content(result.resource.id)))
        return codes[..., 0] if codes.ndim == 3 else codes

    title = result.resource.name if result.resource else args.id
    _draw_pictures(result, args, class_map if args.png else None, title)
    return EXIT_OK


def _as_map(codes: Any) -> Any:
    """A class map to draw: JSON pixel input gives one label per pixel, drawn as one row."""
    return codes if codes.ndim == 2 else codes.reshape(1, -1)


def _print_classification(result: Classification, args: argparse.Namespace) -> None:
    if args.json:
        _print_json(result.document)
    else:
        print(result.coverage_table())


def _draw_pictures(result: Classification, args: argparse.Namespace,
                   class_map: Callable[[], Any] | None, title: str) -> None:
    from icesurf.pictures import class_map_png, coverage_chart_png

    names = {row.code: row.name for row in result.classes}
    if class_map is not None and args.png:
        class_map_png(class_map(), args.png, names=names,
                      title=f"{title} · {result.model_name} {result.model_version}")
        print(f"class map: {args.png}", file=sys.stderr)
    if args.chart:
        coverage_chart_png(result, args.chart, title=f"{title} · surface coverage")
        print(f"coverage chart: {args.chart}", file=sys.stderr)


def _resource_id(text: str) -> str:
    import uuid

    try:
        return str(uuid.UUID(text))
    except ValueError:
        raise UsageError(f"not a resource id (a UUID): {text!r}") from None


# ---- the parser ----

def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    # SUPPRESS (defaults in COMMON_DEFAULTS): the options may stand before or after the command
    # without the subcommand's defaults erasing what was given before it.
    common.add_argument("--url", default=argparse.SUPPRESS,
                        help=f"API base URL (default: ${URL_ENV}, else {DEFAULT_URL})")
    common.add_argument("--key", default=argparse.SUPPRESS,
                        help=f"function key (default: ${KEY_ENV}); prefer the variable, "
                             f"as arguments show in process lists")
    common.add_argument("--retries", type=_positive_int, default=argparse.SUPPRESS,
                        help="tries in all for answers 429/503 and failed connections (default 5)")
    common.add_argument("--timeout", type=float, default=argparse.SUPPRESS,
                        help="seconds to wait for an answer (default 300)")
    common.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print results as JSON")
    common.add_argument("-q", "--quiet", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars or notices on stderr")

    parser = argparse.ArgumentParser(
        prog="icesurf", parents=[common],
        description="Classify Greenland ice-sheet surfaces with the IceSurf API, and manage "
                    "stored scenes and results.",
        epilog="exit codes: 0 ok, 2 usage, 3 API refused (4xx), 4 API failed or unreachable "
               "(5xx), 5 local file error, 130 interrupted. Walkthrough: docs/client.md",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Callable, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help_text, description=help_text)
        sub.set_defaults(handler=handler)
        return sub

    def scene_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--sensor", choices=SENSORS, help="the camera (default: the app's)")
        sub.add_argument("--scale", type=float,
                         help="reflectance = value / scale (default: by sensor and data type)")
        sub.add_argument("--nodata", type=float, help="value of masked pixels")
        sub.add_argument("--layout", choices=LAYOUTS, help="band order when it is ambiguous")

    def pictures(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--png", metavar="FILE", help="write the class map with a legend")
        sub.add_argument("--chart", metavar="FILE", help="write a coverage bar chart")

    command("health", cmd_health, "is the API up (storage, models)?")

    sub = command("model", cmd_model, "the current model's card")
    sub.add_argument("--sensor", choices=SENSORS)
    sub.add_argument("--versions", action="store_true", help="list every model's versions")

    sub = command("upload", cmd_upload, "store a scene file")
    sub.add_argument("file")
    sub.add_argument("--name", help="display name (default: the file's name)")
    sub.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE",
                     help="user metadata (repeatable)")
    sub.add_argument("--content-type", help="media type (default: by suffix)")

    sub = command("list", cmd_list, "list stored scenes and results, oldest first")
    sub.add_argument("--kind", choices=("scene", "classification"))
    sub.add_argument("--limit", type=_positive_int, help="page size (1..1000, default 100)")
    sub.add_argument("--cursor", help="the next page's cursor from a previous listing")
    sub.add_argument("--all", action="store_true", help="follow cursors to the end")

    sub = command("get", cmd_get, "show a resource's record")
    sub.add_argument("id")

    sub = command("download", cmd_download, "save a resource's content to a file")
    sub.add_argument("id")
    sub.add_argument("-o", "--output", help="file or folder (default: current folder, the "
                                            "resource's name)")

    sub = command("update", cmd_update, "rename or annotate a resource")
    sub.add_argument("id")
    sub.add_argument("--name")
    sub.add_argument("--meta", action="append", default=[], metavar="KEY=VALUE")
    sub.add_argument("--unset", action="append", default=[], metavar="KEY",
                     help="remove a metadata key (repeatable)")
    sub.add_argument("--if-match", metavar="ETAG", help="only if unchanged since this ETag")

    sub = command("delete", cmd_delete, "delete a resource (results of a scene are kept)")
    sub.add_argument("id")
    sub.add_argument("--if-match", metavar="ETAG")

    sub = command("classify", cmd_classify, "classify a scene file (GeoTIFF, .npy or JSON pixels)")
    sub.add_argument("file")
    scene_options(sub)
    sub.add_argument("--content-type", help="media type (default: by suffix)")
    pictures(sub)
    sub.add_argument("--tiff", metavar="FILE", help="write the class map GeoTIFF")
    sub.add_argument("--albedo", metavar="FILE", help="write the albedo map GeoTIFF")

    sub = command("classify-stored", cmd_classify_stored,
                  "classify a stored scene; the result is stored as a new resource")
    sub.add_argument("id")
    scene_options(sub)
    pictures(sub)
    return parser


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer; got {text!r}")
    return value


def run() -> None:
    sys.exit(main())
