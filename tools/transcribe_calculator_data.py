"""Transcribe the public data sets in ../shared/data into carbonspec's own YAML configs.

Run once by hand (``python tools/transcribe_calculator_data.py``); the YAML it writes is what the
project ships and cites, so the data sets themselves are never committed. Hand-written configs
(modern accelerators, providers, models, tables) are not touched.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
CONF = ROOT / "conf"

MLCO2 = "ML CO2 Impact calculator data (github.com/mlco2/impact, data/{file} @ d0d3ee5, 2026-03-09)"
OWID = (
    "Our World in Data / Ember yearly electricity data, carbon_intensity of {country} ({year}), "
    "as packaged by codecarbon (codecarbon/data/private_infra/global_energy_mix.json @ 4f166a5)"
)
GOOGLE = (
    "Google Cloud region carbon data, 2023 location-based grid intensity of {region} "
    "(cloud.google.com/sustainability/region-carbon), as packaged by codecarbon "
    "(codecarbon/data/cloud/impact.csv @ ca104ad)"
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
        "Patterson et al. 2021 (arXiv:2104.10350) Table 4: measured average power per TPU v2 "
        "chip, 221 W (TDP 280 W, Table 1). Not a TDP.",
    ),
    "TPUv3 Chip": (
        283,
        "measured_average",
        "Patterson et al. 2021 (arXiv:2104.10350) Tables 3-4: measured average power per TPU v3 "
        "chip, 283 W (TDP 450 W). Not a TDP.",
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
        "Patterson et al. 2021 Table 4: TPU v2 average power across the runs reported (208-229 W)",
    ),
    "TPUv3 Chip": (
        245,
        310,
        "Patterson et al. 2021 Table 4: TPU v3 average power across the runs reported (245-310 W)",
    ),
}


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


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() else value


def write(path: Path, header: str, fields: dict[str, object], extra: str = "") -> None:
    body = "".join(f"{key}: {quote(value)}\n" for key, value in fields.items())
    path.write_text(f"# {header}\n{extra}{body}", encoding="utf-8")


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
        header = f"{calc_name}: transcribed from the ML CO2 Impact calculator's device list."
        write(CONF / "hardware" / f"{name}.yaml", header, fields)


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


def regions() -> None:
    countries = json.loads(
        (DATA / "codecarbon" / "global_energy_mix.json").read_text(encoding="utf-8")
    )
    iso_by_name = {v["country_name"]: iso for iso, v in countries.items()}
    iso_by_name |= {"USA": "USA", "Hong Kong": "HKG"}
    google = {
        row["region"]: row
        for row in read_csv(DATA / "codecarbon" / "gcp_region_impact.csv", "utf-8-sig")
    }

    for iso, c in sorted(countries.items()):
        intensity, year, cname = c["carbon_intensity"], c["year"], c["country_name"]
        source = OWID.format(country=cname, year=year)
        fields = {
            "name": f"country-{iso.lower()}",
            "display_name": f"{cname} (national grid average)",
            "country": cname,
            "iso3": iso,
            "state": None,
            "city": None,
            "in_calculator": False,
            "carbon_intensity": round(intensity, 3),
            "carbon_intensity_source": source
            + ". The calculator has no figure for a country; grid=calculator uses this one too.",
            "carbon_intensity_year": year,
            "carbon_intensity_basis": "location",
            "latest_carbon_intensity": round(intensity, 3),
            "latest_carbon_intensity_source": source,
            "latest_carbon_intensity_year": year,
            "latest_scope": "country",
            "offset_ratio": None,
            "offset_ratio_source": None,
            "pue": None,
            "pue_source": None,
        }
        extra = "defaults:\n  - override /provider: private\n\nregion:\n"
        body = "".join(f"  {k}: {quote(v)}\n" for k, v in fields.items())
        header = f"# {cname}: national grid average, for on-premises or unknown sites.\n"
        (CONF / "region" / f"country-{iso.lower()}.yaml").write_text(
            "# @package _global_\n" + header + extra + body, encoding="utf-8"
        )

    for row in read_csv(DATA / "mlco2-impact" / "impact.csv"):
        code = (row["region"] or row["regionName"]).lower()
        name = f"{row['provider']}-{code}"
        country = "Hong Kong" if row["city"] == "Hong Kong" else row["country"]
        iso = iso_by_name[country]
        impact = number(row["impact"])
        calc_source = (
            f"{MLCO2.format(file='impact.csv')}, row {row['provider']}/{code}, citing "
            + (
                row["source"].strip()
                or "no source (the calculator's comment: " + row["comment"] + ")"
            )
        )
        if row["comment"] and row["source"].strip():
            calc_source += f" ({row['comment'].strip()})"
        basis = "market" if "carbon-free" in row["source"] else "location"
        g = google.get(row["region"]) if row["provider"] == "gcp" else None
        if g:
            latest = number(g["impact"])
            latest_source, latest_year, scope = GOOGLE.format(region=row["region"]), 2023, "region"
        else:
            c = countries[iso]
            latest, latest_year = round(c["carbon_intensity"], 3), c["year"]
            latest_source = OWID.format(country=c["country_name"], year=latest_year)
            scope = "country"
        pue = number(row["PUE"]) if row["PUE"] else None
        display = f"{row['providerName']} {row['regionName'] or row['region']}".strip()
        fields = {
            "name": name,
            "display_name": display,
            "country": country,
            "iso3": iso,
            "state": row["state"] or None,
            "city": row["city"].strip(" ,") or None,
            "in_calculator": True,
            "carbon_intensity": impact,
            "carbon_intensity_source": calc_source,
            "carbon_intensity_year": calculator_year(row["source"], row["comment"]),
            "carbon_intensity_basis": basis,
            "latest_carbon_intensity": latest,
            "latest_carbon_intensity_source": latest_source,
            "latest_carbon_intensity_year": latest_year,
            "latest_scope": scope,
            "offset_ratio": int(row["offsetRatio"]),
            "offset_ratio_source": f"{MLCO2.format(file='impact.csv')}, column offsetRatio",
            "pue": pue,
            "pue_source": (
                f"{MLCO2.format(file='impact.csv')}, column PUE, citing {row['PUE source']} "
                f"({row['comment'] or 'year not stated'})"
            )
            if pue
            else None,
        }
        extra = f"defaults:\n  - override /provider: {row['provider']}\n\nregion:\n"
        body = "".join(f"  {k}: {quote(v)}\n" for k, v in fields.items())
        header = f"# {display} ({fields['city']}, {country}): a region of the ML CO2 calculator.\n"
        (CONF / "region" / f"{name}.yaml").write_text(
            "# @package _global_\n" + header + extra + body, encoding="utf-8"
        )


if __name__ == "__main__":
    (CONF / "hardware").mkdir(parents=True, exist_ok=True)
    (CONF / "region").mkdir(parents=True, exist_ok=True)
    hardware()
    regions()
