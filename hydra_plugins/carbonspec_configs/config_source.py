"""A Hydra config source for carbonspec's packaged configs, and the search-path plugin that
puts it in front of ``pkg://carbonspec.conf``.

A ConfigSource plugin is Hydra's documented way to serve configs (Hydra's
examples/plugins/example_configsource_plugin), used with a SearchPathPlugin that adds it to the
search path. This one serves exactly the files of ``pkg://carbonspec.conf`` (and of Hydra's own
``pkg://hydra.conf``, which every job reads as well), each read by
carbonspec.configfiles: OmegaConf's YAML rules on PyYAML's C parser (what ``OmegaConf.load``
gives, about ten times faster), remembered by the hash of the file's bytes. So a sweep parses
each file once instead of once per job, a file edited between two runs is read afresh, and
Hydra and carbonspec's own composer (carbonspec.catalog) read every file the same way.

Hydra changes the configs it loads (it pops their defaults lists and merges them without
copying), so each load hands Hydra a new config made from the remembered data. The plugin acts
only where ``pkg://carbonspec.conf`` is already on Hydra's search path (carbonspec's own app and
its compose API); any other Hydra app is left as it is.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from hydra.core.config_search_path import ConfigSearchPath, SearchPathQuery
from hydra.core.object_type import ObjectType
from hydra.plugins.config_source import ConfigLoadError, ConfigResult, ConfigSource
from hydra.plugins.search_path_plugin import SearchPathPlugin
from omegaconf import OmegaConf

PACKAGE = "carbonspec.conf"
SERVED = f"pkg://{PACKAGE}"
# Hydra's own configs (its output folders, help, logging) are read for every job too
ALSO_SERVED = ("hydra.conf",)


class CarbonspecConfigSource(ConfigSource):
    """``carbonspec://<package>``: a package's config files, parsed by carbonspec.configfiles."""

    def __init__(self, provider: str, path: str) -> None:
        super().__init__(provider=provider, path=path)
        self.path = self.path.replace("/", ".").rstrip(".")  # a package, as pkg:// has it

    @staticmethod
    def scheme() -> str:
        return "carbonspec"

    def _files(self) -> Any:
        return resources.files(self.path)

    def load_config(self, config_path: str) -> ConfigResult:
        from carbonspec import configfiles  # imported here: Hydra imports every plugin module

        name = self._normalize_file_name(config_path)
        resource = self._files().joinpath(name)
        if not resource.is_file():
            raise ConfigLoadError(f"Config not found : {name}")
        raw = resource.read_bytes()
        parsed = configfiles.memory.parsed(raw, f"{self.full_path()}/{name}")
        header = ConfigSource._get_header_dict(raw.decode("utf-8")[:512])
        return ConfigResult(
            config=OmegaConf.create(parsed.data),  # a new config: Hydra changes what it loads
            path=self.full_path(),
            provider=self.provider,
            header=header,
        )

    def available(self) -> bool:
        try:
            return self._files().joinpath("__init__.py").is_file()
        except (ValueError, ModuleNotFoundError, TypeError):
            return False

    def is_group(self, config_path: str) -> bool:
        try:
            return bool(self._files().joinpath(config_path).is_dir())
        except (ValueError, ModuleNotFoundError, TypeError):
            return False

    def is_config(self, config_path: str) -> bool:
        try:
            name = self._normalize_file_name(config_path)
            return bool(self._files().joinpath(name).is_file())
        except (ValueError, ModuleNotFoundError, TypeError):
            return False

    def list(self, config_path: str, results_filter: ObjectType | None) -> list[str]:
        files: list[str] = []
        for entry in self._files().joinpath(config_path).iterdir():
            path = f"{config_path}/{entry.name}" if config_path else entry.name
            self._list_add_result(
                files=files, file_path=path, file_name=entry.name, results_filter=results_filter
            )
        return sorted(set(files))


class CarbonspecSearchPath(SearchPathPlugin):
    """Puts ``carbonspec://carbonspec.conf`` just before ``pkg://carbonspec.conf`` (and the
    same for Hydra's own ``pkg://hydra.conf``): the same files, found first, so Hydra reads them
    through carbonspec's config source."""

    def manipulate_search_path(self, search_path: ConfigSearchPath) -> None:
        paths = [element.path for element in search_path.get_path()]
        if SERVED not in paths:
            return  # not carbonspec's app
        for package in (PACKAGE, *ALSO_SERVED):
            served = f"pkg://{package}"
            if served in paths and f"carbonspec://{package}" not in paths:
                search_path.prepend(
                    provider="carbonspec",
                    path=f"carbonspec://{package}",
                    anchor=SearchPathQuery(path=served),
                )
