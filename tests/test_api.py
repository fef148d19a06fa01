"""carbonspec from Python (carbonspec.api) gives what the command line gives.

Every public function is called; each estimate is compared field by field with
`python -m carbonspec ... format=json` for the same inputs (the command line is the reference:
these tests check that the API is the same engine, not the numbers themselves, which the seed,
grid and validation tests pin to their sources); bad input raises CarbonspecError with the
command line's own message; the direct composition is compared with Hydra's compose API on
200 distinct inputs. Speed is measured in benchmarks/bench.py, never here.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import carbonspec
from carbonspec import api, render

USER_MODEL = """\
# @package _global_
defaults:
  - override /hardware: h100_sxm
  - override /region: gcp-us-central1

model:
  name: My lab's 7B run
  devices: 64
  hours: 250
  device_hours_source: our cluster's accounting
  training_year: 2024
"""


@pytest.fixture(scope="module")
def user_conf(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("myconf")
    (folder / "model").mkdir()
    (folder / "model" / "lab_7b.yaml").write_text(USER_MODEL, encoding="utf-8")
    return folder


# (keyword arguments of carbonspec.estimate, the same inputs on the command line)
def cases(user_conf: Path) -> list[tuple[dict, list[str]]]:
    return [
        ({"model": "gpt3", "region": "aws-us-west-2"}, ["model=gpt3", "region=aws-us-west-2"]),
        (
            {"model": "gpt3", "region": "aws-us-west-2", "grid": 2021},
            ["model=gpt3", "region=aws-us-west-2", "grid=2021"],
        ),
        (
            {"model": "llama2_70b", "hardware": "h100_sxm"},
            ["model=llama2_70b", "hardware=h100_sxm"],
        ),
        ({"model": "bloom", "method": "calculator"}, ["model=bloom", "method=calculator"]),
        (
            {"model": "gpt3", "overrides": ["model.device_hours=1e6"]},
            ["model=gpt3", "model.device_hours=1e6"],
        ),
        (
            {"model": "lab_7b", "searchpath": [str(user_conf)]},
            ["model=lab_7b", f"hydra.searchpath=[file://{user_conf}]"],
        ),
        (
            {
                "model": "deepseek_v3",
                "hardware": "a100_sxm4_80gb",
                "region": "gcp-asia-east1",
                "method": "calculator",
                "overrides": ["model.device_hours=2664000"],
            },
            [
                "model=deepseek_v3",
                "hardware=a100_sxm4_80gb",
                "region=gcp-asia-east1",
                "method=calculator",
                "model.device_hours=2664000",
            ],  # fmt: skip
        ),
        (
            {
                "model": "custom",
                "hardware": "h100_sxm",
                "region": "gcp-us-central1",
                "overrides": ["model.parameters=7e9", "model.tokens=2e12"],
            },
            [
                "model=custom",
                "hardware=h100_sxm",
                "region=gcp-us-central1",
                "model.parameters=7e9",
                "model.tokens=2e12",
            ],  # fmt: skip
        ),
        (
            {
                "model": "bloom",
                "region": "custom",
                "overrides": ["region.carbon_intensity=57", "region.pue=1.28"],
            },
            ["model=bloom", "region=custom", "region.carbon_intensity=57", "region.pue=1.28"],
        ),  # fmt: skip
        (
            {
                "model": "llama2_7b",
                "grid": "latest",
                "overrides": ["pue=1.1", "embodied.lifetime_years=4", "model.mfu=0.45"],
            },
            [
                "model=llama2_7b",
                "grid=latest",
                "pue=1.1",
                "embodied.lifetime_years=4",
                "model.mfu=0.45",
            ],  # fmt: skip
        ),
    ]


def command_line(args: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "carbonspec", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "CARBONSPEC_DEBUG"},
    )


def same_fields(estimate: carbonspec.Estimate, printed: dict) -> None:
    """Every field of the command line's JSON, the same in the API's (attributes included)."""
    mine = json.loads(estimate.to_json())
    overrides = sorted(o.lstrip("+") for o in printed.pop("overrides") if o != "format=json")
    assert sorted(o.lstrip("+") for o in mine.pop("overrides")) == overrides
    assert mine == printed
    for name in api._ESTIMATE_FIELDS - {"overrides"}:
        assert render.tidy(getattr(estimate, name)) == printed[name], name


def test_ten_estimates_equal_the_command_line_field_by_field(user_conf, tmp_path):
    todo = cases(user_conf)
    assert len(todo) == 10
    processes = [command_line([*args, "format=json"], tmp_path) for _, args in todo]
    for (kwargs, args), process in zip(todo, processes, strict=True):
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, (args, err)
        same_fields(carbonspec.estimate(**kwargs), json.loads(out))


def test_what_the_estimates_say(user_conf):
    """A few fields checked against their sources, beside the comparison above."""
    # the README's seed example: 2,664,000 h x 400 W (A100 SXM4 80GB, the calculator's) = 1,065,600
    # kWh; x 560 g/kWh (gcp asia-east1 in the calculator) = 596,736 kg
    seed = carbonspec.estimate(**cases(user_conf)[6][0])
    assert seed.emissions_t == pytest.approx(596.736)
    # the user's own model: 64 devices x 250 h on its H100s (700 W, NVIDIA's datasheet)
    mine = carbonspec.estimate(**cases(user_conf)[5][0])
    assert (mine.device_hours, mine.power_w, mine.hardware) == (16000, 700, "h100_sxm")
    assert mine.model_name == "My lab's 7B run" and mine.region == "gcp-us-central1"
    # the grid year asked for, or the nearest earlier one with a note
    assert carbonspec.estimate(**cases(user_conf)[1][0]).grid_year == 2021


def test_renderings_equal_the_command_lines(cli):
    e = carbonspec.estimate(model="llama2_70b", region="meta-us")
    args = ["model=llama2_70b", "region=meta-us"]
    assert e.to_text() == cli(*args).stdout
    assert e.to_latex() == e.to_latex(width="page") == cli(*args, "format=latex").stdout
    assert e.to_model_card() == cli(*args, "format=model_card").stdout
    assert e.bibtex() == cli(*args, "format=bibtex").stdout
    assert "llama2" in e.bibtex().lower() or "touvron" in e.bibtex().lower()
    assert e.to_markdown() == e._repr_markdown_()
    assert "**Llama 2 70B**" in e.to_markdown()
    assert "t CO2eq" in e.to_markdown()
    with pytest.raises(carbonspec.InvalidValue, match="width=wide is not a choice"):
        e.to_latex(width="wide")


BAD = [
    ({"model": "gpt"}, ["model=gpt"], carbonspec.UnknownOption),
    ({"model": "gpt3", "region": "aws-us-west"}, ["model=gpt3", "region=aws-us-west"],
     carbonspec.UnknownOption),
    ({"model": "gpt3", "hardware": "h100"}, ["model=gpt3", "hardware=h100"],
     carbonspec.UnknownOption),
    ({"model": "gpt3", "overrides": ["model.device_hour=5"]}, ["model=gpt3", "model.device_hour=5"],
     carbonspec.UnknownOption),
    ({"model": "gpt3", "overrides": ["model.device_hours=-5"]},
     ["model=gpt3", "model.device_hours=-5"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["model.device_hours=abc"]},
     ["model=gpt3", "model.device_hours=abc"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["hardware.power_w=null"]},
     ["model=gpt3", "hardware.power_w=null"], carbonspec.InvalidValue),
    ({"model": "gpt3", "region": "custom"}, ["model=gpt3", "region=custom"],
     carbonspec.NotEstimable),
    ({"model": "custom"}, ["model=custom"], carbonspec.NotEstimable),
    ({"model": "gpt3", "grid": 1800}, ["model=gpt3", "grid=1800"], carbonspec.InvalidValue),
    ({"model": "gpt3", "method": "guess"}, ["model=gpt3", "method=guess"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["pue=5"]}, ["model=gpt3", "pue=5"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["embodied.lifetime_low_years=-1"]},
     ["model=gpt3", "embodied.lifetime_low_years=-1"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["embodied.utilisation=0.5"]},
     ["model=gpt3", "embodied.utilisation=0.5"], carbonspec.InvalidValue),
    ({"model": "gpt3", "region": "aws-us-east-1,aws-us-west-2"},
     ["model=gpt3", "region=aws-us-east-1,aws-us-west-2"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["model.training_year=1800"]},
     ["model=gpt3", "model.training_year=1800"], carbonspec.InvalidValue),
    ({"model": "gpt3", "overrides": ["model.reported={emissions_t: -3}"]},
     ["model=gpt3", "model.reported={emissions_t: -3}"], carbonspec.InvalidValue),
]  # fmt: skip


@pytest.mark.parametrize(("kwargs", "args", "kind"), BAD, ids=[" ".join(b[1]) for b in BAD])
def test_bad_input_raises_the_command_lines_message(cli, kwargs, args, kind):
    printed = cli(*args)
    assert printed.returncode == 2
    (line,) = printed.stderr.splitlines()
    with pytest.raises(kind) as raised:
        carbonspec.estimate(**kwargs)
    assert isinstance(raised.value, carbonspec.CarbonspecError)
    assert line == f"carbonspec: error: {raised.value.message}"
    assert str(raised.value) == raised.value.message


def test_options_of_the_command_line_only_are_refused_saying_what_to_do():
    for override in ("format=json", "export_dir=paper", "table=validation"):
        with pytest.raises(carbonspec.InvalidValue, match="renders itself|carbonspec.table"):
            carbonspec.estimate(model="gpt3", overrides=[override])
    with pytest.raises(carbonspec.InvalidValue, match="lists"):
        carbonspec.estimate(model="gpt3", overrides="pue=1.1")  # type: ignore[arg-type]


def loop_inputs() -> list[api.Request]:
    """200 distinct estimates: regions x device-hours x hardware (and a method and a grid)."""
    regions = ["aws-us-east-1", "aws-eu-north-1", "gcp-europe-west4", "azure-westeurope",
               "country-fra"]  # fmt: skip
    hours = ["model.device_hours=1e5", "model.device_hours=250000", "model.devices=512"]
    hardware = [None, "h100_sxm", "b200", "a100_sxm4_40gb"]
    requests = []
    for i, (region, run, device) in enumerate(itertools.product(regions, hours, hardware)):
        requests.append(api.Request(model="llama2_70b", region=region, hardware=device,
                                    overrides=(run,)))  # fmt: skip
        method = "calculator" if i % 2 else None
        grid = ("2021", "latest", None)[i % 3]
        requests.append(api.Request(model="gpt3", region=region, hardware=device, grid=grid,
                                    method=method, overrides=(run, "model.mfu=0.4")))  # fmt: skip
        requests.append(api.Request(model="bloom", region=region, hardware=device,
                                    overrides=(f"pue={1.1 + i / 100:.2f}",)))  # fmt: skip
    for i in range(20):
        requests.append(api.Request(model="custom", region="gcp-us-central1",
                                    hardware="h100_sxm", overrides=(f"model.parameters={i + 1}e9",
                                    "model.tokens=2e12")))  # fmt: skip
    return requests


@pytest.mark.slow
def test_200_estimates_in_a_loop_equal_hydras_composition_and_the_command_line(tmp_path):
    requests = loop_inputs()
    assert len(requests) == 200 == len(set(requests))
    fast = [api._estimate_of(r, "fast") for r in requests]  # no fallback: each one is direct
    for request, estimate in zip(requests, fast, strict=True):
        by_hydra = api._estimate_of(request, "hydra")
        assert estimate.to_json() == by_hydra.to_json(), request
        assert estimate._run == by_hydra._run, request
    assert len({e.emissions_t for e in fast}) > 150  # distinct estimates, not one repeated
    # and a handful against the command line itself, in new processes
    chosen = [0, 41, 99, 150, 199]
    processes = [command_line([*requests[i].argv(), "format=json"], tmp_path) for i in chosen]
    for i, process in zip(chosen, processes, strict=True):
        out, err = process.communicate(timeout=600)
        assert process.returncode == 0, err
        same_fields(fast[i], json.loads(out))


def test_the_direct_composition_equals_hydras_for_every_packaged_model():
    for entry in carbonspec.catalog.models():
        if entry.name == "custom":
            continue
        request = api.Request(model=entry.name)
        assert api.compose_run(request, "fast").run == api.compose_run(request, "hydra").run


def test_no_hydra_state_is_left_and_threads_do_not_mix(user_conf):
    from hydra.core.global_hydra import GlobalHydra
    from hydra.core.hydra_config import HydraConfig

    expected = {
        "gpt3": carbonspec.estimate(model="gpt3", region="aws-eu-north-1").to_json(),
        "lab_7b": carbonspec.estimate(model="lab_7b", searchpath=[user_conf]).to_json(),
    }
    assert not GlobalHydra.instance().is_initialized() and not HydraConfig.initialized()
    got: dict[str, list[str]] = {"gpt3": [], "lab_7b": []}
    errors: list[BaseException] = []

    def work(model: str) -> None:
        try:
            for _ in range(4):
                if model == "gpt3":
                    e = carbonspec.estimate(model="gpt3", region="aws-eu-north-1")
                else:
                    e = carbonspec.estimate(model="lab_7b", searchpath=[user_conf])
                got[model].append(e.to_json())
        except BaseException as err:  # noqa: BLE001
            errors.append(err)

    threads = [threading.Thread(target=work, args=(m,)) for m in ("gpt3", "lab_7b") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert got == {m: [expected[m]] * 8 for m in expected}
    # the user's folder does not leak into the next call without it
    with pytest.raises(carbonspec.UnknownOption, match="unknown model 'lab_7b'"):
        carbonspec.estimate(model="lab_7b")


def test_a_hydra_app_calling_carbonspec_keeps_its_own_hydra_state(user_conf, tmp_path):
    from hydra import compose, initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    (tmp_path / "train.yaml").write_text("lr: 0.1\n", encoding="utf-8")
    with initialize_config_dir(version_base="1.3", config_dir=str(tmp_path)):
        theirs = GlobalHydra.instance().hydra
        assert carbonspec.estimate(model="lab_7b", searchpath=[user_conf]).device_hours == 16000
        assert GlobalHydra.instance().hydra is theirs
        assert compose("train").lr == 0.1  # their app still composes its own configs
    assert not GlobalHydra.instance().is_initialized()


def test_table_equals_the_command_line(cli):
    seed = carbonspec.table("seed_industry")
    assert seed.to_markdown() == Path("outputs/tables/seed_industry.md").read_text()
    assert seed.to_latex() == Path("outputs/tables/seed_industry.tex").read_text()
    assert seed.to_csv() == Path("outputs/tables/seed_industry.csv").read_text()
    assert seed.to_json() == Path("outputs/tables/seed_industry.json").read_text()
    assert seed.to_json() == cli("table=seed_industry", "format=json").stdout
    assert (
        seed.to_latex("column")
        == cli("table=seed_industry", "format=latex", "latex.width=column").stdout
    )
    assert seed.bibtex() == cli("table=seed_industry", "format=bibtex").stdout
    assert seed._repr_markdown_() == seed.to_markdown()
    assert seed.footnotes and seed.caption and seed.name == "seed_industry"
    recomputed = carbonspec.table("seed_industry", method="tdp", grid="latest")
    assert (
        recomputed.to_json()
        == cli("table=seed_industry", "method=tdp", "grid=latest", "format=json").stdout
    )
    records = seed.to_records()
    assert [r["model"] for r in records] == [r["model"] for r in seed.rows]
    assert json.loads(json.dumps(records)) == records  # plain data


def test_table_by_region_and_its_figure(cli, tmp_path):
    t = carbonspec.table("by_region", model="gpt3", regions="gcp-*")
    printed = cli("table=by_region", "model=gpt3", "table.regions=gcp-*", "format=json")
    assert t.to_json() == printed.stdout
    assert {r["region"] for r in t.rows} <= {r.name for r in carbonspec.catalog.regions("gcp-*")}
    before = sorted(Path.cwd().iterdir())
    figure = t.figure()
    # latex.width=text: a 5.5 in text block (carbonspec.latex.WIDTHS, 397.48 pt)
    assert figure.axes and figure.get_figwidth() == pytest.approx(397.48 / 72.27)
    assert t.figure(width="column").get_figwidth() == pytest.approx(216.81 / 72.27)
    assert sorted(Path.cwd().iterdir()) == before  # nothing written
    with pytest.raises(carbonspec.InvalidValue, match="has no figure"):
        carbonspec.table("seed_industry").figure()
    with pytest.raises(carbonspec.UnknownOption, match="unknown table 'seed'"):
        carbonspec.table("seed")
    with pytest.raises(carbonspec.InvalidValue, match="cannot apply to a table"):
        carbonspec.table("validation", model="gpt3")


def test_to_dataframe():
    pandas = pytest.importorskip("pandas")
    frame = carbonspec.table("validation").to_dataframe()
    assert isinstance(frame, pandas.DataFrame)
    assert len(frame) == len(carbonspec.table("validation").rows)
    assert {"model", "emissions_t", "reported_emissions_t"} <= set(frame.columns)


def test_sweep_equals_the_command_lines_summary(cli, tmp_path):
    regions = ["aws-us-east-1", "gcp-europe-west4", "custom", "country-caf"]
    s = carbonspec.sweep(model="gpt3", region=regions, hardware=["a100_sxm4_80gb", "h100_sxm"])
    sweep_dir = tmp_path / "sweep"
    printed = cli("-m", "model=gpt3", "region=" + ",".join(regions),
                  "hardware=a100_sxm4_80gb,h100_sxm", f"hydra.sweep.dir={sweep_dir}")  # fmt: skip
    assert printed.returncode == 0, printed.stderr
    # the same rows, footnotes, failures and skips: the same Markdown, LaTeX and CSV
    assert s.to_markdown() == (sweep_dir / "summary.md").read_text()
    assert s.to_csv() == (sweep_dir / "summary.csv").read_text()
    assert s.to_latex() == (sweep_dir / "summary.tex").read_text()
    assert len(s.rows) == 4 and len(s.summary["skipped"]) == 4 and not s.summary["failed"]
    each = [
        carbonspec.estimate(model="gpt3", region=r, hardware=h).emissions_t
        for r in regions[:2]
        for h in ("a100_sxm4_80gb", "h100_sxm")
    ]
    assert sorted(r["emissions_t"] for r in s.rows) == sorted(each)
    assert [r["emissions_t"] for r in s.rows] == sorted(each)  # greenest first
    assert s.figure().axes


def test_sweep_takes_patterns_and_lists_and_keeps_going_past_a_bad_job():
    s = carbonspec.sweep(model=["gpt3", "bloom"], region="aws-eu-*", grid=[2021, "latest"])
    regions = [r.name for r in carbonspec.catalog.regions("aws-eu-*")]
    assert len(s.rows) == 2 * len(regions) * 2
    bad = carbonspec.sweep(model="gpt3", region=["aws-us-east-1", "aws-nowhere"])
    assert len(bad.rows) == 1 and bad.outcomes[0].startswith(
        "Failed: model=gpt3 region=aws-nowhere"
    )
    with pytest.raises(carbonspec.UnknownOption, match="no region matches 'nowhere-\\*'"):
        carbonspec.sweep(model="gpt3", region="nowhere-*")
    with pytest.raises(carbonspec.NotEstimable, match="no job of the sweep gave a result"):
        carbonspec.sweep(model="custom", region="aws-us-east-1")


def test_catalog_listings(cli):
    models = {m.name: m for m in carbonspec.catalog.models()}
    assert models["gpt3"].display_name == "GPT-3 175B"
    assert (models["gpt3"].hardware, models["gpt3"].region) == ("v100_sxm2_32gb", "microsoft-us")
    aws = carbonspec.catalog.regions("aws-*")
    assert aws and all(r.name.startswith("aws-") and r.provider == "aws" for r in aws)
    assert f"aws ({len(aws)}):" in cli("list=region", "aws-*").stdout
    west = {r.name: r for r in aws}["aws-us-west-2"]
    assert west.display_name == "Amazon Web Services US West (Oregon)"
    assert west.short_name == "AWS us-west-2" and west.country == "United States"
    devices = {h.name: h for h in carbonspec.catalog.hardware()}
    # NVIDIA H100 SXM5: 700 W TDP (NVIDIA H100 datasheet)
    assert devices["h100_sxm"].power_w == 700 and devices["h100_sxm"].kind == "gpu"
    assert len(devices) == len(carbonspec.catalog.options("hardware"))


def test_the_package_exports_exactly_the_apis_public_names():
    """carbonspec/__init__.py names the API's exports itself (importing carbonspec.api to read
    them would make `import carbonspec` heavy): the two lists must not drift apart."""
    from carbonspec import api

    assert set(carbonspec.__all__) - {"__version__", "catalog"} == set(api.__all__)
    for name in api.__all__:
        assert getattr(carbonspec, name) is getattr(api, name)


def test_import_stays_light():
    """import carbonspec loads neither Hydra nor OmegaConf (the command line starts as fast as
    before); the API loads them when first used."""
    code = (
        "import sys, carbonspec; print(sorted(m for m in ('hydra', 'omegaconf', 'carbonspec.api')"
        " if m in sys.modules)); print(carbonspec.estimate(model='bloom').model_name)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["[]", "BLOOM 176B"]


def test_the_public_names_are_the_apis_functions_whatever_was_imported():
    """No module of the package shadows carbonspec.estimate, .sweep or .table, even after the
    command line's and the engine's modules are imported (as a sweep's jobs import them)."""
    from carbonspec import api, app, sweep_records  # noqa: F401 (imported for their effect)

    for name in ("estimate", "sweep", "table"):
        assert getattr(carbonspec, name) is getattr(api, name)
    assert carbonspec.estimate(model="gopher").model == "gopher"


def readme_example() -> tuple[str, str]:
    """The README's "From Python" example and the output it shows."""
    text = Path("README.md").read_text(encoding="utf-8")
    section = text.split("## From Python", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    shown = section.split("```text\n", 1)[1].split("```", 1)[0]
    return code, shown


def test_the_readmes_python_example_prints_what_it_shows(tmp_path):
    pytest.importorskip("pandas")
    code, shown = readme_example()
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport matplotlib.figure\nprint(type(ax.figure))"],
        cwd=tmp_path, capture_output=True, text=True, env={**os.environ, "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert out.stdout == shown + "<class 'matplotlib.figure.Figure'>\n"
    assert not list(tmp_path.iterdir())  # nothing written


def test_the_readmes_example_follows_the_compute_model():
    """Its device-hours from the sources: 6 x N x D FLOPs (Kaplan et al. 2020) at the H100 SXM's
    989.4 TFLOPS dense BF16 (NVIDIA datasheet) x MFU 0.35 (conf/compute/default.yaml)."""
    e = carbonspec.estimate(model="custom", hardware="h100_sxm", region="gcp-us-central1",
                            overrides=["model.parameters=7e9", "model.tokens=2e12"])  # fmt: skip
    assert e.device_hours == pytest.approx(6 * 7e9 * 2e12 / (989.4e12 * 0.35 * 3600))
    assert e.device_hours_basis == "compute"
    assert e.energy_kwh == pytest.approx(700 * e.device_hours * e.pue / 1000)
    assert e.emissions_t == pytest.approx(e.energy_kwh * e.carbon_intensity_g_per_kwh / 1e6)
