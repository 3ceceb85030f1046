"""Classification through the client and the command line, against the session app (trained
default models, Azurite)."""
from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import tifffile

from icesurf.cli import main
from icesurf.client import ApiError, Client
from tests.classify.scenes import npy_bytes, tiff_bytes
from tests.client.demo_scene import demo_scene
from tests.support.apphost import PROJECT_ROOT, AppHost

SCENE, EXPECTED = demo_scene()
EXAMPLE = PROJECT_ROOT / "icesurf" / "examples" / "demo-scene.tif"
VALID = EXPECTED != 0


@pytest.fixture(scope="module")
def scene_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("scenes")
    files = {"tiff": folder / "demo.tif", "npy": folder / "demo.npy"}
    files["tiff"].write_bytes(tiff_bytes(SCENE, geo=True))
    files["npy"].write_bytes(npy_bytes(SCENE))
    return files


def _agreement(codes: np.ndarray) -> float:
    return float((codes[VALID] == EXPECTED[VALID]).mean())


@pytest.mark.parametrize("kind", ["tiff", "npy"])
def test_classify_a_file_to_the_summary(classify_api: Client, scene_files, kind: str) -> None:
    progress: list[int] = []
    result = classify_api.classify(scene_files[kind], sensor="micasense",
                                   progress=lambda done, total: progress.append(done))
    assert progress[-1] == scene_files[kind].stat().st_size
    assert result.valid_pixels == int(VALID.sum())
    assert result.model_name == "icesurf-micasense" and result.model_version
    assert abs(sum(row.coverage for row in result.classes) - 1) < 1e-6
    by_code = {row.code: row for row in result.classes}
    for code in range(1, 7):
        expected_fraction = float((EXPECTED == code).sum() / VALID.sum())
        assert abs(by_code[code].coverage - expected_fraction) < 0.05, code
    assert by_code[1].mean_albedo > by_code[6].mean_albedo  # snow is brighter than heavy algae


def test_class_maps_in_every_format(classify_api: Client, scene_files) -> None:
    codes = classify_api.classify_map(scene_files["npy"], format="npy").array()
    assert codes.shape == EXPECTED.shape and _agreement(codes) > 0.9
    assert (codes[~VALID] == 0).all()
    tiff = classify_api.classify_map(scene_files["tiff"], format="tiff")
    assert tiff.media_type == "image/tiff" and tiff.model_version
    with tifffile.TiffFile(io.BytesIO(tiff.content)) as geotiff:
        assert (geotiff.pages[0].asarray() == codes).all()
        assert 33922 in geotiff.pages[0].tags  # georeferencing kept
    png = classify_api.classify_map(scene_files["npy"], format="png")
    assert png.content.startswith(b"\x89PNG")
    albedo = classify_api.classify_map(scene_files["npy"], format="npy", product="albedo").array()
    assert albedo.dtype == np.float32 and np.isnan(albedo[~VALID]).all()


def test_classify_pixels_labels_each_one(classify_api: Client) -> None:
    rows, cols = np.nonzero(VALID)
    picks = [(rows[i], cols[i]) for i in range(0, len(rows), 97)]
    result = classify_api.classify_pixels([SCENE[r, c].tolist() for r, c in picks],
                                          sensor="micasense")
    assert len(result.labels) == len(picks)
    agree = np.mean([label == EXPECTED[r, c] for label, (r, c) in zip(result.labels, picks)])
    assert agree > 0.9


def test_classify_a_stored_scene_and_fetch_the_result(classify_api: Client, scene_files) -> None:
    scene = classify_api.upload(scene_files["tiff"])
    result = classify_api.classify_stored(scene.id, sensor="micasense")
    stored = result.resource
    assert stored is not None and stored.kind == "classification" and stored.source == scene.id
    assert stored.model_version == result.model_version
    assert result.location and result.location.endswith(f"/resources/{stored.id}")
    codes = tifffile.imread(io.BytesIO(classify_api.content(stored.id)))
    assert _agreement(codes) > 0.9
    classify_api.delete(stored.id)
    classify_api.delete(scene.id)


def test_classification_problems_are_reported(classify_api: Client, scene_files) -> None:
    with pytest.raises(ApiError) as wrong_bands:
        classify_api.classify(scene_files["npy"], sensor="sentinel2")
    assert wrong_bands.value.status == 422 and "9" in wrong_bands.value.detail
    with pytest.raises(ApiError) as unreadable:
        classify_api.classify(b"not a tiff", content_type="image/tiff")
    assert unreadable.value.status == 400
    with pytest.raises(ApiError) as unsupported:
        classify_api.classify(b"GIF89a", content_type="image/gif")
    assert unsupported.value.status == 415


def test_model_card_and_versions(capsys, classify_api: Client) -> None:
    card = classify_api.current_model("micasense")
    assert card["name"] == "icesurf-micasense" and card["version"]
    assert any(card["version"] in json.dumps(entry) for entry in classify_api.models()["models"])
    assert main(["model", "--url", classify_api.base_url, "--sensor", "micasense"]) == 0
    shown = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert (shown["name"], shown["version"]) == (card["name"], card["version"])
    assert shown["bands"].startswith("blue 475 nm, green 560 nm")


def test_the_example_scene_is_the_demo_scene() -> None:
    assert np.array_equal(tifffile.imread(EXAMPLE), SCENE, equal_nan=True)


def test_classify_from_the_command_line_with_pictures(capsys, app: AppHost,
                                                      tmp_path: Path) -> None:
    """The walkthrough's command (docs/client.md) on the example scene."""
    png, chart, tif = tmp_path / "map.png", tmp_path / "coverage.png", tmp_path / "classes.tif"
    code = main(["classify", str(EXAMPLE), "--url", app.base_url + "/api",
                 "--sensor", "micasense", "--png", str(png), "--chart", str(chart),
                 "--tiff", str(tif), "--quiet"])
    out, err = capsys.readouterr()
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("model icesurf-micasense ") and "sensor micasense" in lines[0]
    for name in ("snow", "water", "cryoconite", "clean ice", "light algae", "heavy algae"):
        assert any(name in line and "%" in line for line in lines), name
    for picture in (png, chart):
        assert picture.read_bytes().startswith(b"\x89PNG")
    assert _agreement(tifffile.imread(tif)) > 0.9


def test_classify_stored_from_the_command_line(capsys, app: AppHost, scene_files,
                                               tmp_path: Path) -> None:
    url = app.base_url + "/api"
    with Client(url) as api:
        scene = api.upload(scene_files["npy"])
    png = tmp_path / "stored.png"
    code = main(["classify-stored", scene.id, "--url", url, "--png", str(png), "--json"])
    out, err = capsys.readouterr()
    assert code == 0, err
    document = json.loads(out)
    assert document["resource"]["source"] == scene.id
    assert png.read_bytes().startswith(b"\x89PNG")
