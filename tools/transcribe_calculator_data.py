"""Transcribe the public data sets in ../shared/data into carbonspec's own YAML configs.

Run by hand (``python tools/transcribe_calculator_data.py [--data DIR]``, DIR defaulting to
../shared/data); the YAML it writes is what the project ships and cites, so the data sets
themselves are never committed. Hand-written configs (modern accelerators, providers, models,
tables) are not touched.

Every grid figure is written with its kind: ``measured`` (the calendar year's average),
``partial`` (the mlco2 file's 2021, which ends in September) or ``projected`` (GSF's 2024 rows,
copies of 2023 made by the data set's update scripts); see GSF_ADDED_YEARS and EM_PARTIAL. One
zone and year gets one figure in every region file (see rank()).

What it reads (see ../shared/data/README.md and the README's "Grid data" section):
- mlco2-impact/: the calculator's devices (gpus.csv), regions (impact.csv) and Electricity Maps
  zone yearly averages (2021-10-27yearly_averages.csv);
- codecarbon/ and codecarbon-history/: Our World in Data / Ember national intensities, one file
  per codecarbon release (2021, 2022 and 2023 data years);
- gsf-cloud-region-metadata/: the Green Software Foundation's per-region, per-year Electricity Maps
  zone averages, PUE and WUE for AWS, Google Cloud and Azure.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CONF = ROOT / "conf"

MLCO2 = "ML CO2 Impact calculator data (github.com/mlco2/impact, data/{file} @ d0d3ee5, 2026-03-09)"
EM_YEARLY = (
    "Electricity Maps yearly average of zone {zone} ({year}, {hours} hours with data), "
    "consumption-based, in github.com/mlco2/impact data/2021-10-27yearly_averages.csv @ d0d3ee5"
)
GSF_ROW = (
    "Green Software Foundation real-time-cloud Cloud_Region_Metadata.csv @ b2858aa, "
    "{provider} {region} {year}"
)
GSF = GSF_ROW + ", column {column}"
# codecarbon's global_energy_mix.json, one release per data year. The 2023 release is the file in
# ../shared/data/codecarbon; the earlier ones come from the same repository's history.
OWID_RELEASES = [
    ("codecarbon-history/global_energy_mix@49a7d00a.json", "49a7d00a (2023-07-22)"),
    ("codecarbon-history/global_energy_mix@e7864723.json", "e7864723 (2024-04-07)"),
    ("codecarbon/global_energy_mix.json", "4f166a5 (2024-09-20)"),
]
OWID = (
    "Our World in Data / Ember, carbon intensity of electricity generation in {country} "
    "({year}), as packaged by codecarbon (codecarbon/data/private_infra/global_energy_mix.json "
    "@ {commit})"
)
# A partial year of Electricity Maps data is a season, not a year: below this many hours of data
# (70 % of a year) the yearly average is not offered.
MIN_HOURS = 6000
# The yearly-averages file is dated 2021-10-27, so its 2021 rows end with September at the latest
# (6,553 hours at most: 1 January to 30 September). They are kept, marked partial: every output
# that uses one says so, and grid=latest never takes one while a measured year exists.
EM_YEARLY_DATED = "2021-10-27"
EM_PARTIAL_YEAR = 2021
EM_PARTIAL = "data to September only, {hours:,} hours; the data set is dated 2021-10-27"

CONSUMPTION = "grid-carbon-intensity-average-consumption-annual"
PRODUCTION = "grid-carbon-intensity-average-production-annual"
PUE = "power-usage-effectiveness"
WUE = "water-usage-effectiveness"
# Years that GSF's update scripts added to the data set (real-time-cloud code/aws-data-update.py
# and code/gcp-data-update.py @ b2858aa; the 2024 rows came with commit 5b2ac28, 2026-02-24): a
# region's new row is a copy of its latest row in which only the columns named here are replaced.
# Every other column repeats the earlier year: it is a projection, not that year's figure. The
# tool checks that those columns do repeat (and stops if the data set says otherwise).
GSF_ADDED_YEARS: dict[tuple[str, int], tuple[str, frozenset[str]]] = {
    ("Amazon Web Services", 2024): ("code/aws-data-update.py", frozenset({PUE, WUE})),
    ("Google Cloud", 2024): (
        "code/gcp-data-update.py", frozenset({"provider-cfe-annual", CONSUMPTION}),
    ),
}  # fmt: skip
# What gcp-data-update.py writes into the consumption column: Google's own figure, another
# quantity than the Electricity Maps life-cycle averages of the other years and providers (e.g.
# Quebec's hydro grid, CA-QC: 30.51 g/kWh life-cycle in 2023, Google's 5.48 for 2024; hydropower
# alone has about 24 g/kWh of life-cycle emissions). It is named in the source and not used.
GOOGLE_OWN = (
    "the row's consumption column holds instead Google's own figure, {value} g/kWh "
    "(github.com/GoogleCloudPlatform/region-carbon-info data/yearly/2024.csv, 'Grid carbon "
    "intensity', which its README defines as 'the average operational gross emissions per unit "
    "of energy from the grid'), another quantity than Electricity Maps' life-cycle averages: not "
    "used"
)

# The calculator's gpus.csv names, mapped to carbonspec's snake-case names where a plain slug
# would be unclear or would collide with the datasheet variants we add by hand.
DEVICE_NAMES = {
    "H100 SXM": "h100_sxm",
    "H100 NVL": "h100_nvl",
    "A100 PCIe 40/80GB": "a100_pcie_40gb",
    "A100 SXM4 80 GB": "a100_sxm4_80gb",
    "Tesla V100-PCIE-16GB": "v100_pcie_16gb",
    "Tesla V100-SXM2-16GB": "v100_sxm2_16gb",
    "Tesla V100-SXM2-32GB": "v100_sxm2_32gb",
    "Tesla P100": "p100",
    "TPUv2 Chip": "tpu_v2",
    "TPUv3 Chip": "tpu_v3",
}

# Display names for the calculator's best-known devices (its own label stays in calculator_name).
DISPLAY_NAMES = {
    "H100 SXM": "NVIDIA H100 SXM5 80GB",
    "H100 NVL": "NVIDIA H100 NVL 94GB",
    "A100 PCIe 40/80GB": "NVIDIA A100 PCIe 40GB",
    "A100 SXM4 80 GB": "NVIDIA A100 SXM4 80GB",
    "Tesla V100-PCIE-16GB": "NVIDIA Tesla V100 PCIe 16GB",
    "Tesla V100-SXM2-16GB": "NVIDIA Tesla V100 SXM2 16GB",
    "Tesla V100-SXM2-32GB": "NVIDIA Tesla V100 SXM2 32GB",
    "Tesla P100": "NVIDIA Tesla P100 PCIe 16GB",
    "T4": "NVIDIA T4",
    "L4": "NVIDIA L4",
    "L40S": "NVIDIA L40S",
    "A10G": "NVIDIA A10G",
    "TPUv2 Chip": "Google TPU v2",
    "TPUv3 Chip": "Google TPU v3",
}
# Short names for tables, as the seed paper writes them ("A100 80GB", "V100 32GB").
SHORT_NAMES = {
    "H100 SXM": "H100 80GB",
    "H100 NVL": "H100 NVL",
    "A100 PCIe 40/80GB": "A100 PCIe 40GB",
    "A100 SXM4 80 GB": "A100 80GB",
    "Tesla V100-PCIE-16GB": "V100 PCIe 16GB",
    "Tesla V100-SXM2-16GB": "V100 SXM2 16GB",
    "Tesla V100-SXM2-32GB": "V100 32GB",
    "Tesla P100": "P100",
    "TPUv2 Chip": "TPU v2",
    "TPUv3 Chip": "TPU v3",
}

# Where the calculator's figure is not the device's datasheet figure, carbonspec's headline power
# follows the datasheet (or the measured average) and keeps the calculator's for method=calculator.
DATASHEET = {
    "Tesla V100-PCIE-16GB": (
        250,
        "tdp",
        "NVIDIA Tesla V100 datasheet (PCIe: 250 W max power; SXM2: 300 W). The calculator's "
        "gpus.csv swaps the PCIe and SXM2 16GB figures.",
    ),
    "Tesla V100-SXM2-16GB": (
        300,
        "tdp",
        "NVIDIA Tesla V100 datasheet (SXM2: 300 W max power; PCIe: 250 W). The calculator's "
        "gpus.csv swaps the PCIe and SXM2 16GB figures.",
    ),
    "GTX 750": (
        55,
        "tdp",
        "TechPowerUp GPU database, GeForce GTX 750 (55 W TDP), the page the calculator cites; "
        "the calculator's 250 W does not match it.",
    ),
    "TPUv2 Chip": (
        221,
        "measured_average",
        "Patterson et al. 2021 (arXiv:2104.10350) Table 3: measured average power per TPU v2 "
        "chip, 221 W (TDP 280 W, Table 1), the mean of the measurements in power_observations "
        "(Tables 1 and 4). Not a TDP.",
    ),
    "TPUv3 Chip": (
        283,
        "measured_average",
        "Patterson et al. 2021 (arXiv:2104.10350) Tables 3-4: measured average power per TPU v3 "
        "chip, 283 W (TDP 450 W), the mean of the four runs in power_observations (Table 4). "
        "Not a TDP.",
    ),
}
TDP = {
    "TPUv2 Chip": (280, "Patterson et al. 2021 (arXiv:2104.10350) Table 1: TPU v2 TDP 280 W"),
    "TPUv3 Chip": (450, "Patterson et al. 2021 (arXiv:2104.10350) Table 1: TPU v3 TDP 450 W"),
}
POWER_RANGE = {
    "TPUv2 Chip": (
        208,
        229,
        "Patterson et al. 2021 Tables 1 and 4: the lowest and highest TPU v2 measurement in "
        "power_observations (208-229 W)",
    ),
    "TPUv3 Chip": (
        245,
        310,
        "Patterson et al. 2021 Table 4: the lowest and highest TPU v3 measurement in "
        "power_observations (245-310 W)",
    ),
}

PROVIDERS = {"Amazon Web Services": "aws", "Google Cloud": "gcp", "Microsoft Azure": "azure"}
PROVIDER_SHORT = {
    "aws": "AWS",
    "gcp": "GCP",
    "azure": "Azure",
    "coreweave": "CoreWeave",
    "ovh": "OVHcloud",
    "scaleway": "Scaleway",
    "seeweb": "Seeweb",
}
PROVIDER_LONG = {
    "aws": "Amazon Web Services",
    "gcp": "Google Cloud",
    "azure": "Microsoft Azure",
}
# GSF rows whose location is not the catalog region of the same code. GSF's Azure "westus" row is
# located in Washington, which the calculator's data (and Microsoft's region list) gives to
# westus2 (Quincy); westus is California. Its "northeurope" has a Finland row beside the Ireland
# one (Ireland, Dublin, is North Europe).
GSF_RELOCATED = {("azure", "westus", "Washington: West US"): "azure-westus2"}
GSF_SKIPPED = {("azure", "northeurope", "Finland")}
GSF_NOTES = {
    "azure-westus": "The GSF data set's Azure 'westus' rows are located in Washington (the site "
    "of westus2 in the calculator's data); they are used for azure-westus2, not for this "
    "California region, which falls back to the national figure.",
}

# Countries whose English name takes an article ("in the United States").
THE = ("United ", "Democratic Republic", "Czech Republic", "Dominican Republic", "Central African")
THE_EXACT = {"Netherlands", "Philippines", "Bahamas", "Gambia", "Maldives", "Comoros"}
THE_EXACT |= {"Seychelles", "Congo"}


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with open(path, encoding=encoding) as f:
        return list(csv.DictReader(f))


def cited_url(row: dict) -> str:
    """The source column; a row with a missing column (A10G) has its URL one column early."""
    return (row["source"] or next(v for v in row.values() if v and "http" in v)).strip()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def quote(value: object) -> str:
    """A YAML scalar: numbers plain, text double-quoted (JSON strings are valid YAML)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def flow(value: object) -> str:
    """A scalar, or a list of scalars as a flow sequence."""
    if isinstance(value, list):
        return "[" + ", ".join(quote(v) for v in value) + "]"
    return quote(value)


def yaml_block(fields: dict[str, Any], indent: str) -> str:
    """Fields as YAML: scalars on one line, lists of scalars as flow sequences, lists of small
    mappings as flow mappings."""
    lines = []
    for key, value in fields.items():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            lines.append(f"{indent}{key}:")
            for item in value:
                inner = ", ".join(f"{k}: {flow(v)}" for k, v in item.items())
                lines.append(f"{indent}  - {{{inner}}}")
        else:
            lines.append(f"{indent}{key}: {flow(value)}")
    return "\n".join(lines) + "\n"


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def round3(value: float) -> int | float:
    return number(f"{value:.3f}")


def write(path: Path, header: str, fields: dict[str, object], extra: str = "") -> None:
    path.write_text(f"# {header}\n{extra}{yaml_block(fields, '')}", encoding="utf-8")


def hardware() -> None:
    for row in read_csv(DATA / "mlco2-impact" / "gpus.csv"):
        calc_name = row["name"].strip()
        name = DEVICE_NAMES.get(calc_name, slug(calc_name))
        calc_power = number(row["tdp_watts"])
        calc_source = (
            f"{MLCO2.format(file='gpus.csv')}, row '{calc_name}': {calc_power} W, "
            f"citing {cited_url(row)}"
        )
        power, kind, source = DATASHEET.get(calc_name, (calc_power, "tdp", calc_source))
        fields: dict[str, object] = {
            "name": DISPLAY_NAMES.get(calc_name, calc_name),
            "short_name": SHORT_NAMES.get(calc_name, calc_name),
            "calculator_name": calc_name,
            "kind": row["type"],
            "power_w": power,
            "power_kind": kind,
            "power_source": source,
            "calculator_power_w": calc_power,
            "calculator_power_source": calc_source,
        }
        if calc_name in TDP:
            fields["tdp_w"], fields["tdp_source"] = TDP[calc_name]
        if calc_name in POWER_RANGE:
            low, high, range_source = POWER_RANGE[calc_name]
            fields |= {"power_low_w": low, "power_high_w": high, "power_range_source": range_source}
        path = CONF / "hardware" / f"{name}.yaml"
        kept = kept_fields(path, fields)
        header = f"{calc_name}: transcribed from the ML CO2 Impact calculator's device list."
        write(path, header, fields | kept)


def kept_fields(path: Path, fields: dict[str, object]) -> dict[str, object]:
    """Fields added by hand to a transcribed hardware file (throughput, embodied carbon), kept."""
    if not path.exists():
        return {}
    import yaml

    existing = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {k: v for k, v in existing.items() if k not in fields}


def calculator_year(source: str, comment: str) -> int | None:
    """The data year behind a calculator figure, from the source it cites (None when unstated)."""
    if "eGRID" in source:
        return 2016  # the calculator's data README: eGRID 2016
    if "S1361920916307933" in source:
        return 2017  # Moro & Lonza, Transportation Research Part D, 2017/2018
    if "carbonfootprint.com" in source and "2018" in source:
        return 2018
    if "July 2, 2019" in source:
        return 2019  # one hour's snapshot on electricityMap
    if "oct21-oct22" in comment:
        return 2022
    if "SES18" in source:
        return 2018
    return None


# -- grid series ----------------------------------------------------------------------------------


def country_series() -> tuple[dict[str, list[dict]], dict[str, str], dict[str, str]]:
    """Each country's national figures by year, its name, and why a country has none."""
    series: dict[str, dict[int, dict]] = {}
    names: dict[str, str] = {}
    gaps: dict[str, str] = {}
    for file, commit in OWID_RELEASES:
        for iso, c in json.loads((DATA / file).read_text(encoding="utf-8")).items():
            names[iso] = c["country_name"]
            year, value = c["year"], c["carbon_intensity"]
            if value is None or value <= 0:
                # Ember's data gives every generating country a positive lifecycle intensity
                # (hydropower alone is about 24 g/kWh): a zero is a gap in the data.
                gaps[iso] = (
                    f"the data set gives {value} g/kWh for {c['country_name']} ({year}, "
                    f"codecarbon @ {commit.split()[0]}): a gap in the source, not a zero-carbon "
                    "grid"
                )
                continue
            series.setdefault(iso, {})[year] = {
                "year": year,
                "g_per_kwh": round3(value),
                "kind": "measured",
                "scope": "country",
                "basis": "production",
                "source": OWID.format(country=c["country_name"], year=year, commit=commit),
            }
    ordered = {iso: [by_year[y] for y in sorted(by_year)] for iso, by_year in series.items()}
    for iso in ordered:
        gaps.pop(iso, None)  # a gap in one release is not a gap when another gives a figure
    return ordered, names, gaps


def em_zone_series() -> dict[str, dict[int, dict]]:
    """Electricity Maps zone yearly averages (mostly 2018-2021), years with enough data only;
    2021, cut short by the file's date, marked partial."""
    zones: dict[str, dict[int, dict]] = {}
    for row in read_csv(DATA / "mlco2-impact" / f"{EM_YEARLY_DATED}yearly_averages.csv"):
        hours = int(float(row["no_hours_with_data"]))
        if hours < MIN_HOURS:
            continue
        zone, year = row["zone_key"], int(row["year"])
        entry: dict[str, Any] = {
            "year": year,
            "g_per_kwh": round3(float(row["carbon_intensity_avg"])),
            "kind": "measured",
            "scope": "zone",
            "zone": zone,
            "basis": "consumption",
        }
        if year == EM_PARTIAL_YEAR:
            entry |= {"kind": "partial", "kind_note": EM_PARTIAL.format(hours=hours)}
        entry["source"] = EM_YEARLY.format(zone=zone, year=year, hours=hours)
        zones.setdefault(zone, {})[year] = entry
    return zones


def gsf_rows() -> dict[str, list[dict[str, str]]]:
    """GSF rows by carbonspec region name (<provider>-<region>), relocations applied."""
    by_region: dict[str, list[dict[str, str]]] = {}
    for row in read_csv(DATA / "gsf-cloud-region-metadata" / "Cloud_Region_Metadata.csv"):
        provider = PROVIDERS[row["cloud-provider"]]
        code = row["cloud-region"].lower()
        if (provider, code, row["location"]) in GSF_SKIPPED:
            continue
        name = GSF_RELOCATED.get((provider, code, row["location"]), f"{provider}-{code}")
        by_region.setdefault(name, []).append(row)
    return by_region


def gsf_added(row: dict[str, str], rows: list[dict[str, str]]) -> tuple[str, dict | None] | None:
    """For a row that GSF's update scripts added as a copy: the script and the copied row (None
    for a region new that year, whose copied columns are empty). None for any other row.

    Checks that every column the script did not update repeats the copied row's value."""
    added = GSF_ADDED_YEARS.get((row["cloud-provider"], int(row["year"])))
    if added is None:
        return None
    script, updated = added
    earlier = [r for r in rows if int(r["year"]) < int(row["year"])]
    copied = max(earlier, key=lambda r: int(r["year"])) if earlier else None
    for column in (CONSUMPTION, PRODUCTION, PUE, WUE, "em-zone-id"):
        if column in updated:
            continue
        expected = copied[column] if copied else ""
        if row[column] != expected:
            raise SystemExit(
                f"GSF {row['cloud-provider']} {row['cloud-region']} {row['year']}: column "
                f"{column} is {row[column]!r}, not the copied row's {expected!r}; the rule in "
                "GSF_ADDED_YEARS no longer describes the data set"
            )
    return script, copied


def gsf_grid_years(rows: list[dict[str, str]]) -> list[dict]:
    """The zone's consumption-based annual average per year (production-based kept beside it).

    A year the data set's update script added by copying the previous row is written as
    projected, with the figure it repeats (never as that year's measurement)."""
    entries = []
    for row in sorted(rows, key=lambda r: int(r["year"])):
        added = gsf_added(row, rows)
        figures = added[1] if added else row  # the row whose Electricity Maps columns hold
        if figures is None or not figures[CONSUMPTION] or not figures["em-zone-id"]:
            continue
        zone = figures["em-zone-id"]
        entry: dict[str, Any] = {
            "year": int(row["year"]),
            "g_per_kwh": round3(float(figures[CONSUMPTION])),
            "kind": "measured",
            "scope": "zone",
            "zone": zone,
            "basis": "consumption",
        }
        if figures[PRODUCTION]:
            entry["production_g_per_kwh"] = round3(float(figures[PRODUCTION]))
        columns = (
            f"{CONSUMPTION} (Electricity Maps zone {zone}); production-based from {PRODUCTION}"
        )
        if added:
            script, copied = added
            assert copied is not None
            updated = GSF_ADDED_YEARS[(row["cloud-provider"], int(row["year"]))][1]
            entry["kind"] = "projected"
            entry["kind_note"] = f"repeats {copied['year']}"
            this_row = GSF_ROW.format(
                provider=row["cloud-provider"], region=row["cloud-region"], year=row["year"]
            )
            source = (
                f"{this_row}: a projection, not a {row['year']} figure. GSF's {script} made "
                f"this row as a copy of the {copied['year']} row, replacing only "
                f"{', '.join(sorted(updated))}: "
                f"the figures here are the {copied['year']} row's {columns}, repeated"
            )
            if CONSUMPTION in updated:
                source += "; " + GOOGLE_OWN.format(value=number(row[CONSUMPTION]))
        else:
            source = GSF.format(
                provider=row["cloud-provider"],
                region=row["cloud-region"],
                year=row["year"],
                column=columns,
            )
        entry["source"] = source
        entries.append(entry)
    return entries


def gsf_facility_years(rows: list[dict[str, str]], column: str) -> list[dict]:
    """A provider's PUE or WUE by year; a figure GSF's update script copied from the year before
    is left out (that year has no figure of its own)."""
    entries = []
    for row in sorted(rows, key=lambda r: int(r["year"])):
        added = GSF_ADDED_YEARS.get((row["cloud-provider"], int(row["year"])))
        if added and column not in added[1]:
            gsf_added(row, rows)  # checks that it is a copy
            continue
        if row[column]:
            entries.append(
                {
                    "year": int(row["year"]),
                    "value": number(row[column]),
                    "source": GSF.format(
                        provider=row["cloud-provider"],
                        region=row["cloud-region"],
                        year=row["year"],
                        column=column,
                    ),
                }
            )
    return entries


# Which figure a zone-year takes when several rows give one: a measured year before a partial
# one before a projection; among equals, GSF's (a later Electricity Maps release) before the
# 2021 yearly-averages file. Measured GSF figures of one zone-year agree across providers.
KIND_RANK = {"measured": 0, "partial": 1, "projected": 2}


def rank(entry: dict) -> tuple[int, int]:
    return KIND_RANK[entry["kind"]], 0 if entry["source"].startswith("Green Software") else 1


def zone_index(gsf: dict[str, list[dict[str, str]]], em: dict[str, dict[int, dict]]) -> dict:
    """Every zone's one figure per year, from all the rows that give one (see rank())."""
    zones: dict[str, dict[int, dict]] = {z: dict(years) for z, years in em.items()}
    for name in sorted(gsf):
        for entry in gsf_grid_years(gsf[name]):
            years = zones.setdefault(entry["zone"], {})
            previous = years.get(entry["year"])
            if previous is None or rank(entry) < rank(previous):
                years[entry["year"]] = entry
    return zones


def zone_years(own: list[dict], zones: dict[str, dict[int, dict]]) -> list[dict]:
    """A region's own GSF zone figures, completed by other years of the same zone; where the
    zone has a better figure for a year than the region's own row (a measurement beside a
    projection), the zone's is used."""
    if not own:
        return []
    zone = own[-1]["zone"]
    # A row naming another zone than the region's latest is a slip in the data set (GSF gives
    # Google's Belgian europe-west1 the zone GB for 2020): that year comes from the zone itself.
    by_year = dict(zones.get(zone, {}))
    for entry in own:
        if entry["zone"] == zone and rank(entry) <= rank(by_year.get(entry["year"], entry)):
            by_year[entry["year"]] = entry
    return [by_year[y] for y in sorted(by_year)]


# -- names ----------------------------------------------------------------------------------------


def with_article(country: str) -> str:
    if country.startswith(THE) or country in THE_EXACT or country.endswith(("Islands", "Republic")):
        return f"the {country}"
    return country


def region_file(
    name: str, provider: str, header: str, fields: dict[str, Any], comment: str = ""
) -> None:
    extra = f"defaults:\n  - override /provider: {provider}\n\nregion:\n"
    text = "# @package _global_\n" + header + comment + extra + yaml_block(fields, "  ")
    (CONF / "region" / f"{name}.yaml").write_text(text, encoding="utf-8")


def regions() -> None:
    countries, country_names, gaps = country_series()
    gsf = gsf_rows()
    zones = zone_index(gsf, em_zone_series())
    iso_by_name = {v: k for k, v in country_names.items()} | {"USA": "USA", "Hong Kong": "HKG"}

    for iso, cname in sorted(country_names.items()):
        years = countries.get(iso, [])
        latest = years[-1] if years else None
        fields: dict[str, Any] = {
            "name": f"country-{iso.lower()}",
            "display_name": f"{cname} (national grid average)",
            "short_name": cname,
            "place": with_article(cname),
            "country": cname,
            "iso3": iso,
            "in_calculator": False,
            "carbon_intensity": None,
            "carbon_intensity_source": "The calculator has no figure for a country; "
            "grid=calculator (method=calculator's default) uses the national figure of the run's "
            "year, as grid=auto does.",
            "grid_years": years,
            "unavailable": None if latest else gaps.get(iso, "no figure in the data set"),
            "pue": None,
            "pue_source": None,
        }
        region_file(
            f"country-{iso.lower()}",
            "private",
            f"# {cname}: national grid average, for on-premises or unknown sites.\n",
            fields,
        )

    for row in read_csv(DATA / "mlco2-impact" / "impact.csv"):
        code = (row["region"] or row["regionName"]).lower()
        provider = row["provider"]
        name = f"{provider}-{code}"
        country = "Hong Kong" if row["city"] == "Hong Kong" else row["country"]
        iso = iso_by_name[country]
        cname = country_names[iso]
        calc_source = f"{MLCO2.format(file='impact.csv')}, row {provider}/{code}, citing " + (
            row["source"].strip() or "no source (the calculator's comment: " + row["comment"] + ")"
        )
        if row["comment"] and row["source"].strip():
            calc_source += f" ({row['comment'].strip()})"
        basis = "market" if "carbon-free" in row["source"] else "location"
        rows = gsf.pop(name, [])
        zone = zone_years(gsf_grid_years(rows), zones)
        pue = number(row["PUE"]) if row["PUE"] else None
        display = f"{row['providerName']} {row['regionName'] or row['region']}".strip()
        city = row["city"].strip(" ,") or None
        short = f"{PROVIDER_SHORT[provider]} {row['region'] or row['regionName']}"
        fields = {
            "name": name,
            "display_name": display,
            "short_name": short,
            "place": f"{short} ({city + ', ' if city else ''}{cname})",
            "country": cname,
            "iso3": iso,
            "state": row["state"] or None,
            "city": city,
            "in_calculator": True,
            "carbon_intensity": number(row["impact"]),
            "carbon_intensity_source": calc_source,
            "carbon_intensity_year": calculator_year(row["source"], row["comment"]),
            "carbon_intensity_basis": basis,
            "grid_years": zone or countries.get(iso, []),
            "offset_ratio": int(row["offsetRatio"]),
            "offset_ratio_source": f"{MLCO2.format(file='impact.csv')}, column offsetRatio",
            "pue": pue,
            "pue_source": (
                f"{MLCO2.format(file='impact.csv')}, column PUE, citing {row['PUE source']} "
                f"({row['comment'] or 'year not stated'})"
            )
            if pue
            else None,
            "pue_years": gsf_facility_years(rows, "power-usage-effectiveness"),
            "wue_years": gsf_facility_years(rows, "water-usage-effectiveness"),
        }
        note = GSF_NOTES.get(name)
        comment = f"# {note}\n" if note else ""
        if not zone:
            comment += "# No grid-zone figure in the data sets: national figures are used.\n"
        header = f"# {display} ({city}, {cname}): a region of the ML CO2 calculator.\n"
        region_file(name, provider, header, fields, comment)

    # Regions of the GSF data set the calculator does not list.
    for name, rows in sorted(gsf.items()):
        provider = name.split("-", 1)[0]
        code = name.split("-", 1)[1]
        zone = zone_years(gsf_grid_years(rows), zones)
        location = rows[-1]["location"]
        comment = ""
        iso = iso_by_name.get(rows[-1]["cfe-region"])
        if not zone and any(r[CONSUMPTION] for r in rows) and iso in countries:
            # a grid figure is given but none is Electricity Maps' (Google's me-central2: its only
            # figure is Google's own, see GOOGLE_OWN): the country's, as for calculator regions
            zone = countries[iso]
            comment = (
                f"# The data set names zone {rows[-1]['em-zone-id']}, but its only figure for it "
                "is Google's own, not an Electricity Maps average:\n# national figures are used.\n"
            )
        if not zone:
            continue  # no grid figure at all (e.g. AWS's China regions): nothing to offer
        short = f"{PROVIDER_SHORT[provider]} {code}"
        fields = {
            "name": name,
            "display_name": f"{PROVIDER_LONG[provider]} {code} ({location})",
            "short_name": short,
            "place": f"{short} ({location})",
            "in_calculator": False,
            "carbon_intensity": None,
            "carbon_intensity_source": "The calculator does not list this region; "
            "grid=calculator (method=calculator's default) uses the figure of the run's year, as "
            "grid=auto does.",
            "grid_years": zone,
            "pue": None,
            "pue_source": None,
            "pue_years": gsf_facility_years(rows, "power-usage-effectiveness"),
            "wue_years": gsf_facility_years(rows, "water-usage-effectiveness"),
        }
        header = f"# {fields['display_name']}: a region of the GSF cloud-region data set.\n"
        region_file(name, provider, header, fields, comment)

    operator_sites(countries, country_names, zones)


# Sites of known operators that are not cloud regions. The grid is the site's own zone where the
# site is known, else the national figures; PUE as the operator published it for the site.
PATTERSON = "Patterson et al. 2021 (arXiv:2104.10350), Table 4"
# The runs Patterson et al.'s Table 4 reports: a PUE read from it is that report's own figure, so
# carbonspec.evaluation does not use it to evaluate them
PATTERSON_RUNS = ["evolved_transformer", "t5", "meena", "gshard_600b", "switch_transformer"]
SITES: list[dict[str, Any]] = [
    {
        "name": "meta-us",
        "provider": "meta",
        "display_name": "Meta datacenters, USA (national grid average)",
        "short_name": "Meta datacenters (US)",
        "place": "Meta's datacenters in the United States",
        "iso3": "USA",
        "comment": "Meta does not say which of its datacenters trained which model, so the grid is "
        "the US national average;\n# the PUE and renewable matching are Meta's (provider meta).",
    },
    {
        "name": "google-us",
        "provider": "gcp",
        "display_name": "Google datacenters, USA (national grid average)",
        "short_name": "Google datacenters (US)",
        "place": "Google's datacenters in the United States",
        "iso3": "USA",
        "comment": "Google's own US datacenters where the site of a run is not published: the US "
        "national average;\n# the PUE and renewable matching are Google's.",
    },
    {
        "name": "microsoft-us",
        "provider": "azure",
        "display_name": "Microsoft datacenters (Azure), USA (national grid average)",
        "short_name": "Microsoft datacenters (US)",
        "place": "Microsoft's datacenters in the United States",
        "iso3": "USA",
        "comment": "Azure datacenters in the USA, for runs known to have used Azure but not which "
        "region (GPT-3, OPT-175B):\n# the US national average, Azure's PUE.",
    },
    {
        "name": "google-us-georgia",
        "provider": "gcp",
        "display_name": "Google datacenter, Douglas County, Georgia, USA",
        "short_name": "Google Georgia",
        "place": "Google's datacenter in Georgia, United States",
        "iso3": "USA",
        "state": "Georgia",
        "zone": "US-SE-SOCO",
        "zone_source": "Georgia Power, a Southern Company utility, serves Douglas County; the GSF "
        "data set maps Azure's Georgia region (eastus3) to the same Electricity Maps zone "
        "US-SE-SOCO",
        "pue_years": [
            {
                "year": 2018,
                "value": 1.10,
                "source": f"{PATTERSON}: Evolved Transformer NAS, "
                "Google Georgia, Dec 2018, PUE 1.10",
                "from_reports": PATTERSON_RUNS,
            },
            {
                "year": 2019,
                "value": 1.09,
                "source": f"{PATTERSON}: Meena, Google Georgia, Dec 2019, PUE 1.09",
                "from_reports": PATTERSON_RUNS,
            },
            {
                "year": 2020,
                "value": 1.10,
                "source": f"{PATTERSON}: Switch Transformer, Google Georgia, Oct 2020, PUE 1.10",
                "from_reports": PATTERSON_RUNS,
            },
        ],  # fmt: skip
        "comment": "The Google datacenter of Patterson et al.'s Meena, Switch and Evolved "
        "Transformer runs.",
    },
    {
        "name": "google-us-north-carolina",
        "provider": "gcp",
        "display_name": "Google datacenter, Lenoir, North Carolina, USA",
        "short_name": "Google North Carolina",
        "place": "Google's datacenter in North Carolina, United States",
        "iso3": "USA",
        "state": "North Carolina",
        "zone": "US-CAR-DUK",
        "zone_source": "Lenoir (Caldwell County) lies in Duke Energy Carolinas' service area, "
        "Electricity Maps zone US-CAR-DUK (carbonspec's mapping by location)",
        "pue_years": [
            {
                "year": 2020,
                "value": 1.09,
                "source": f"{PATTERSON}: GShard-600B, Google North Carolina, Apr 2020, PUE 1.09",
                "from_reports": PATTERSON_RUNS,
            },
        ],  # fmt: skip
        "comment": "The Google datacenter of Patterson et al.'s GShard run.",
    },
    {
        "name": "google-us-oklahoma",
        "provider": "gcp",
        "display_name": "Google datacenter, Mayes County, Oklahoma, USA",
        "short_name": "Google Oklahoma",
        "place": "Google's datacenter in Oklahoma, United States",
        "iso3": "USA",
        "state": "Oklahoma",
        "zone": "US-CENT-SWPP",
        "zone_source": "Mayes County (Pryor) is served by the Grand River Dam Authority, a member "
        "of the Southwest Power Pool, Electricity Maps zone US-CENT-SWPP (carbonspec's mapping "
        "by location)",
        "pue_years": [],
        "comment": "Google's Oklahoma datacenter, where Patterson et al. (2021, App. B) expected "
        "new TPU v4 pods.",
    },
    {
        "name": "ai2-jupiter",
        "provider": "private",
        "display_name": "Ai2 Jupiter cluster (Cirrascale), Austin, Texas, USA",
        "short_name": "Ai2 Jupiter (Texas)",
        "place": "Texas, United States, on Ai2's Jupiter cluster",
        "iso3": "USA",
        "state": "Texas",
        "zone": "US-TEX-ERCO",
        "zone_source": "Austin lies in ERCOT, Electricity Maps zone US-TEX-ERCO; the GSF data set "
        "maps Azure's Texas region (southcentralus) to the same zone",
        "pue": 1.2,
        "pue_source": "Morrison et al. 2025 (arXiv:2503.05804), section 3.1: 'Jupiter's PUE is "
        "between 1.1 and 1.2 ... (we conservatively assume 1.2)'",
        "pue_from_reports": [
            "olmo2_7b",
            "olmo2_13b",
            "olmo_dev_7b",
            "olmo_dev_small",
            "olmo_dev_moe",
            "olmo_1b",
            "olmoe_0924",
        ],
        "wue_years": [
            {
                "year": 2024,
                "value": 0.0,
                "source": "Morrison et al. 2025, section 3.1: 'our data center uses an "
                "efficient closed-loop cooling system with no evaporative cooling, we assume a "
                "WUE_onsite of 0 liters per kWh'",
            },
        ],  # fmt: skip
        "comment": "The Ai2 cluster that trained OLMo 2 7B (Morrison et al. 2025).",
    },
    {
        "name": "jean-zay",
        "provider": "private",
        "display_name": "Jean Zay supercomputer (IDRIS-CNRS), France",
        "short_name": "Jean Zay (France)",
        "place": "France, on the Jean Zay supercomputer",
        "iso3": "FRA",
        "pue": 1.2,
        "pue_source": "Luccioni, Viguier & Ligozat 2023 (arXiv:2211.02001), Table 4 'CO2eq "
        "emissions x PUE' column: PUE 1.2 for Jean Zay (BLOOM); the seed paper uses 1.28",
        "pue_from_reports": ["bloom"],
        "comment": "The French national supercomputer that trained BLOOM: the French grid, the "
        "PUE Luccioni et al. use.",
    },
]


def operator_sites(
    countries: dict[str, list[dict]], names: dict[str, str], zones: dict[str, dict[int, dict]]
) -> None:
    for site in SITES:
        iso = site["iso3"]
        national = countries[iso]
        zone = site.get("zone")
        years = [zones[zone][y] for y in sorted(zones.get(zone, {}))] if zone else []
        fields: dict[str, Any] = {
            "name": site["name"],
            "display_name": site["display_name"],
            "short_name": site["short_name"],
            "place": site["place"],
            "country": names[iso],
            "iso3": iso,
            "state": site.get("state"),
            "in_calculator": False,
            "carbon_intensity": None,
            "carbon_intensity_source": "The calculator has no figure for this site; "
            "grid=calculator (method=calculator's default) uses the figure of the run's year, as "
            "grid=auto does.",
            "zone_source": site.get("zone_source"),
            "grid_years": years or national,
            "pue": site.get("pue"),
            "pue_source": site.get("pue_source"),
            "pue_years": site.get("pue_years", []),
            "wue_years": site.get("wue_years", []),
        }
        if site.get("pue_from_reports"):  # the runs whose own reports gave pue
            fields["pue_from_reports"] = site["pue_from_reports"]
        header = f"# {site['display_name']}.\n# {site['comment']}\n"
        region_file(site["name"], site["provider"], header, fields)


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=DATA,
        help=f"the folder holding the data sets (default {DATA})",
    )
    DATA = parser.parse_args().data.resolve()
    (CONF / "hardware").mkdir(parents=True, exist_ok=True)
    (CONF / "region").mkdir(parents=True, exist_ok=True)
    hardware()
    regions()
