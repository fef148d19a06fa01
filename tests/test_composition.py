"""One composition: whatever carbonspec reads outside Hydra (tables, by-region, the estimate's
typed groups) is what Hydra composes for the same choices, field by field."""

import dataclasses
import enum
import json
import subprocess
import sys
import textwrap

import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.types import RunMode

from carbonspec import app, catalog, tables
from carbonspec.schema import Method

CONF = catalog.CONF_DIR
GROUPS = list(catalog.SCHEMAS)  # model, hardware, region, provider, uncertainty, embodied, ...


def strict(value):
    """A typed object as plain data with every value's type: 700 and 700.0 differ."""
    if dataclasses.is_dataclass(value):
        fields = {f.name: strict(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return (type(value).__name__, fields)
    if isinstance(value, list):
        return [strict(v) for v in value]
    if isinstance(value, dict):
        return {k: strict(v) for k, v in value.items()}
    if isinstance(value, enum.Enum):
        return (type(value).__name__, value.value)
    return (type(value).__name__, value)


@pytest.fixture(scope="module")
def hydra():
    """Hydra's own composition of carbonspec's configs (through Hydra's file source: the
    packaged folder as a plain directory, so carbonspec's config source plays no part)."""

    def composed(*overrides):
        GlobalHydra.instance().clear()
        with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
            return compose("config", list(overrides), return_hydra_config=True)

    return composed


@pytest.fixture
def user_folder(tmp_path):
    folder = tmp_path / "myconf"
    for group in ("model", "table", "region"):
        (folder / group).mkdir(parents=True)
    yield folder
    catalog.use_search_path([CONF])


def write(folder, relative, text):
    path = folder / relative
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def both_ways(hydra, choices, searchpath=None):
    """Each group typed from Hydra's config (as a command's estimate validates it) and from
    carbonspec's composition (as tables and by-region compose it), and the choices of each."""
    extra = [f"hydra.searchpath=[file://{searchpath}]"] if searchpath else []
    cfg = hydra(*extra, *(f"{g}={n}" for g, n in choices.items()))
    chosen = cfg.hydra.runtime.choices
    catalog.use_search_path([CONF, searchpath] if searchpath else [CONF])
    composed = catalog.compose(choices)
    from_hydra = {g: catalog.validate(catalog.SCHEMAS[g], cfg[g], g) for g in GROUPS}
    fast = {g: composed.typed(g) for g in GROUPS}
    # the single estimate's own path: packaged groups nothing else touched, straight from the file
    files = app.composed(chosen)
    estimate = {g: app.typed(cfg, g, chosen[g], set(), files) for g in GROUPS}
    assert {g: composed.choices[g] for g in GROUPS} == {g: chosen[g] for g in GROUPS}
    return from_hydra, fast, estimate


@pytest.mark.parametrize("model", catalog.options("model"))
def test_every_packaged_model_composes_the_same_both_ways(hydra, model):
    from_hydra, fast, estimate = both_ways(hydra, {"model": model})
    for group in GROUPS:
        assert strict(fast[group]) == strict(from_hydra[group]), group
        assert strict(estimate[group]) == strict(from_hydra[group]), group
    run = tables.run_for(model, {}, Method.tdp, "auto", from_hydra["uncertainty"])
    for group in (
        "model",
        "hardware",
        "region",
        "provider",
        "embodied",
        "water",
        "compute",
        "power",
    ):
        assert strict(getattr(run, group)) == strict(from_hydra[group]), group


# a region of each provider, every site whose provider is not its name's prefix, and custom
SOME_REGIONS = [
    "aws-us-east-1", "gcp-us-central1", "azure-westeurope", "coreweave-ord1", "ovh-gra",
    "scaleway-paris", "seeweb-fro2", "country-usa", "country-fra", "country-caf",
    "google-us", "google-us-georgia", "microsoft-us", "meta-us", "jean-zay", "ai2-jupiter",
    "custom",
]  # fmt: skip


@pytest.mark.parametrize("region", SOME_REGIONS)
def test_regions_compose_the_same_both_ways(hydra, region):
    assert region in catalog.options("region")
    from_hydra, fast, _ = both_ways(hydra, {"model": "gpt3", "region": region})
    for group in GROUPS:
        assert strict(fast[group]) == strict(from_hydra[group]), group


@pytest.mark.slow
def test_every_region_has_the_provider_hydra_composes():
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONF), version_base="1.3"):
        loader = GlobalHydra.instance().config_loader()
        for region in catalog.options("region"):
            hydra = loader.compute_defaults_list("config", [f"region={region}"], RunMode.RUN)
            assert catalog.region_provider(region) == hydra.overrides.known_choices["provider"]


def test_the_cleanest_region_is_sought_among_the_regions_of_that_provider():
    """One rule for a region's provider, the defaults list, also for the candidates."""
    providers = {r: catalog.region_provider(r) for r in catalog.options("region")}
    for provider in ("gcp", "azure", "aws"):
        candidates = [name for name, _ in catalog.provider_regions(provider)]
        assert candidates == [r for r, p in providers.items() if p == provider]
    assert "google-us-georgia" in [n for n, _ in catalog.provider_regions("gcp")]
    assert "microsoft-us" in [n for n, _ in catalog.provider_regions("azure")]
    assert catalog.provider_regions("meta") == []  # one site: no choice of region
    # on-premises (the primary config's default provider): countries and sites, not a choice
    assert catalog.provider_regions("private") == []
    assert catalog.provider_regions("aws") is catalog.provider_regions("aws")


MINE = """\
    # @package _global_
    defaults:
      - override /hardware: h100_sxm
      - override /region: custom

    hardware:
      power_w: 350

    region:
      carbon_intensity: 400
      pue: 1.2

    model:
      name: My run
      device_hours: 1000
    """
# every group's keys set from the model's own file; its provider overrides its region's
EVERYTHING = """\
    # @package _global_
    defaults:
      - override /hardware: a100_sxm4_40gb
      - override /region: aws-us-east-1
      - override /provider: gcp

    hardware:
      power_w: 300
      short_name: A100 (capped)
    region:
      display_name: AWS N. Virginia, as I call it
      offset_ratio: 0.5
    provider:
      pue: 1.11
      renewable_matching_pct: 50
    uncertainty:
      tdp_power_low_factor: 0.8
    embodied:
      lifetime_years: 4
    water:
      default_wue: 0.5
    compute:
      mfu: 0.4
    model:
      name: Everything
      devices: 8
      hours: 100
      training_year: 2022
      tokens: 2e12  # a float in OmegaConf's YAML, a string in PyYAML's YAML 1.1
    """


def test_user_models_that_set_other_groups_compose_the_same_both_ways(hydra, user_folder):
    write(user_folder, "model/mine.yaml", MINE)
    write(user_folder, "model/everything.yaml", EVERYTHING)
    from_hydra, fast, estimate = both_ways(hydra, {"model": "mine"}, user_folder)
    assert from_hydra["hardware"].power_w == 350.0
    from_hydra, fast, estimate = both_ways(hydra, {"model": "everything"}, user_folder)
    for group in GROUPS:
        assert strict(fast[group]) == strict(from_hydra[group]), group
        assert strict(estimate[group]) == strict(from_hydra[group]), group
    assert fast["provider"].name == "Google Cloud Platform" and fast["provider"].pue == 1.11
    assert fast["region"].offset_ratio == 0.5 and fast["model"].tokens == 2e12
    # compute comes after model in conf/config.yaml's defaults: its own file is merged last
    assert fast["compute"].mfu == from_hydra["compute"].mfu == 0.35
    # a row choosing another region still gets the model's own region keys, as Hydra does
    choices = {"model": "everything", "region": "gcp-us-central1"}
    from_hydra, fast, _ = both_ways(hydra, choices, user_folder)
    assert strict(fast["region"]) == strict(from_hydra["region"])
    assert fast["region"].offset_ratio == 0.5 and fast["model"].tokens == 2e12


def test_a_users_file_does_not_shadow_a_packaged_one_found_first(hydra, user_folder):
    """Hydra looks in the packaged configs before hydra.searchpath's folders: so does
    carbonspec."""
    write(user_folder, "model/gpt3.yaml", MINE)
    from_hydra, fast, _ = both_ways(hydra, {"model": "gpt3"}, user_folder)
    assert fast["model"].name == from_hydra["model"].name == "GPT-3 175B"


def tonnes(result):
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return [r["emissions_t"] for r in out["rows"]] if "rows" in out else out["emissions_t"]


def test_a_user_model_setting_the_hardware_power_is_honoured_everywhere(cli, user_folder):
    """The issue's model: its file sets hardware.power_w: 350 for the H100 it chooses."""
    write(user_folder, "model/mine.yaml", MINE)
    write(
        user_folder,
        "table/mine.yaml",
        """\
        caption: My runs
        columns: [model, hardware, device_hours, estimate]
        rows:
          - model: mine
        """,
    )
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    # 350 W x 1,000 device-hours = 350 kWh; x PUE 1.2 = 420 kWh; x 400 g/kWh = 168 kg
    expected = 350 * 1000 / 1000 * 1.2 * 400 / 1e6
    assert tonnes(cli(searchpath, "model=mine", "format=json")) == pytest.approx(expected)
    assert tonnes(cli(searchpath, "table=mine", "format=json")) == [pytest.approx(expected)]
    # the issue's own run: in the primary config's default region, at its grid and PUE
    issue = """\
        # @package _global_
        defaults:
          - override /hardware: h100_sxm
        hardware:
          power_w: 350
        model:
          name: Mine
          device_hours: 1000
        """
    write(user_folder, "model/issue.yaml", issue)
    out = json.loads(cli(searchpath, "model=issue", "format=json").stdout)
    by_hand = 350 * 1000 * out["pue"] * out["carbon_intensity_g_per_kwh"] / 1e9
    assert (out["region"], out["power_w"]) == ("aws-us-east-1", 350)
    assert out["emissions_t"] == pytest.approx(by_hand)
    # and in a sweep, where a job's packaged groups are taken straight from their files
    assert cli("-m", searchpath, "model=mine", "pue=1.2,1.5").returncode == 0
    [summary] = user_folder.parent.glob("outputs/sweeps/*/*/summary.json")
    rows = json.loads(summary.read_text())["rows"]
    assert sorted(r["emissions_t"] for r in rows) == pytest.approx(
        [expected, 350 * 1000 / 1000 * 1.5 * 400 / 1e6]
    )


def test_by_region_gives_what_a_sweep_composes(cli, user_folder):
    """A model file's region keys reach every region, in the one-process table as in a sweep."""
    write(user_folder, "model/everything.yaml", EVERYTHING)
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    table = cli(
        searchpath, "table=by_region", "model=everything", "table.regions=aws-us-e*", "format=json"
    )
    assert table.returncode == 0, table.stderr
    fast = json.loads(table.stdout)["rows"]
    assert cli("-m", searchpath, "model=everything", "region=glob(aws-us-e*)").returncode == 0
    [summary] = user_folder.parent.glob("outputs/sweeps/*/*/summary.json")
    swept = json.loads(summary.read_text())["rows"]
    keys = ("region", "provider", "power_w", "pue", "emissions_t", "market_based_emissions_t")
    assert len(fast) == 2
    assert sorted(tuple(r[k] for k in keys) for r in fast) == sorted(
        tuple(r[k] for k in keys) for r in swept
    )


INTERPOLATED = """\
    # @package _global_
    defaults:
      - override /hardware: h100_sxm
      - override /region: gcp-us-central1

    model:
      name: Interpolated run
      devices: 8
      hours: 125
      device_hours_source: ${model.name}'s logs
    """


def test_a_model_only_hydra_composes_is_estimated_listed_and_carried_to_other_hardware(
    cli, user_folder
):
    """An interpolation is Hydra's to resolve: a single estimate takes Hydra's config, and the
    run's own hardware (for a what-if) and the listing read the file's defaults list."""
    write(user_folder, "model/interp.yaml", INTERPOLATED)
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    own = cli(searchpath, "model=interp", "format=json")
    assert own.returncode == 0, own.stderr
    out = json.loads(own.stdout)
    assert (out["hardware"], out["region"], out["device_hours"]) == (
        "h100_sxm",
        "gcp-us-central1",
        1000,
    )
    # the same work on B200s: 1,000 H100-hours x 989.4 / 2,250 dense BF16 TFLOPS (datasheets)
    what_if = json.loads(cli(searchpath, "model=interp", "hardware=b200", "format=json").stdout)
    assert what_if["run_hardware"] == "h100_sxm"
    assert what_if["device_hours"] == pytest.approx(1000 * 989.4 / 2250, rel=1e-8)
    listed = cli(searchpath, "list=model", "interp")
    assert listed.returncode == 0, listed.stderr
    assert "Interpolated run  [h100_sxm, gcp-us-central1]" in listed.stdout


@pytest.mark.parametrize(
    "header, body, refused",
    [
        ("# @package _global_", "model:\n  name: ${model.organization}", "interpolation"),
        ("# @package model", "name: Mine", "@package model"),
        ("# @package _global_", "defaults:\n  - /hardware@extra: h100_sxm\nmodel:\n  name: x", ""),
    ],
)
def test_what_the_reader_does_not_mirror_is_refused_in_one_line(
    cli, user_folder, header, body, refused
):
    write(user_folder, "model/odd.yaml", f"{header}\n{body}\n")
    write(user_folder, "table/odd.yaml", "caption: Odd\nrows:\n  - model: odd\n")
    result = cli(f"hydra.searchpath=[file://{user_folder}]", "table=odd")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "odd.yaml" in line and refused in line and "does not mirror" in line


def test_the_config_source_serves_what_hydras_own_sources_serve():
    """Hydra composing through carbonspec's config source (pkg://carbonspec.conf, as the
    command does; Hydra's own configs too) gives the very config it composes without it."""
    code = textwrap.dedent(
        f"""
        from hydra import compose, initialize_config_dir, initialize_config_module
        from hydra.core.global_hydra import GlobalHydra
        from omegaconf import OmegaConf
        from carbonspec import app, catalog
        app.make_sweeper_discoverable()

        def configs(init):
            GlobalHydra.instance().clear()
            with init():
                out = {{}}
                for model in catalog.options("model"):
                    cfg = compose("config", ["model=" + model], return_hydra_config=True)
                    sources = [s.schema for s in cfg.hydra.runtime.config_sources]
                    plain = OmegaConf.to_container(cfg)
                    plain["hydra"].pop("runtime")  # where the configs came from: that differs
                    out[model] = (plain, sources)
                return out

        served = configs(lambda: initialize_config_module("carbonspec.conf", version_base="1.3"))
        plain = configs(lambda: initialize_config_dir({str(CONF)!r}, version_base="1.3"))
        assert all("carbonspec" in sources for _, sources in served.values())
        assert all("carbonspec" not in sources for _, sources in plain.values())
        assert {{m: c for m, (c, _) in served.items()}} == {{m: c for m, (c, _) in plain.items()}}
        print(len(served))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(catalog.options("model"))


def test_by_region_refuses_a_region_that_changes_the_run_itself(cli, user_folder):
    region = """\
        # @package _global_
        defaults:
          - override /provider: aws
        region:
          name: odd
          display_name: A region that sets another group
          carbon_intensity: 100
        {group}:
          {key}: {value}
        """
    write(
        user_folder, "region/odd-site.yaml", region.format(group="hardware", key="power_w", value=1)
    )
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    result = cli(searchpath, "table=by_region", "model=gpt3", "table.regions=odd-*")
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "region 'odd-site' changes hardware" in line and "sweep" in line
    # its own keys and its provider's are what a by-region table varies: composed as in a sweep
    write(
        user_folder, "region/odd-site.yaml", region.format(group="provider", key="pue", value=1.12)
    )
    out = cli(searchpath, "table=by_region", "model=gpt3", "table.regions=odd-*", "format=json")
    assert out.returncode == 0, out.stderr
    [row] = json.loads(out.stdout)["rows"]
    assert (row["provider"], row["carbon_intensity_g_per_kwh"], row["pue"]) == ("aws", 100, 1.12)
    assert cli("-m", searchpath, "model=gpt3", "region=odd-site").returncode == 0
    [summary] = user_folder.parent.glob("outputs/sweeps/*/*/summary.json")
    [swept] = json.loads(summary.read_text())["rows"]
    assert swept["emissions_t"] == row["emissions_t"] and swept["pue"] == 1.12


@pytest.mark.parametrize(
    "dest, src",
    [
        ({"a": None}, {"a": "???"}),
        ({"a": {"b": 1}}, {"a": "???"}),
        ({}, {"a": "???"}),
        ({"a": {"b": 1}}, {"a": None}),
        ({"a": None}, {"a": {"b": 1}}),
        ({"a": {"b": 1, "d": [1, 2]}}, {"a": {"c": 2, "b": "???", "d": [3]}}),
        ({"a": 1}, {"a": {"x": 1}}),
        ({"a": {"x": 1}}, {"a": 3}),
    ],
)
def test_layers_merge_as_omegaconf_merges(dest, src):
    from omegaconf import OmegaConf

    assert catalog._merge(dest, src) == OmegaConf.to_container(OmegaConf.merge(dest, src))


def test_an_on_premises_site_has_no_cleanest_region(cli):
    out = cli("model=gpt3", "region=country-fra", "format=json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["cleanest_region"] is None
    out = cli("model=gpt3", "region=google-us", "format=json")  # a Google site: GCP's regions
    assert json.loads(out.stdout)["cleanest_region"].startswith("gcp-")


def test_an_estimate_resolves_a_users_interpolation_as_hydra_does(cli, user_folder):
    odd = """\
        # @package _global_
        defaults:
          - override /hardware: h100_sxm
        model:
          organization: ACME
          name: ${model.organization} run
          device_hours: 1000
        """
    write(user_folder, "model/odd.yaml", odd)
    out = cli(f"hydra.searchpath=[file://{user_folder}]", "model=odd", "format=json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["model_name"] == "ACME run"
