"""Reading config files: as OmegaConf reads them, never stale, never running code from the
cache, within bounds, and in the test suite's own cache folder."""

import hashlib
import hmac
import io
import json
import math
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from omegaconf import OmegaConf

from carbonspec import catalog, configfiles
from carbonspec.configfiles import DiskCache, Memory

CONF = catalog.CONF_DIR


def typed(value):
    """Plain data with every scalar's type, so that 700 and 700.0 (or "1e6") differ."""
    if isinstance(value, dict):
        return {k: typed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [typed(v) for v in value]
    if isinstance(value, float) and math.isnan(value):
        return ("float", "nan")
    return (type(value).__name__, value)


def omegaconf_reads(text: str):
    return OmegaConf.to_container(OmegaConf.load(io.StringIO(text)))


def same_size_and_time(path: Path, old: str, new: str) -> None:
    """Edit a file in place the way an editor or a checkout can: same length, same times."""
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1 and len(old) == len(new)
    path.write_text(text.replace(old, new), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = path.stat()
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_every_packaged_file_reads_as_omegaconf_reads_it():
    import hydra.conf

    # carbonspec's, and Hydra's own, which carbonspec's config source also serves to Hydra
    paths = sorted(CONF.rglob("*.yaml")) + sorted(Path(hydra.conf.__file__).parent.rglob("*.yaml"))
    assert len(paths) > 450
    for path in paths:
        parsed = configfiles.parse(path.read_bytes(), "digest", str(path))
        assert typed(parsed.data) == typed(OmegaConf.to_container(OmegaConf.load(path))), path


@pytest.mark.parametrize(
    "text",
    [
        "a: 1e6\nb: 6.02e+23\nc: 1_000\nd: 1.5e-3\ne: 12e3",  # floats without a dot: OmegaConf's
        "a: 2024-01-31\nb: 2024-01-31 10:00:00",  # dates stay strings in OmegaConf
        "a: yes\nb: off\nc: ~\nd: null\ne: .inf\nf: -.Inf\ng: .nan",
        "a: 0o17\nb: 017\nc: 0x1F\nd: 1:30\ne: 190:20:30.15\nf: +12",
        "a: '1e6'\nb: \"700\"\nc: [1, 2.0, three]\nd: {x: 1}",
        "",
    ],
)
def test_the_fast_reader_follows_omegaconf_where_yaml_1_1_differs(text):
    assert typed(configfiles.parse(text.encode(), "d", "x").data) == typed(omegaconf_reads(text))


def test_a_key_given_twice_fails_as_in_omegaconf():
    with pytest.raises(
        configfiles.ConfigFileError, match="x, line 2: the key 'power_w' is given twice"
    ):
        configfiles.parse(b"power_w: 700\npower_w: 900\n", "d", "x")
    with pytest.raises(yaml.YAMLError):
        omegaconf_reads("power_w: 700\npower_w: 900\n")


def test_the_package_header_is_read_as_hydra_reads_it():
    from hydra.plugins.config_source import ConfigSource

    for path in sorted(CONF.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert configfiles.package_of(text) == ConfigSource._get_header_dict(text[:512])["package"]


@pytest.fixture
def packaged_copy(tmp_path, monkeypatch):
    """The packaged conf/ as a copy carbonspec takes for its own: a test may edit it."""
    copy = tmp_path / "conf"
    shutil.copytree(CONF, copy)
    monkeypatch.setattr(catalog, "CONF_DIR", copy)
    monkeypatch.setattr(catalog, "_CONF", str(copy))
    monkeypatch.setattr(catalog, "_search_dirs", [copy])
    return copy


def test_a_packaged_file_edited_keeping_size_and_time_is_read_again(packaged_copy):
    assert catalog.is_packaged("hardware", "h100_sxm")
    assert catalog.load_fast("hardware", "h100_sxm").power_w == 700
    assert catalog.compose({"hardware": "h100_sxm"}).typed("hardware").power_w == 700
    h100 = packaged_copy / "hardware" / "h100_sxm.yaml"
    same_size_and_time(h100, "\npower_w: 700", "\npower_w: 900")
    assert catalog.load_fast("hardware", "h100_sxm").power_w == 900
    assert catalog.load("hardware", "h100_sxm").power_w == 900
    from carbonspec import tables
    from carbonspec.schema import Method

    uncertainty = catalog.load("uncertainty", "default")
    run = tables.run_for("llama2_70b", {"hardware": "h100_sxm"}, Method.tdp, "auto", uncertainty)
    assert run.hardware.power_w == 900


def test_the_python_api_reads_an_edited_file_afresh(packaged_copy):
    """Each call is one reading of the files: an edit between two calls is seen, whichever way
    the API composes (carbonspec.catalog.compose, or Hydra's compose API)."""
    from carbonspec import api

    request = api.Request(model="llama3_8b", hardware="h100_sxm")
    assert api._estimate_of(request, "fast").power_w == 700
    same_size_and_time(
        packaged_copy / "hardware" / "h100_sxm.yaml", "\npower_w: 700", "\npower_w: 900"
    )
    assert api._estimate_of(request, "fast").power_w == 900


MINE = """\
# @package _global_
defaults:
  - override /hardware: h100_sxm
  - override /region: custom

region:
  carbon_intensity: 400
  pue: 1.2

model:
  name: My run
  device_hours: 1000
"""
TABLE = """\
caption: My runs
columns: [model, hardware, device_hours, estimate]
rows:
  - model: mine
"""


@pytest.fixture
def user_folder(tmp_path):
    folder = tmp_path / "myconf"
    (folder / "model").mkdir(parents=True)
    (folder / "table").mkdir()
    (folder / "model" / "mine.yaml").write_text(MINE, encoding="utf-8")
    (folder / "table" / "mine.yaml").write_text(TABLE, encoding="utf-8")
    yield folder
    catalog.use_search_path([CONF])


def tonnes(result) -> float:
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    return (out["rows"][0] if "rows" in out else out)["emissions_t"]


def test_a_user_file_edited_keeping_size_and_time_is_read_again_in_process(
    run_in, user_folder, tmp_path
):
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    # 1000 device-hours x 700 W x PUE 1.2 x 400 g/kWh = 0.336 t; then 9000 device-hours: 3.024 t
    for args in (["model=mine"], ["table=mine"]):
        assert tonnes(run_in(searchpath, *args, "format=json", cwd=tmp_path)) == 0.336
    same_size_and_time(user_folder / "model" / "mine.yaml", "hours: 1000", "hours: 9000")
    for args in (["model=mine"], ["table=mine"]):
        assert tonnes(run_in(searchpath, *args, "format=json", cwd=tmp_path)) == 3.024


def carbonspec(*args, cache: Path, cwd: Path) -> subprocess.CompletedProcess:
    """A new process, with the cache folder given."""
    env = {**os.environ, "CARBONSPEC_CACHE_DIR": str(cache)}
    env.pop("CARBONSPEC_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "carbonspec", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip


def test_a_user_file_edited_keeping_size_and_time_is_read_again_in_a_new_process(
    user_folder, tmp_path
):
    cache = tmp_path / "cache"
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    for args in (["model=mine"], ["table=mine"]):
        assert tonnes(carbonspec(searchpath, *args, "format=json", cache=cache, cwd=tmp_path)) == (
            0.336
        )
    assert (cache / "parsed.json").is_file()  # the second process read the first one's cache
    same_size_and_time(user_folder / "model" / "mine.yaml", "hours: 1000", "hours: 9000")
    for args in (["model=mine"], ["table=mine"]):
        assert tonnes(carbonspec(searchpath, *args, "format=json", cache=cache, cwd=tmp_path)) == (
            3.024
        )


def h100_digest() -> str:
    return hashlib.sha256((CONF / "hardware" / "h100_sxm.yaml").read_bytes()).hexdigest()


class Trap:
    """Unpickling this creates a file: the proof that a pickle was loaded."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_crafted_cache_changes_no_number_and_runs_no_code(tmp_path):
    cache = tmp_path / "cache"
    # a run on H100s, whose datasheet power (700 W) comes from the cached h100_sxm.yaml
    args = ("model=llama3_8b", "hardware=h100_sxm", "format=json")
    first = carbonspec(*args, cache=cache, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["power_w"] == 700
    header, _, payload = (cache / "parsed.json").read_bytes().partition(b"\n")
    entries = json.loads(payload)
    key = configfiles.cache_key(h100_digest())  # the rules' version and the file's hash
    assert entries[key][2]["power_w"] == 700

    # the right shape, the right entry, another power: with the old signature, or another key's
    entries[key][2]["power_w"] = 3000
    forged = json.dumps(entries).encode()
    other_mac = hmac.new(os.urandom(32), forged, hashlib.sha256).hexdigest()
    other_header = json.dumps({"format": json.loads(header)["format"], "mac": other_mac}).encode()
    marker = tmp_path / "unpickled"
    crafted = [
        header + b"\n" + forged,
        other_header + b"\n" + forged,
        pickle.dumps(Trap(marker)),
        os.urandom(4096),
        b'{"format": 1}\n[1, 2, 3]',
    ]
    for content in crafted:
        (cache / "parsed.json").write_bytes(content)
        # the cache file of earlier versions, which was unpickled
        (cache / f"parsed-{yaml.__version__}.pickle").write_bytes(pickle.dumps(Trap(marker)))
        again = carbonspec(*args, cache=cache, cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        assert json.loads(again.stdout) == json.loads(first.stdout)
        assert not marker.exists()
        assert DiskCache(cache).get(h100_digest()).data["power_w"] == 700  # rebuilt


def test_the_cache_stays_bounded_after_a_large_file(user_folder, tmp_path):
    cache = tmp_path / "cache"
    # under the 1 MB a config file may hold, over a tenth of what the cache keeps
    assert DiskCache(cache).max_bytes // 10 < 900_000 < configfiles.MAX_BYTES
    large = MINE.replace("name: My run", f"name: My run\n  notes: '{'x' * 900_000}'")
    (user_folder / "model" / "mine.yaml").write_text(large, encoding="utf-8")
    searchpath = f"hydra.searchpath=[file://{user_folder}]"
    for args in (["model=mine"], ["table=mine"], ["table=by_region", "model=gpt3"]):
        result = carbonspec(searchpath, *args, "format=json", cache=cache, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    digest = hashlib.sha256(large.encode()).hexdigest()
    content = (cache / "parsed.json").read_bytes()
    assert digest.encode() not in content
    assert len(content) <= DiskCache(cache).max_bytes + 200  # the header line
    assert len(json.loads(content.partition(b"\n")[2])) > 344  # every region is kept


def test_the_cache_drops_what_was_not_used_first(tmp_path):
    def run(texts, **limits):
        disk = DiskCache(tmp_path, **limits)
        memory = Memory(disk)
        for text in texts:
            memory.parsed(text.encode(), "x")
        disk.save()
        kept = DiskCache(tmp_path)
        kept.get("")  # reads the file
        return kept

    def lines(prefix):
        return [f"{prefix}_{i}: {'y' * 50}" for i in range(20 if prefix == "old" else 5)]

    assert len(run(lines("old")).entries) == 20
    kept = run(lines("new"), max_files=8)
    assert len(kept.entries) == 8
    for text in lines("new"):  # this run's files are all kept, before any other
        assert kept.get(hashlib.sha256(text.encode()).hexdigest()).data == yaml.safe_load(text)
    kept = run(lines("newer"), max_bytes=700)
    assert 0 < len(kept.entries) <= 5
    assert len((tmp_path / "parsed.json").read_bytes().partition(b"\n")[2]) <= 700


def test_data_json_would_change_is_not_kept(tmp_path):
    disk = DiskCache(tmp_path)
    memory = Memory(disk)
    disk.get("")
    for text in ("2020: a year as a key", "a: !!binary aGVsbG8=", "a: !!set {x}"):
        memory.parsed(text.encode(), "x")
    assert disk.entries == {} and not disk.changed


def test_memory_in_a_process_is_bounded():
    memory = Memory(None, max_files=3, max_bytes=10_000)
    for i in range(10):
        memory.parsed(f"a: {i}".encode(), "x")
    memory.parsed(b"b: " + b"x" * 2_000, "x")  # more than a tenth of the bytes: not kept
    assert len(memory.entries) == 3 and memory.size <= 10_000


def test_the_suite_uses_its_own_cache_folder():
    folder = Path(os.environ[configfiles.CACHE_DIR_ENV])
    assert configfiles.memory.disk is not None and configfiles.memory.disk.folder == folder
    assert not folder.resolve().is_relative_to((Path.home() / ".cache").resolve())


def test_data_parsed_under_other_rules_is_not_reused(tmp_path, monkeypatch):
    """The cache key holds the rules' version: a file parsed under other rules (other limits,
    other types) is parsed again, not taken from the cache."""
    text = b"power_w: 700\n"
    digest = hashlib.sha256(text).hexdigest()
    monkeypatch.setattr(configfiles, "RULES", "r0")
    old = DiskCache(tmp_path)
    old.get(digest)
    Memory(old).parsed(text, "x")
    old.save()
    assert DiskCache(tmp_path).get(digest) is not None  # kept, under the rules r0
    monkeypatch.undo()
    assert configfiles.cache_key(digest) == f"{configfiles.RULES}:{digest}"
    assert DiskCache(tmp_path).get(digest) is None  # not for these rules
