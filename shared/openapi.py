"""The OpenAPI 3.1 description of the whole IceSurf API, served at ``GET /api/openapi.json``.

Built from the same constants the handlers use (limits, kinds, sensors, layouts, media types), so
the document cannot drift from them; ``tests/reliability/test_openapi.py`` checks it against every
``function.json`` (routes, methods, route prefix) and against the answers the running app gives.

Conventions of the document:

* every operation names the function folder that serves it (``x-azure-function``);
* every error body is ``application/problem+json`` (RFC 9457, schema ``Problem``); the host's own
  refusals have an empty body (401 missing/wrong key, 429 throttled);
* every operation but the anonymous ones (health, this document, the page) needs a function key:
  header ``x-functions-key`` or query ``code``.
"""
from __future__ import annotations

from typing import Any

from shared import __version__
from shared.imagery import LAYOUTS, NPY_MEDIA_TYPES, TIFF_MEDIA_TYPES
from shared.ownership import MAX_PRINCIPAL_ID_LENGTH, PRINCIPAL_HEADER
from shared.problems import PROBLEM_MEDIA_TYPE
from shared.resource_http import MERGE_PATCH_MEDIA_TYPE
from shared.resource_store import (DEFAULT_LIST_LIMIT, KINDS, MAX_LIST_LIMIT, MAX_NAME_LENGTH,
                                   METADATA_BYTES_CEILING)
from shared.surfaces import SENSORS
from shared.ui_page import ASSET_TYPES

SENSOR_NAMES = tuple(SENSORS)
CLASSIFY_PRODUCTS = ("classes", "albedo")
RASTER_MEDIA_TYPES = ("image/tiff", "image/png", "application/x-npy")

JsonObject = dict[str, Any]

_UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
_BINARY = {"type": "string", "format": "binary"}
_REF = "#/components/{}/{}"


def _ref(section: str, name: str) -> JsonObject:
    return {"$ref": _REF.format(section, name)}


def _header(description: str, schema: JsonObject | None = None, required: bool = True
            ) -> JsonObject:
    return {"description": description, "required": required,
            "schema": schema or {"type": "string"}}


def _query(name: str, schema: JsonObject, description: str | None = None) -> JsonObject:
    """An optional query parameter. The host drops query parameters with an empty value before the
    function sees them, so ``name=`` means the same as leaving it out (``allowEmptyValue``)."""
    parameter: JsonObject = {"name": name, "in": "query", "required": False,
                             "allowEmptyValue": True, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def _json_answer(description: str, schema: JsonObject, headers: JsonObject | None = None
                 ) -> JsonObject:
    answer: JsonObject = {"description": description,
                          "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = headers
    return answer


def _problem(description: str, headers: JsonObject | None = None) -> JsonObject:
    answer: JsonObject = {"description": description,
                          "content": {PROBLEM_MEDIA_TYPE: {"schema": _ref("schemas", "Problem")}}}
    if headers:
        answer["headers"] = headers
    return answer


# Answers that every operation can get: the host's throttle, and a dependency outage.
_THROTTLED = {"$ref": "#/components/responses/Throttled"}
_UNAVAILABLE = {"$ref": "#/components/responses/Unavailable"}
_UNAUTHORIZED = {"$ref": "#/components/responses/Unauthorized"}
_BAD_REQUEST = {"$ref": "#/components/responses/BadRequest"}
_NOT_FOUND = {"$ref": "#/components/responses/NotFound"}


def _operation(function: str, operation_id: str, summary: str, responses: JsonObject, *,
               anonymous: bool = False, parameters: list[JsonObject] | None = None,
               request_body: JsonObject | None = None, tag: str) -> JsonObject:
    """One operation with the answers every operation shares added (401 unless anonymous)."""
    shared_answers: JsonObject = {"429": _THROTTLED}
    if not anonymous:
        shared_answers["401"] = _UNAUTHORIZED
    operation: JsonObject = {
        "operationId": operation_id, "summary": summary, "tags": [tag],
        "x-azure-function": function,
        "responses": dict(sorted({**shared_answers, **responses}.items())),
    }
    if anonymous:
        operation["security"] = []
    if parameters:
        operation["parameters"] = parameters
    if request_body:
        operation["requestBody"] = request_body
    return operation


# ---------------------------------------------------------------------------------------------
# Schemas

def _schemas() -> JsonObject:
    nullable_string = {"type": ["string", "null"]}
    metadata = {
        "type": "object", "additionalProperties": {"type": "string"},
        "propertyNames": {"minLength": 1},
        "description": f"A flat object of strings, at most MAX_METADATA_BYTES (at most "
                       f"{METADATA_BYTES_CEILING}) bytes as compact UTF-8 JSON.",
    }
    resource = {
        "type": "object",
        "required": ["id", "kind", "name", "content_type", "size", "sha256", "created", "updated",
                     "etag", "metadata", "source", "model_version"],
        "properties": {
            "id": {"type": "string", "pattern": _UUID_PATTERN},
            "kind": {"enum": list(KINDS)},
            "name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
            "content_type": {"type": "string"},
            "size": {"type": "integer", "minimum": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "created": {"type": "string", "format": "date-time"},
            "updated": {"type": "string", "format": "date-time"},
            "etag": {"type": "string"},
            "metadata": _ref("schemas", "Metadata"),
            "source": {"type": ["string", "null"], "description": "classifications: the scene's id"},
            "model_version": nullable_string,
        },
    }
    model = {"type": "object", "required": ["name", "version", "sha256"],
             "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                            "sha256": {"type": "string"}}}
    per_class_number = {"type": "object", "additionalProperties": {"type": ["number", "null"]}}
    summary = {
        "type": "object",
        "required": ["sensor", "shape", "bands", "scale", "nodata", "model"],
        "properties": {
            "sensor": {"enum": list(SENSOR_NAMES)},
            "shape": {"type": "array", "items": {"type": "integer", "minimum": 1},
                      "minItems": 1, "maxItems": 2},
            "bands": {"type": "integer", "minimum": 1},
            "scale": {"type": "number"},
            "nodata": {"type": ["number", "null"]},
            "model": _ref("schemas", "ModelIdentity"),
            "labels": {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 6},
                       "description": "JSON pixel input only: the class code of every pixel "
                                      "(0 = masked)"},
            "label_names": {"type": "array", "items": nullable_string},
        },
        "additionalProperties": True,
        "description": "Also the per-class pixel counts, coverage fractions and mean albedo "
                       "(overall and per class) of the classification.",
    }
    stored = {"allOf": [_ref("schemas", "ClassificationSummary"),
                        {"type": "object", "required": ["resource"],
                         "properties": {"resource": _ref("schemas", "Resource")}}]}
    pixel_value = {"type": ["number", "null"], "description": "null is a missing value (masked)"}

    def pixels_of(sensor: str) -> JsonObject:
        bands = SENSORS[sensor].band_count
        return {"type": "object", "required": ["pixels", "sensor"],
                "properties": {
                    "pixels": {"type": "array", "minItems": 1, "items": {
                        "type": "array", "minItems": bands, "maxItems": bands,
                        "items": pixel_value}},
                    "sensor": {"const": sensor}}}

    pixels = {
        "description": "One list of band values per pixel, in the sensor's band order. Without "
                       "`sensor` (absent or null here, absent in the query) the DEFAULT_SENSOR "
                       "setting applies.",
        "anyOf": [pixels_of(sensor) for sensor in SENSOR_NAMES] + [{
            "type": "object", "required": ["pixels"],
            "properties": {"pixels": {"type": "array", "minItems": 1, "items": {
                "type": "array", "minItems": 1, "items": pixel_value}},
                "sensor": {"type": "null"}}}],
    }
    return {
        "Problem": {
            "type": "object", "required": ["type", "title", "status", "detail"],
            "properties": {"type": {"type": "string"}, "title": {"type": "string"},
                           "status": {"type": "integer", "minimum": 400, "maximum": 599},
                           "detail": {"type": "string"}, "instance": {"type": "string"}},
            "additionalProperties": True,
            "description": "RFC 9457 problem details; `type` is /problems/<slug>.",
        },
        "Metadata": metadata,
        "Resource": resource,
        "ResourceList": {
            "type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": _ref("schemas", "Resource")},
                           "next_cursor": nullable_string},
        },
        "ResourcePatch": {
            "type": "object", "additionalProperties": False,
            "properties": {"name": {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH},
                           "metadata": {"type": ["object", "null"],
                                        "additionalProperties": nullable_string}},
            "description": "RFC 7396 merge patch of name and metadata (null removes a key).",
        },
        "ModelIdentity": model,
        "ClassificationSummary": summary,
        "StoredClassification": stored,
        "PixelRequest": pixels,
        "ModelCard": {
            "type": "object", "required": ["name", "version", "sha256"],
            "properties": {"name": {"type": "string"}, "version": {"type": "string"},
                           "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
                           "sensor": {"enum": list(SENSOR_NAMES)}},
            "additionalProperties": True,
            "description": "The model's manifest: also its creation time, library versions, band "
                           "order and wavelengths, classes, training data and evaluation metrics.",
        },
        "ModelCatalogue": {
            "type": "object", "required": ["models"],
            "properties": {"models": {"type": "array", "items": {
                "type": "object", "required": ["name", "sensor", "current", "serving", "versions"],
                "properties": {
                    "name": {"type": "string"}, "sensor": {"enum": list(SENSOR_NAMES)},
                    "current": nullable_string, "serving": nullable_string,
                    "versions": {"type": "array", "items": {
                        "type": "object", "required": ["version"],
                        "properties": {"version": {"type": "string"},
                                       "published": {"type": "string"}}}}}}}},
        },
        "Health": {
            "type": "object", "required": ["status", "version", "storage"],
            "properties": {"status": {"enum": ["ok", "degraded", "unavailable"]},
                           "version": {"type": "string"},
                           "credential_source": {"enum": ["identity", "key-vault",
                                                          "connection-string", None]},
                           "storage": {"type": "object", "required": ["status"]}},
            "additionalProperties": True,
            "description": "degraded: still serving, but a cached secret is stale or the last "
                           "model load failed. Never holds a secret.",
        },
    }


# ---------------------------------------------------------------------------------------------
# Parameters, headers, shared responses

def _parameters() -> JsonObject:
    def header(name: str, description: str) -> JsonObject:
        return {"name": name, "in": "header", "required": False, "description": description,
                "schema": {"type": "string"}}

    return {
        "ResourceId": {"name": "id", "in": "path", "required": True,
                       "description": "the resource's UUID (case-insensitive)",
                       "schema": {"type": "string", "pattern": _UUID_PATTERN}},
        "Principal": {"name": PRINCIPAL_HEADER, "in": "header", "required": False,
                      "description": "set by App Service authentication: the caller's principal "
                                     "id; selects the caller's own namespace (absent or "
                                     "blank: the shared namespace)",
                      "schema": {"type": "string", "maxLength": MAX_PRINCIPAL_ID_LENGTH,
                                 "pattern": "^[^\\x00-\\x1f\\x7f]*$"}},
        "IfMatch": header("If-Match", "`*` or a list of entity tags (strong comparison)"),
        "IfNoneMatch": header("If-None-Match", "`*` or a list of entity tags (weak comparison)"),
        "Name": _query("name", {"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH,
                                "pattern": "^[\\x20-\\x7e]*[\\x21-\\x7e][\\x20-\\x7e]*$"},
                       "display name (default: the file name, else the id)"),
    }


def _responses() -> JsonObject:
    retry_after = {"Retry-After": _header("seconds to wait", {"type": "string",
                                                              "pattern": "^[0-9]+$"})}
    return {
        "Unauthorized": {"description": "function key missing or wrong (empty body)"},
        "Throttled": {"description": "the host's request queue is full (empty body, "
                                     "X-FUNCTION-SCALEOUT: 1)"},
        "Unavailable": _problem("storage or model unavailable; retry after Retry-After seconds",
                                retry_after),
        "BadRequest": _problem("malformed request: id, query, header or body"),
        "NotFound": _problem("no such resource for this caller (someone else's is 404 too)"),
    }


# ---------------------------------------------------------------------------------------------
# Paths

def _resource_paths() -> JsonObject:
    fn, tag = "ResourceFunction", "resources"
    identifier = _ref("parameters", "ResourceId")
    principal = _ref("parameters", "Principal")
    conditions = [_ref("parameters", "IfMatch"), _ref("parameters", "IfNoneMatch")]
    record_headers = {"ETag": _header("the record's entity tag"),
                      "Cache-Control": _header("private, no-cache")}
    created_headers = {**record_headers, "Location": _header("the new resource's URL")}
    record = _ref("schemas", "Resource")
    upload_body = {
        "required": True,
        "description": "the file itself (any media type; it becomes the content type), or "
                       "multipart/form-data with a `file` part and an optional `metadata` part "
                       "(a JSON object).",
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "required": ["file"],
                           "properties": {"file": _BINARY, "metadata": _ref("schemas", "Metadata")}},
                "encoding": {"metadata": {"contentType": "application/json"}}},
            "*/*": {"schema": _BINARY},
        },
    }
    write_answers = {
        "400": _BAD_REQUEST,
        "409": _problem("a classification cannot be replaced, or the resource kept changing"),
        "412": _problem("If-Match / If-None-Match does not hold"),
        "413": _problem("body over MAX_UPLOAD_BYTES (beyond 100 MB the host answers 413 with "
                        "an empty body)"),
        "422": _problem("invalid name or metadata"),
        "503": _UNAVAILABLE,
    }
    not_modified = {"description": "If-None-Match matched (no body)",
                    "headers": {"ETag": _header("the current entity tag")}}
    content_headers = {
        "ETag": _header("the content's entity tag"),
        "Accept-Ranges": _header("bytes"),
        "Content-Disposition": _header("attachment with the resource's name"),
        "Repr-Digest": _header("RFC 9530 sha-256 of the whole content"),
    }
    return {
        "/resources": {
            "get": _operation(fn, "listResources", "List the caller's resources (by id: "
                                                   "creation order for server-assigned ids)", {
                "200": _json_answer("a page of records", _ref("schemas", "ResourceList"), {
                    "Link": _header('next page: <...>; rel="next"', required=False),
                    "Cache-Control": _header("private, no-cache")}),
                "400": _BAD_REQUEST, "503": _UNAVAILABLE,
            }, tag=tag, parameters=[
                _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIST_LIMIT,
                                 "default": DEFAULT_LIST_LIMIT}),
                _query("cursor", {"type": "string", "minLength": 1},
                       "the previous page's next_cursor (opaque)"),
                _query("kind", {"enum": list(KINDS)}),
                principal]),
            "post": _operation(fn, "createResource", "Upload a scene", {
                "201": _json_answer("created", record, created_headers), **write_answers,
            }, tag=tag, parameters=[_ref("parameters", "Name"), principal],
                request_body=upload_body),
        },
        "/resources/{id}": {
            "parameters": [identifier, principal],
            "get": _operation(fn, "getResource", "A resource's record", {
                "200": _json_answer("the record", record, record_headers),
                "304": not_modified, "400": _BAD_REQUEST, "404": _NOT_FOUND,
                "412": _problem("If-Match does not hold"), "503": _UNAVAILABLE,
            }, tag=tag, parameters=conditions),
            "put": _operation(fn, "putResource", "Create or replace a scene at a chosen id", {
                "200": _json_answer("replaced", record, record_headers),
                "201": _json_answer("created", record, created_headers), **write_answers,
            }, tag=tag, parameters=[*conditions, _ref("parameters", "Name")],
                request_body=upload_body),
            "patch": _operation(fn, "patchResource", "Change name and metadata (merge patch)", {
                "200": _json_answer("the updated record", record, record_headers),
                "400": _BAD_REQUEST, "404": _NOT_FOUND,
                "409": _problem("the resource kept changing"),
                "412": _problem("If-Match / If-None-Match does not hold"),
                "415": _problem(f"not {MERGE_PATCH_MEDIA_TYPE}",
                                {"Accept-Patch": _header(MERGE_PATCH_MEDIA_TYPE)}),
                "422": _problem("the patch is not an object, names read-only members, or makes "
                                "the name or metadata invalid"),
                "503": _UNAVAILABLE,
            }, tag=tag, parameters=conditions, request_body={
                "required": True,
                "content": {MERGE_PATCH_MEDIA_TYPE: {"schema": _ref("schemas", "ResourcePatch")}}}),
            "delete": _operation(fn, "deleteResource", "Delete a resource (its results are kept)", {
                "204": {"description": "deleted"},
                "400": _BAD_REQUEST, "404": _NOT_FOUND,
                "409": _problem("the resource kept changing"),
                "412": _problem("If-Match / If-None-Match does not hold"), "503": _UNAVAILABLE,
            }, tag=tag, parameters=conditions),
        },
        "/resources/{id}/content": {
            "parameters": [identifier, principal],
            "get": _operation(fn, "getResourceContent", "A resource's bytes (single ranges)", {
                "200": {"description": "the whole content", "headers": content_headers,
                        "content": {"*/*": {"schema": _BINARY}}},
                "206": {"description": "one byte range",
                        "headers": {**content_headers,
                                    "Content-Range": _header("bytes first-last/size")},
                        "content": {"*/*": {"schema": _BINARY}}},
                "304": not_modified, "400": _BAD_REQUEST, "404": _NOT_FOUND,
                "412": _problem("If-Match does not hold"),
                "416": _problem("the range starts beyond the content",
                                {"Content-Range": _header("bytes */size")}),
                "503": _UNAVAILABLE,
            }, tag=tag, parameters=[
                *conditions,
                {"name": "Range", "in": "header", "required": False,
                 "description": "one byte range; several ranges or other units are ignored",
                 "schema": {"type": "string"}},
                {"name": "If-Range", "in": "header", "required": False,
                 "schema": {"type": "string"}}]),
        },
    }


def _classify_paths() -> JsonObject:
    fn, tag = "ClassifyFunction", "classification"
    query = [
        _query("sensor", {"enum": list(SENSOR_NAMES)},
               "default: the JSON body's sensor, else DEFAULT_SENSOR"),
        _query("scale", {"type": "number", "exclusiveMinimum": 0},
               "reflectance = value / scale (default by sensor and dtype)"),
        _query("nodata", {"type": "number"},
               "value masked like NaN (default: the file's GDAL_NODATA)"),
        _query("layout", {"enum": list(LAYOUTS)},
               ".npy only: where the band axis is (detected otherwise)"),
    ]
    model_headers = {"X-Model-Name": _header("the model's name"),
                     "X-Model-Version": _header("the model's version"),
                     "X-Model-Sha256": _header("the model file's sha256")}
    image_body = {
        "required": True,
        "content": {
            **{media: {"schema": _BINARY} for media in sorted(TIFF_MEDIA_TYPES)},
            **{media: {"schema": _BINARY} for media in sorted(NPY_MEDIA_TYPES)},
            "application/json": {"schema": _ref("schemas", "PixelRequest")},
            "application/octet-stream": {"schema": {**_BINARY, "description": "TIFF or .npy, "
                                                                        "told by its magic bytes"}},
        },
    }
    refusals = {
        "400": _problem("bad parameter, unreadable or truncated image, ambiguous layout, bad id"),
        "406": _problem("Accept names nothing this operation produces"),
        "413": _problem("body over MAX_UPLOAD_BYTES, or more pixels than MAX_PIXELS"),
        "415": _problem("unsupported body media type, TIFF encoding or array dtype"),
        "422": _problem("wrong band count for the sensor, or an image of other dimensions"),
        "503": _UNAVAILABLE,
    }
    return {
        "/classify": {
            "post": _operation(fn, "classify", "Classify the body's imagery", {
                "200": {"description": "the classification, as Accept chose (JSON by default); "
                                       "image/png offers product=classes only",
                        "headers": model_headers,
                        "content": {"application/json": {
                            "schema": _ref("schemas", "ClassificationSummary")},
                            **{media: {"schema": _BINARY} for media in RASTER_MEDIA_TYPES}}},
                **refusals,
            }, tag=tag, request_body=image_body, parameters=[
                *query,
                _query("product", {"enum": list(CLASSIFY_PRODUCTS), "default": "classes"},
                       "raster answers: the class map or the albedo map")]),
        },
        "/classify/{id}": {
            "post": _operation(fn, "classifyStored", "Classify a stored scene, store the class "
                                                     "map GeoTIFF as a classification resource", {
                "201": _json_answer("the summary and the new resource",
                                    _ref("schemas", "StoredClassification"),
                                    {"Location": _header("the classification resource's URL"),
                                     **model_headers}),
                "404": _NOT_FOUND,
                "409": _problem("the resource is not a scene"),
                **refusals,
            }, tag=tag, parameters=[_ref("parameters", "ResourceId"),
                                    _ref("parameters", "Principal"), *query]),
        },
    }


def _model_paths() -> JsonObject:
    fn, tag = "ModelsFunction", "models"
    no_store = {"Cache-Control": _header("no-store")}
    sensor = _query("sensor", {"enum": list(SENSOR_NAMES)}, "default: DEFAULT_SENSOR")
    bad_query = _problem("unknown query parameter or sensor")
    return {
        "/models": {
            "get": _operation(fn, "listModels", "Model names, their versions, the registry's "
                                                "current version and the one this instance serves", {
                "200": _json_answer("the catalogue", _ref("schemas", "ModelCatalogue"), no_store),
                "400": bad_query, "503": _UNAVAILABLE,
            }, tag=tag),
        },
        "/models/current": {
            "get": _operation(fn, "currentModel", "The model card (manifest) of the model this "
                                                  "instance serves for a sensor", {
                "200": _json_answer("the manifest", _ref("schemas", "ModelCard"),
                                    {**no_store, "ETag": _header("the model file's sha256")}),
                "400": bad_query, "503": _UNAVAILABLE,
            }, tag=tag, parameters=[sensor]),
        },
    }


def _page_paths() -> JsonObject:
    fn, tag = "UiFunction", "page"
    headers = {"ETag": _header("the file's entity tag"),
               "Content-Security-Policy": _header("the page's policy: nothing from other origins")}
    not_modified = {"description": "If-None-Match matched (no body)", "headers": headers}
    page = {"200": {"description": "the page", "headers": headers,
                    "content": {"text/html": {"schema": {"type": "string"}}}},
            "304": not_modified}
    asset_types = sorted({media.split(";", 1)[0] for media in ASSET_TYPES.values()})
    return {
        "/ui": {"get": _operation(fn, "page", "A page to try the API in a browser", page,
                                  anonymous=True, tag=tag)},
        "/ui/{asset}": {"get": _operation(fn, "pageFile", "One of the page's files", {
            "200": {"description": "the file", "headers": headers,
                    "content": {media: {"schema": {"type": "string"}} for media in asset_types}},
            "304": not_modified,
            "404": _problem("the page has no such file"),
        }, anonymous=True, tag=tag, parameters=[
            {"name": "asset", "in": "path", "required": True,
             "schema": {"enum": list(ASSET_TYPES)}}])},
    }


def _service_paths() -> JsonObject:
    return {
        "/health": {
            "get": _operation("HealthFunction", "health", "Is the app and its storage up", {
                "200": _json_answer("healthy", _ref("schemas", "Health"),
                                    {"Cache-Control": _header("no-store")}),
                "503": _json_answer("storage unreachable or misconfigured",
                                    _ref("schemas", "Health"),
                                    {"Retry-After": _header("seconds to wait")}),
            }, anonymous=True, tag="service"),
        },
        "/openapi.json": {
            "get": _operation("OpenApiFunction", "openapi", "This document", {
                "200": _json_answer("the OpenAPI 3.1 document", {"type": "object"}),
            }, anonymous=True, tag="service"),
        },
    }


def openapi_document(server_url: str = "/api") -> JsonObject:
    """The whole API's OpenAPI 3.1 document; ``server_url`` is the route prefix it is served at."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "IceSurf API", "version": __version__,
            "summary": "Classify Greenland ice-sheet surfaces from multispectral reflectance.",
            "description": "Upload scenes, classify them (snow, water, cryoconite, clean ice, light "
                           "and heavy algae) and manage stored scenes and results. Errors are RFC "
                           "9457 problem details.",
        },
        "servers": [{"url": server_url}],
        "security": [{"functionKey": []}, {"functionKeyQuery": []}],
        "tags": [{"name": name}
                 for name in ("resources", "classification", "models", "page", "service")],
        "paths": {**_resource_paths(), **_classify_paths(), **_model_paths(), **_page_paths(),
                  **_service_paths()},
        "components": {
            "securitySchemes": {
                "functionKey": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
                "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
            },
            "schemas": _schemas(),
            "parameters": _parameters(),
            "responses": _responses(),
        },
    }
