"""A bare Hydra app of carbonspec's shape: the same config tree, a task that does nothing."""

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="conf", config_name="bare")
def main(cfg: DictConfig) -> None:
    pass


if __name__ == "__main__":
    main()
