"""A toy training app: a Hydra app with carbonspec's CarbonFootprint callback, as a user adds it.

python app.py -m lr=1,2,3,4,5,6 fail_at=3    # six jobs, the one with lr=3 fails
"""

import time

import hydra
from omegaconf import DictConfig


@hydra.main(version_base="1.3", config_path="conf", config_name="config")
def train(cfg: DictConfig) -> float:
    time.sleep(cfg.seconds)  # the "training"
    if cfg.lr == cfg.fail_at:
        raise RuntimeError(f"diverged at lr={cfg.lr}")
    return 1.0 / cfg.lr


if __name__ == "__main__":
    train()
