"""The catalog: every config fits its schema, and every number carries its source."""

import csv
from pathlib import Path

import pytest
import yaml

from carbonspec import catalog

CONF = catalog.CONF_DIR
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"

SEED_MODELS = [
    "bloom",
    "opt_175b",
    "gpt3",
    "gopher",
    "llama2_7b",
    "llama2_13b",
    "llama2_34b",
    "llama2_70b",
    "deepseek_v3",
    "llama3_3_70b",
    "llama3_1_405b",
    "nemotron4_340b",
    "nemotron3_8b",
    "megascale",
    "gemini1_ultra",
    "falcon_180b",
    "openvla",
    "funsearch",
    "volcano_13b",
    "sphinx",
    "llava1_5",
]
MODERN_HARDWARE = [
    "a100_sxm4_40gb",
    "a100_sxm4_80gb",
    "a100_pcie_40gb",
    "a100_pcie_80gb",
    "a800_sxm",
    "h100_sxm",
    "h100_pcie",
    "h100_nvl",
    "h800_sxm",
    "h200_sxm",
    "b200",
    "l40s",
    "l4",
    "t4",
    "v100_sxm2_16gb",
    "v100_sxm2_32gb",
    "v100_pcie_16gb",
    "tpu_v2",
    "tpu_v3",
    "tpu_v4",
    "mi250x",
    "mi300x",
    "gaudi2",
    "gaudi3",
]
PROVIDERS = ["aws", "gcp", "azure", "coreweave", "ovh", "scaleway", "seeweb", "private"]
SOURCELESS_SUFFIXES = ("_year",)  # years describe a source; they are not facts of their own


def all_files():
    return sorted(p for p in CONF.rglob("*.yaml") if p.name != "config.yaml")


def source_keys(key: str) -> set[str]:
    stem = key.rsplit("_", 1)[0]
    keys = {f"{key}_source", "source", f"{stem}_source"}
    for bound in ("_low", "_high"):
        if bound in key:
            keys.add(key.split(bound)[0] + "_range_source")
    return keys


def unsourced(node, path=""):
    """Numbers in a mapping with no non-empty source beside them."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from unsourced(item, f"{path}[{i}]")
        return
    if not isinstance(node, dict):
        return
    if "seed" in node:  # a seed table row: its numbers are the seed's own inputs
        return
    for key, value in node.items():
        here = f"{path}.{key}" if path else str(key)
        if isinstance(value, dict | list):
            yield from unsourced(value, here)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            if key.endswith(SOURCELESS_SUFFIXES) or key in ("year", "precision"):
                continue
            if not any(isinstance(node.get(k), str) and node[k].strip() for k in source_keys(key)):
                yield here


@pytest.mark.parametrize("path", all_files(), ids=lambda p: str(p.relative_to(CONF)))
def test_every_number_has_a_source(path):
    data = yaml.safe_load(path.read_text())
    assert list(unsourced(data)) == []


def test_the_source_check_can_fail():
    assert list(unsourced({"power_w": 400})) == ["power_w"]
    assert list(unsourced({"power_w": 400, "power_source": ""})) == ["power_w"]
    assert list(unsourced({"power_w": 400, "power_source": "datasheet"})) == []


@pytest.mark.parametrize(
    "group", ["hardware", "provider", "region", "model", "embodied", "water", "compute"]
)
def test_every_config_fits_its_schema(group):
    for name in catalog.options(group):
        if (group, name) in {("region", "custom")}:
            continue  # its intensity is the user's to give
        validated = catalog.load(group, name)
        # the fast path a sweep job takes for an untouched packaged file builds the same object
        assert catalog.load_fast(group, name) == validated, name


def test_required_catalog_entries_exist():
    assert set(SEED_MODELS) <= set(catalog.options("model"))
    assert set(MODERN_HARDWARE) <= set(catalog.options("hardware"))
    assert set(PROVIDERS) <= set(catalog.options("provider"))
    assert len(catalog.matching("region", "country-*")) == 213


def test_calculator_power_is_kept_where_it_differs_from_the_datasheet():
    pcie = catalog.load("hardware", "v100_pcie_16gb")
    sxm2 = catalog.load("hardware", "v100_sxm2_16gb")
    assert (pcie.power_w, pcie.calculator_power_w) == (250, 300)
    assert (sxm2.power_w, sxm2.calculator_power_w) == (300, 250)
    assert catalog.load("hardware", "tpu_v3").power_kind.value == "measured_average"


@pytest.mark.skipif(not SHARED.exists(), reason="the shared data sets are not beside the repo")
def test_all_calculator_regions_are_transcribed():
    with open(SHARED / "mlco2-impact" / "impact.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 82
    for row in rows:
        name = f"{row['provider']}-{(row['region'] or row['regionName']).lower()}"
        region = catalog.load("region", name)
        assert region.carbon_intensity == float(row["impact"])
        assert region.offset_ratio == float(row["offsetRatio"])
        assert catalog.region_provider(name) == row["provider"]


def test_models_compose_their_real_hardware_and_site():
    assert catalog.model_choice("deepseek_v3").hardware == "h800_sxm"
    assert catalog.model_choice("bloom").region == "jean-zay"


@pytest.mark.parametrize("site", ["meta-us", "google-us", "microsoft-us"])
def test_operator_sites_use_the_national_figure_they_claim(site):
    usa = catalog.load("region", "country-usa")
    region = catalog.load("region", site)
    assert region.grid_years == usa.grid_years
    assert catalog.region_provider(site) == {"meta-us": "meta", "google-us": "gcp"}.get(
        site, "azure"
    )
