"""Writes the worked example's made-up data (README, "Your own work"): a final run's codecarbon
log (4 nodes x 8 ranks, each rank's tracker measuring its whole node, codecarbon's default) and
the job records of a 12-job hyperparameter search as carbonspec's Hydra callback writes them
(one failed, one killed). The numbers are an example's, not a real project's.

    python docs/examples/own-work/make_example_data.py
"""

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).parent
COLUMNS = [
    "timestamp",
    "project_name",
    "run_id",
    "experiment_id",
    "duration",
    "emissions",
    "emissions_rate",
    "cpu_power",
    "gpu_power",
    "ram_power",
    "cpu_energy",
    "gpu_energy",
    "ram_energy",
    "energy_consumed",
    "water_consumed",
    "country_name",
    "country_iso_code",
    "region",
    "cloud_provider",
    "cloud_region",
    "os",
    "python_version",
    "codecarbon_version",
    "cpu_count",
    "cpu_model",
    "gpu_count",
    "gpu_model",
    "longitude",
    "latitude",
    "ram_total_size",
    "tracking_mode",
    "cpu_utilization_percent",
    "gpu_utilization_percent",
    "ram_utilization_percent",
    "ram_used_gb",
    "on_cloud",
    "pue",
    "wue",
]
CODECARBON_KG_PER_KWH = (
    0.430  # codecarbon 3.3.2's figure for gcp us-central1 (data/cloud/impact.csv)
)


def final_run() -> None:
    start = datetime(2025, 4, 2, 8, 0, 0)
    hours = 36.0
    rows = []
    for node in range(4):
        gpu = 8 * 0.610 * hours * (1 + 0.01 * node)  # 8 GPUs at about 610 W
        cpu, ram = 2 * 0.140 * hours, 0.120 * hours
        for rank in range(8):
            jitter = 1 + 0.002 * (rank - 4)
            duration = hours * 3600 + 7 * rank
            energy = (gpu + cpu + ram) * jitter
            end = start + timedelta(seconds=duration)
            rows.append({
                "timestamp": end.strftime("%Y-%m-%dT%H:%M:%S"), "project_name": "my-llm",
                "run_id": f"node{node}-rank{rank}", "experiment_id": "final-7b",
                "duration": duration, "emissions": round(energy * CODECARBON_KG_PER_KWH, 4),
                "emissions_rate": "", "cpu_power": 280.0, "gpu_power": 4880.0, "ram_power": 120.0,
                "cpu_energy": round(cpu * jitter, 4), "gpu_energy": round(gpu * jitter, 4),
                "ram_energy": round(ram * jitter, 4), "energy_consumed": round(energy, 4),
                "water_consumed": 0.0, "country_name": "United States", "country_iso_code": "USA",
                "region": "iowa", "cloud_provider": "gcp", "cloud_region": "us-central1",
                "os": "Linux", "python_version": "3.11.7", "codecarbon_version": "3.3.2",
                "cpu_count": 208, "cpu_model": "Intel(R) Xeon(R) Platinum 8481C CPU @ 2.70GHz",
                "gpu_count": 8, "gpu_model": "8 x NVIDIA H100 80GB HBM3", "longitude": "",
                "latitude": "", "ram_total_size": 1872.0, "tracking_mode": "machine",
                "cpu_utilization_percent": 22.0, "gpu_utilization_percent": 97.0,
                "ram_utilization_percent": 35.0, "ram_used_gb": 650.0, "on_cloud": "Y",
                "pue": 1.0, "wue": 0.0,
            })  # fmt: skip
    folder = HERE / "final"
    folder.mkdir(exist_ok=True)
    with open(folder / "emissions.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def sweep() -> None:
    start = datetime(2025, 3, 10, 9, 0, 0)
    lengths = [4.0, 3.5, 5.2, 4.4, 0.7, 6.0, 3.8, 4.1, 5.5, 3.1, 4.9, 4.6]
    for job, length in enumerate(lengths):
        t0 = start + timedelta(hours=6.5 * job)
        t = t0.timestamp()
        record = {
            "job": job, "overrides": [f"optimizer.lr={[1e-4, 3e-4, 1e-3][job % 3]:g}",
                                      f"model.width={[1024, 2048, 4096, 2048][job % 4]}"],
            "hardware": "h100_sxm", "devices": 8, "region": "gcp-us-central1", "pue": None,
            "name": "The hyperparameter search", "start": t,
            "start_time": t0.isoformat(timespec="seconds"), "heartbeat_s": 60.0,
            "host": f"gpu-node-{job % 4}", "pid": 4000 + job,
        }  # fmt: skip
        end = t + length * 3600
        if job == 9:  # killed: only its start record, refreshed until its last heartbeat
            record |= {"status": "running", "last_seen": end}
        else:
            record |= {
                "status": "failed" if job == 4 else "completed", "last_seen": end, "end": end,
                "end_time": datetime.fromtimestamp(end).isoformat(timespec="seconds"),
            }  # fmt: skip
            if job == 4:
                record["error"] = "FloatingPointError: loss is nan at step 1200"
        folder = HERE / "sweep" / str(job)
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps(record, indent=2, sort_keys=True) + "\n"
        (folder / "carbonspec_job.json").write_text(text)


if __name__ == "__main__":
    final_run()
    sweep()
