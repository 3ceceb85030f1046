"""Labelled field spectra: a user's own, or the 2017 Black & Bloom spectra, sampled at band centres.

Layout (that of the field files): a CSV with one row per wavelength and one column per site. The
first column holds the wavelength in nm (header ``Wavelength``) or, when its header is empty, a row
index where row *i* is (350 + *i*) nm (the ASD FieldSpec convention). Labels come from a second CSV
with a ``site_id`` column and a class column (``isc_label_codes`` or ``label``) holding a class
code 1-6 or short name (SN, WAT, CC, CI, LA, HA); empty or ambiguous ("5;2") labels are skipped.

Bands are sampled at their centre wavelength (1 nm rows, no spectral-response convolution), as the
original classifier was trained.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.surfaces import CLASSES, SENSORS

ASD_FIRST_NM = 350
LABEL_COLUMNS = ("isc_label_codes", "label")
_CODE_BY_TEXT = {**{str(c.code): c.code for c in CLASSES}, **{c.short: c.code for c in CLASSES}}


@dataclass(frozen=True)
class Spectra:
    """Spectra as (wavelength, site) values; duplicate site columns keep their first copy only."""

    wavelengths_nm: np.ndarray
    sites: tuple[str, ...]
    values: np.ndarray

    def column(self, site: str) -> np.ndarray:
        return self.values[:, self.sites.index(site)]

    def at(self, centres_nm: tuple[int, ...]) -> np.ndarray:
        """(sites, bands) values at each centre's row (within 1 nm, else ValueError)."""
        rows = [int(np.abs(self.wavelengths_nm - nm).argmin()) for nm in centres_nm]
        for nm, row in zip(centres_nm, rows):
            if abs(self.wavelengths_nm[row] - nm) > 1:
                raise ValueError(f"the spectra have no value at {nm} nm (nearest: "
                                 f"{self.wavelengths_nm[row]:g} nm)")
        return self.values[rows, :].T


def read_spectra(path: Path) -> Spectra:
    with open(path, newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [row for row in reader if row]
    table = np.array([[float(cell) if cell.strip() not in ("", "nan", "NaN") else np.nan
                       for cell in row] for row in rows])
    first = table[:, 0]
    wavelengths = first if header[0].strip() else first + ASD_FIRST_NM
    keep = [j for j, name in enumerate(header) if j > 0 and name not in header[1:j]]
    return Spectra(wavelengths, tuple(header[j] for j in keep), table[:, keep])


def read_labels(path: Path) -> dict[str, int]:
    """site → class code, for the sites with one unambiguous label."""
    labels: dict[str, int] = {}
    with open(path, newline="") as handle:
        for row in csv.DictReader(handle):
            text = next((row[c] for c in LABEL_COLUMNS if c in row), "").strip().upper()
            if text in _CODE_BY_TEXT:
                labels[row["site_id"]] = _CODE_BY_TEXT[text]
    return labels


@dataclass(frozen=True)
class LabelledSamples:
    sites: tuple[str, ...]
    features: np.ndarray  # (sites, bands) reflectance
    labels: np.ndarray    # (sites,) class codes


def labelled_band_samples(spectra: Spectra, labels: dict[str, int], sensor: str) -> LabelledSamples:
    """Band-centre samples of every labelled site whose bands are all finite."""
    return labelled_samples_at(spectra, labels, SENSORS[sensor].wavelengths_nm)


def labelled_samples_at(spectra: Spectra, labels: dict[str, int],
                        centres_nm: tuple[int, ...]) -> LabelledSamples:
    """Samples at ``centres_nm`` of every labelled site whose values there are all finite."""
    values = spectra.at(centres_nm)
    chosen = [i for i, site in enumerate(spectra.sites)
              if site in labels and np.isfinite(values[i]).all()]
    return LabelledSamples(tuple(spectra.sites[i] for i in chosen), values[chosen],
                           np.array([labels[spectra.sites[i]] for i in chosen], dtype=np.int64))


def black_and_bloom_hcrf(data_dir: Path) -> Spectra:
    """The 2017 HCRF reconstructed as ARF x albedo (see the data folder's README).

    The second ``25_7_S1`` column of ARF_master.csv does not match and is dropped by
    :func:`read_spectra`'s keep-the-first-copy rule.
    """
    albedo = read_spectra(data_dir / "Albedo_master.csv")
    arf = read_spectra(data_dir / "ARF_master.csv")
    sites = tuple(s for s in arf.sites if s in albedo.sites)
    values = np.stack([arf.column(s) * albedo.column(s) for s in sites], axis=1)
    return Spectra(arf.wavelengths_nm, sites, values)
