"""The classification API between HTTP and the model: parameters → scene → result → answer.

``POST /api/classify`` classifies the request body (:func:`classify_upload`); ``POST
/api/classify/{id}`` classifies a stored scene and stores the class map as a classification
resource (:func:`classify_stored`). The contract is in docs/classify.md.

Order of work, cheapest refusal first: query parameters (400), ``Accept`` (406), body size (413),
the image header (415/400/413/422), the model (503), and only then pixels are decoded and
classified.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import azure.functions as func
import numpy as np

from shared.http import json_response, media_type, negotiate
from shared.imagery import LAYOUTS, Scene, decode_scene
from shared.inference import ClassificationResult, classify_scene
from shared.model_artifact import LoadedModel
from shared.model_registry import current_model
from shared.ownership import owner_from_request
from shared.problems import Problem
from shared.raster_outputs import albedo_geotiff, class_map_geotiff, class_map_png, npy_bytes
from shared.resource_http import collection_path
from shared.resource_store import MAX_NAME_LENGTH, ResourceStore, normalize_id
from shared.settings import get_settings
from shared.surfaces import CLASSES, SENSORS, default_scale

JSON = "application/json"
TIFF = "image/tiff"
PNG = "image/png"
NPY = "application/x-npy"
OFFERED = (JSON, TIFF, PNG, NPY)
PRODUCTS = ("classes", "albedo")
RASTER_PRODUCTS = {TIFF: PRODUCTS, NPY: PRODUCTS, PNG: ("classes",)}


@dataclass(frozen=True)
class ClassifyParameters:
    """The query parameters of a classification request (None: not given)."""

    sensor: str | None
    scale: float | None
    nodata: float | None
    layout: str | None
    product: str


def parameters_from(req: func.HttpRequest) -> ClassifyParameters:
    """Parse and validate the query; any bad value is a 400 naming the parameter."""
    params = req.params
    unknown = sorted(set(params) - {"sensor", "scale", "nodata", "layout", "product", "code"})
    if unknown:
        raise _invalid("query", f"Unknown query parameter(s): {', '.join(unknown)}; this API takes "
                                f"sensor, scale, nodata, layout and product.")
    sensor = params.get("sensor")
    if sensor is not None and sensor not in SENSORS:
        raise _invalid("sensor", f"sensor must be one of {', '.join(SENSORS)}; got {sensor!r}.")
    scale = _number(params, "scale")
    if scale is not None and not (math.isfinite(scale) and scale > 0):
        raise _invalid("scale", f"scale must be a positive finite number; got {scale}.")
    layout = params.get("layout")
    if layout is not None and layout not in LAYOUTS:
        raise _invalid("layout", f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}.")
    product = params.get("product", "classes")
    if product not in PRODUCTS:
        raise _invalid("product", f"product must be one of {', '.join(PRODUCTS)}; got {product!r}.")
    return ClassifyParameters(sensor, scale, _number(params, "nodata"), layout, product)


def _number(params: Mapping[str, str], name: str) -> float | None:
    text = params.get(name)
    if text is None:
        return None
    try:
        return float(text)
    except ValueError:
        raise _invalid(name, f"{name} must be a number; got {text[:40]!r}.") from None


def _invalid(parameter: str, detail: str) -> Problem:
    return Problem(400, detail, slug="invalid-parameter", title="Invalid parameter",
                   extra={"parameter": parameter})


def resolve_sensor(requested: str | None, declared: str | None) -> str:
    """The query's sensor, else the one a JSON body declares, else DEFAULT_SENSOR."""
    sensor = requested or declared or get_settings().default_sensor
    if sensor not in SENSORS:
        raise _invalid("sensor", f"sensor must be one of {', '.join(SENSORS)}; got {sensor!r}.")
    if requested and declared and requested != declared:
        raise _invalid("sensor", f"The query names sensor {requested!r} but the body declares "
                                 f"{declared!r}.")
    return sensor


@dataclass(frozen=True)
class Classification:
    """A classified scene with everything needed to answer for it."""

    scene: Scene
    sensor: str
    scale: float
    nodata: float | None
    model: LoadedModel
    result: ClassificationResult


def classify_body(body: bytes, content_type: str, parameters: ClassifyParameters
                  ) -> Classification:
    """Decode ``body`` (header-checked first) and classify it with the sensor's current model."""
    settings = get_settings()
    if len(body) > settings.max_upload_bytes:
        raise Problem(413, f"The body has {len(body)} bytes; at most {settings.max_upload_bytes} "
                           f"are accepted.", slug="body-too-large", title="Body too large",
                      extra={"max_bytes": settings.max_upload_bytes})
    scene = decode_scene(
        body, content_type, layout=parameters.layout, max_pixels=settings.max_pixels,
        band_count=lambda declared: SENSORS[resolve_sensor(parameters.sensor, declared)].band_count)
    sensor = resolve_sensor(parameters.sensor, scene.declared_sensor)
    model = current_model(sensor)
    scale = parameters.scale if parameters.scale is not None else default_scale(
        sensor, scene.pixels.dtype)
    nodata = parameters.nodata if parameters.nodata is not None else scene.nodata
    result = classify_scene(model, scene.pixels, scale=scale, nodata=nodata)
    return Classification(scene, sensor, scale, nodata, model, result)


def classify_upload(req: func.HttpRequest) -> func.HttpResponse:
    """POST /api/classify: the body's classification in the representation ``Accept`` asks for."""
    parameters = parameters_from(req)
    chosen = negotiate(req, OFFERED)
    if chosen in RASTER_PRODUCTS and parameters.product not in RASTER_PRODUCTS[chosen]:
        raise _invalid("product", f"{chosen} offers product {', '.join(RASTER_PRODUCTS[chosen])} "
                                  f"only.")
    done = classify_body(req.get_body(), media_type(req), parameters)
    headers = model_headers(done.model)
    if chosen == JSON:
        return json_response(summary_document(done, labels=done.scene.is_pixel_list),
                             headers=headers)
    return func.HttpResponse(_raster(done, chosen, parameters.product),
                             headers={"Content-Type": chosen, **headers})


def classify_stored(req: func.HttpRequest, raw_id: str) -> func.HttpResponse:
    """POST /api/classify/{id}: classify the caller's stored scene, store the class map GeoTIFF
    as a classification resource, answer 201 with its ``Location`` and the summary."""
    parameters = parameters_from(req)
    negotiate(req, (JSON,))
    scene_id = normalize_id(raw_id)
    owner = owner_from_request(req)
    store = ResourceStore()
    record, content = store.read(owner, scene_id)
    if record.kind != "scene":
        raise Problem(409, f"Resource {scene_id} is a {record.kind}, not a scene.",
                      slug="not-a-scene")
    done = classify_body(content, record.content_type.split(";", 1)[0].strip().lower(), parameters)
    suffix = " classes.tif"
    result = store.create(owner, _raster(done, TIFF, "classes"), kind="classification",
                          content_type=TIFF,
                          name=record.name[:MAX_NAME_LENGTH - len(suffix)] + suffix,
                          source=scene_id, model_version=done.model.version)
    # The resources collection beside /api/classify, whatever the route prefix.
    location = f"{collection_path(req).rsplit('/', 1)[0]}/resources/{result.id}"
    document = summary_document(done, labels=False)
    document["resource"] = result.to_json()
    return json_response(document, status=201,
                         headers={"Location": location, **model_headers(done.model)})


def model_headers(model: LoadedModel) -> dict[str, str]:
    return {"X-Model-Name": model.name, "X-Model-Version": model.version,
            "X-Model-Sha256": model.sha256}


def _raster(done: Classification, chosen: str, product: str) -> bytes:
    result, scene = done.result, done.scene
    if chosen == PNG:
        return class_map_png(result.class_map, PALETTE)
    if chosen == NPY:
        array = result.albedo if product == "albedo" else result.class_map
        return npy_bytes(array[:, 0] if scene.is_pixel_list else array)
    metadata = gdal_metadata(done)
    if product == "albedo":
        return albedo_geotiff(result.albedo, georeferencing=scene.georeferencing,
                              metadata=metadata)
    return class_map_geotiff(result.class_map, georeferencing=scene.georeferencing,
                             metadata=metadata)


PALETTE = [(0, 0, 0)] + [surface.colour for surface in CLASSES]


def gdal_metadata(done: Classification) -> dict[str, str]:
    """Dataset metadata written into raster answers: what the codes mean and who made them."""
    items = {f"CLASS_{surface.code}": surface.name for surface in CLASSES}
    items.update(NODATA_MEANING="0 in the class map, NaN in the albedo map: masked pixel",
                 MODEL_NAME=done.model.name, MODEL_VERSION=done.model.version,
                 MODEL_SHA256=done.model.sha256, SENSOR=done.sensor, SCALE=repr(done.scale))
    return items


def summary_document(done: Classification, *, labels: bool) -> dict[str, Any]:
    """The JSON answer: the result's summary plus request context; per-pixel labels on demand."""
    result, scene = done.result, done.scene
    document = result.summary()
    document.update(
        sensor=done.sensor,
        shape=[scene.pixels.shape[0]] if scene.is_pixel_list else list(scene.pixels.shape[:2]),
        bands=scene.pixels.shape[2],
        scale=done.scale,
        nodata=None if done.nodata is None or math.isnan(done.nodata) else done.nodata,
        model={"name": done.model.name, "version": done.model.version,
               "sha256": done.model.sha256})
    if labels:
        codes = result.class_map[:, 0]
        names = np.array([None] + [surface.name for surface in CLASSES], dtype=object)
        document["labels"] = codes.tolist()
        document["label_names"] = names[codes].tolist()
    return document
