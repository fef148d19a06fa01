"""carbonspec against published runs: what each comparison tests, in-sample and out-of-sample.

Three tables check carbonspec against published figures: ``validation`` (training emissions),
``compute`` (device-hours from model size and tokens) and ``footprint`` (embodied carbon and
water). Every row is estimated twice:

- **in-sample**, with carbonspec's defaults as one estimate uses them;
- **out-of-sample**, with every default that came from the row's own run, or from another run of
  the same operator (its organization, normalised: carbonspec.derivations.OPERATOR_NAMES),
  re-derived without them (carbonspec.derivations: MFU and the whole-run factor, the interval's
  power factors, a TPU's measured power), and a PUE read from the very report being compared (or
  another of its operator's) replaced by the operator's independent disclosure
  (``pue_disclosures``). Where nothing independent is left the row counts as in-sample only, and
  says why.

Each compared report is classed by how it computed its figure (``reported.method_class``): a
report made with the operator's own TDP formula tests only carbonspec's grid and PUE data, one made
from measured power tests its power model too. Statistics are given per class, in-sample and
out-of-sample side by side, in a second table that follows the rows (``Table.parts``).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from carbonspec import bounds, catalog, core, derivations
from carbonspec.derivations import Derived, LeaveOut
from carbonspec.estimation import Run, estimate, grid_figure
from carbonspec.schema import (
    Compute,
    Hardware,
    Method,
    Model,
    Observation,
    PowerKind,
    Reported,
    Uncertainty,
    YearValue,
)
from carbonspec.tables import Footnotes, Table, from_spec, hardware_cell, run_for

# How a report computed its figure, its label in a table, and what a comparison with it tests.
METHOD_CLASSES: dict[str, tuple[str, str]] = {
    "operator_formula": (
        "operator formula",
        "the report multiplied device-hours by TDP, a PUE and a grid factor, the formula"
        " carbonspec uses: the comparison tests only carbonspec's grid and PUE data",
    ),
    "measured": (
        "measured",
        "the report used measured power or metered energy: the comparison tests carbonspec's"
        " power figures (TDP or measured averages) as well as its PUE and grid data",
    ),
    "calculator": (
        "calculator",
        "the report used the ML CO2 Impact calculator: the comparison tests carbonspec's power,"
        " PUE and grid data against the calculator's",
    ),
    "life_cycle": (
        "life cycle",
        "a life-cycle study's own accounting: the comparison tests carbonspec's inputs and"
        " scope against the study's",
    ),
    "unknown": (
        "not stated",
        "the report does not say how its figure was computed: the comparison cannot say what it"
        " tests, so the run counts with neither the operator formula nor the independent runs",
    ),
}
UNCLASSIFIED = "unclassified"
UNCLASSIFIED_TESTS = "the report's method is not classified yet"
DEVICE_HOURS_KINDS = ("published", "derived", "assumed")
REPRODUCIBLE = ("embodied", "water")  # footprint comparisons that may reuse a study's inputs


# -- what a model config says about its report and its device-hours ----------------------------


def method_class(model_key: str, reported: Reported | None) -> str:
    """The class of the report's method (or "unclassified"); an unknown class, or one without
    its source, fails naming the field."""
    if reported is None:
        return UNCLASSIFIED
    for where, figure in [("reported", reported)] + [
        (f"reported.alternatives[{i}]", alt) for i, alt in enumerate(reported.alternatives)
    ]:
        if figure.method_class is None:
            continue
        if figure.method_class not in METHOD_CLASSES:
            raise catalog.ConfigError(
                f"invalid model '{model_key}'.{where}.method_class: {figure.method_class!r};"
                f" valid classes: {', '.join(METHOD_CLASSES)}"
            )
        if not (figure.method_class_source or "").strip():
            raise catalog.ConfigError(
                f"invalid model '{model_key}'.{where}.method_class_source: missing; say where"
                " the report states how its figure was computed"
            )
    return reported.method_class or UNCLASSIFIED


def class_label(cls: str) -> str:
    return METHOD_CLASSES[cls][0] if cls in METHOD_CLASSES else UNCLASSIFIED


def class_tests(cls: str) -> str:
    return METHOD_CLASSES[cls][1] if cls in METHOD_CLASSES else UNCLASSIFIED_TESTS


def device_hours_kind(model_key: str, model: Model) -> str:
    """published, derived or assumed; a model without the flag publishes its device-hours."""
    kind = model.device_hours_kind or "published"
    if kind not in DEVICE_HOURS_KINDS:
        raise catalog.ConfigError(
            f"invalid model '{model_key}'.device_hours_kind: {kind!r};"
            f" valid kinds: {', '.join(DEVICE_HOURS_KINDS)}"
        )
    if kind != "published" and not (model.device_hours_kind_source or "").strip():
        raise catalog.ConfigError(
            f"invalid model '{model_key}'.device_hours_kind_source: missing; say how the"
            f" {kind} device-hours were obtained"
        )
    return kind


# -- derivations: the configs' own numbers, and the same without a run ---------------------------


def check_derivations(compute: Compute | None, uncertainty: Uncertainty) -> None:
    """The defaults and their observations agree: derived from all observations, each rule gives
    the number the config states (else the config was edited on one side only)."""
    if compute is not None and compute.mfu_observations:
        derived = derive(
            lambda: derivations.mfu(
                compute.mfu_observations, compute.whole_run_factor_observations
            ),
            "compute",
        )
        stated = (compute.mfu_low, compute.mfu, compute.mfu_high)
        disagree("compute.mfu_low, mfu, mfu_high", stated, derived, "mfu_rule")
    if uncertainty.tdp_power_low_observations or uncertainty.tdp_power_high_observations:
        derived = derive(
            lambda: derivations.power_factors(
                uncertainty.tdp_power_low_observations, uncertainty.tdp_power_high_observations
            ),
            "uncertainty",
        )
        stated = (uncertainty.tdp_power_low_factor, uncertainty.tdp_power_high_factor)
        disagree(
            "uncertainty.tdp_power_low_factor, tdp_power_high_factor", stated, derived,
            "tdp_power_rule",
        )  # fmt: skip


def check_device_power(hardware_key: str, hardware: Hardware) -> None:
    """A device's measured power and range agree with the measurements listed for it."""
    if not hardware.power_observations:
        return
    derived = derive(
        lambda: derivations.device_power(hardware.power_observations, hardware_key),
        f"hardware '{hardware_key}'",
    )
    stated = (hardware.power_low_w, hardware.power_w, hardware.power_high_w)
    disagree(
        f"hardware '{hardware_key}'.power_low_w, power_w, power_high_w", stated, derived,
        "the mean, lowest and highest of power_observations",
    )  # fmt: skip


def disagree(fields: str, stated: Sequence[float | None], derived: Derived, rule: str) -> None:
    """A config error when a config's figures differ from what its observations give."""
    if tuple(stated) != derived.values:
        shown = ", ".join(f"{v:g}" for v in derived.values)
        raise catalog.ConfigError(
            f"invalid {fields}: {', '.join(f'{v:g}' for v in stated if v is not None)} do not"
            f" follow from their observations by {rule} (they give {shown}); the evaluation"
            " tables re-derive these figures from the observations, so change both together"
        )


def derive(rule: Callable[[], Derived], where: str) -> Derived:
    """A derivation, or a one-line config error when too few observations are left."""
    try:
        return rule()
    except derivations.DerivationError as err:
        raise catalog.ConfigError(f"invalid {where}: {err}") from None


# -- one row out of sample ----------------------------------------------------------------------


def operators_of(model_key: str) -> frozenset[str]:
    """The operators of a catalog run, from its model config's organization (normalised)."""
    return derivations.operators(catalog.load("model", model_key).organization)


def leave_out(run: Run, *groups: Sequence[Observation]) -> LeaveOut:
    """What the derivations leave out for a row: its run, and every observation of a run by
    one of its operators (the runs among ``groups`` are looked up in the catalog)."""
    runs = {o.run for group in groups for o in group if o.run}
    return LeaveOut(
        run.model_key,
        derivations.operators(run.model.organization),
        {r: operators_of(r) for r in sorted(runs)},
    )


@dataclass
class OutOfSample:
    """A row estimated without its own run's figures nor its operator's: the run so changed,
    what was re-derived or replaced, and the defaults it is in-sample for, with why (a default
    derived only from its operator's runs; a PUE from its own report with no independent figure
    to replace it). A row in-sample for any default has no out-of-sample emissions."""

    run: Run
    used: list[dict[str, Any]] = field(default_factory=list)  # every derivation the run used
    left_out_of: list[str] = field(default_factory=list)  # defaults that dropped an observation
    changes: list[str] = field(default_factory=list)  # what differs, for a footnote
    in_sample_for: list[str] = field(default_factory=list)  # defaults it stays in-sample for
    reasons: list[str] = field(default_factory=list)  # why, one per default

    @property
    def in_sample(self) -> str | None:
        return "; ".join(self.reasons) if self.reasons else None

    def stays_in_sample(self, default: str, reason: str) -> None:
        self.in_sample_for.append(default)
        self.reasons.append(reason)


def without(d: Derived, key: str) -> str:
    """Whose figures a re-derived default was derived without, for a footnote."""
    others = [r for r in d.dropped if r != key]
    own = key in d.dropped
    if own and others:
        return f"this run's own and its operator's other runs' ({', '.join(others)})"
    if others:
        return f"its operator's other runs' ({', '.join(others)})"
    return "this run's own"


def rederive(
    oos: OutOfSample,
    name: str,
    what: str,
    rule: Callable[[LeaveOut], Derived],
    out: LeaveOut,
    *groups: Sequence[Observation],
) -> Derived | None:
    """A default re-derived without the row's run and operator; None, with the row kept
    in-sample for that default, when nothing is left to derive it from."""
    try:
        d = rule(out)
    except derivations.DerivationError:
        gone = derivations.dropped(out, *groups)
        ops = ", ".join(sorted(out.operators)) or "unnamed"
        oos.left_out_of.append(name)
        oos.used.append({"default": name, "values": [], "runs": [], "dropped": list(gone)})
        oos.stays_in_sample(
            name,
            f"{what} is derived only from runs of this run's operator ({ops}: {', '.join(gone)});"
            " without them nothing is left to derive it from, so the row is in-sample for it",
        )
        return None
    record(oos, name, d)
    return d


def out_of_sample(run: Run, compute_used: bool, interval_used: bool = True) -> OutOfSample:
    """The run with every default that came from it, or from its operator's other runs,
    re-derived without them, and a PUE read from its own report (or its operator's) replaced by
    the operator's independent disclosure. ``compute_used``: its device-hours come from compute
    (the MFU matters); ``interval_used``: its interval is compared (the power factors matter)."""
    key = run.model_key
    oos = OutOfSample(run)
    new = run
    hw = run.hardware
    # a run known by its measured energy uses no power figure, nor the power factors
    powered = run.method is Method.tdp and run.model.energy_kwh is None
    if hw.power_observations and powered:
        observed = hw.power_observations
        d = rederive(
            oos, f"hardware.{run.hardware_key}.power_w",
            f"{hw.short_name or hw.name}'s measured power",
            lambda out: derivations.device_power(observed, run.hardware_key, out),
            leave_out(run, observed), observed,
        )  # fmt: skip
        if d is not None and d.left_out:
            low, central, high = d.values
            new = replace(
                new,
                hardware=replace(hw, power_w=central, power_low_w=low, power_high_w=high),
            )
            oos.changes.append(
                f"{hw.short_name or hw.name} at {central:g} W ({low:g}-{high:g} W), the mean and"
                f" range of the other measurements, without {without(d, key)}"
            )
    unc = run.uncertainty
    tdp_range = hw.power_kind is PowerKind.tdp and hw.power_low_w is None
    lows, highs = unc.tdp_power_low_observations, unc.tdp_power_high_observations
    if interval_used and powered and tdp_range and (lows or highs):
        d = rederive(
            oos, "uncertainty.tdp_power_factors", "The interval's TDP power range",
            lambda out: derivations.power_factors(lows, highs, out),
            leave_out(run, lows, highs), lows, highs,
        )  # fmt: skip
        if d is not None and d.left_out:
            low, high = d.values
            new = replace(
                new,
                uncertainty=replace(unc, tdp_power_low_factor=low, tdp_power_high_factor=high),
            )
            oos.changes.append(
                f"power range {low:.2f}–{high:.2f} × TDP derived without {without(d, key)}"
                " measured power"
            )
    compute = run.compute
    if compute_used and compute is not None and compute.mfu_observations:
        mfus, factors = compute.mfu_observations, compute.whole_run_factor_observations
        d = rederive(
            oos, "compute.mfu", "The default MFU",
            lambda out: derivations.mfu(mfus, factors, out),
            leave_out(run, mfus, factors), mfus, factors,
        )  # fmt: skip
        if d is not None and d.left_out:
            low, central, high = d.values
            new = replace(new, compute=replace(compute, mfu=central, mfu_low=low, mfu_high=high))
            oos.changes.append(
                f"MFU {central:.2f} ({low:.2f}-{high:.2f}) derived without {without(d, key)}"
                " MFU and whole-run figures"
            )
    oos.run = independent_pue(new, oos)
    return oos


def record(oos: OutOfSample, name: str, d: Derived) -> None:
    oos.used.append(
        {
            "default": name,
            "values": list(d.values),
            "runs": list(d.runs),
            "dropped": list(d.dropped),
        }
    )
    if d.left_out:
        oos.left_out_of.append(name)


def own_report(reports: Sequence[str], key: str, ops: frozenset[str]) -> bool:
    """Whether a figure read from ``reports`` is the row's own: its run's report, or a report
    of a run by the same operator."""
    return key in reports or any(operators_of(r) & ops for r in reports)


def independent_pue(run: Run, oos: OutOfSample) -> Run:
    """The run with any PUE taken from its own report (or its operator's) dropped, and what
    replaces it: the site's other figures, else the operator's own disclosure for the year;
    where none exists the row stays in-sample for the PUE (``oos``)."""
    if run.method is not Method.tdp or run.pue is not None:
        return run  # no PUE, or one the comparison sets (a report without PUE)
    key, region, provider = run.model_key, run.region, run.provider
    ops = derivations.operators(run.model.organization)
    years = [e for e in region.pue_years if not own_report(e.from_reports, key, ops)]
    region_pue = None if own_report(region.pue_from_reports, key, ops) else region.pue
    dropped = len(years) < len(region.pue_years) or region_pue != region.pue
    if years or region_pue is not None:
        if dropped:
            oos.left_out_of.append(f"region.{run.region_key}.pue")
            oos.changes.append("PUE from the site's figures that are not the report's own")
        oos.used.append({"default": "pue", "values": [], "runs": [], "from": "region"})
        return replace(run, region=replace(region, pue_years=years, pue=region_pue))
    from_report = provider.pue is not None and own_report(provider.pue_from_reports, key, ops)
    if not (dropped or from_report):
        oos.used.append({"default": "pue", "values": [], "runs": [], "from": "provider"})
        return run
    where = f"region.{run.region_key}.pue" if dropped else f"provider.{run.provider_key}.pue"
    oos.left_out_of.append(where)
    if not provider.pue_disclosures:
        oos.stays_in_sample(
            "pue",
            "its PUE comes from its own report (or its operator's) and no independent disclosure"
            " of the operator's is held: in-sample only",
        )
        return run
    # the disclosure of the run's own year (its grid figure's year where the run gives none: a
    # site's grid series may start later than the run)
    year = run.model.training_year or grid_figure(region, run.method, run.grid, None).year
    entry, note = core.entry_for_year(provider.pue_disclosures, year)
    oos.used.append(
        {"default": "pue", "values": [entry.value], "runs": [], "from": "pue_disclosures"}
    )
    oos.changes.append(
        f"PUE {entry.value:.2f}, the operator's own fleet disclosure for {entry.year}"
        f"{' (the nearest year held)' if note else ''}, in place of the report's own"
    )
    return replace(
        run,
        region=replace(region, pue_years=years, pue=None),
        provider=replace(
            provider,
            pue=entry.value,
            pue_source=f"{entry.source} (independent of the compared report)",
            pue_year=entry.year,
        ),
    )


def oos_note(oos: OutOfSample) -> str | None:
    """The footnote of a row whose out-of-sample estimate differs from its in-sample one."""
    if oos.in_sample:
        return f"Out of sample: none; {oos.in_sample}."
    if not oos.changes:
        return None
    return (
        "Out of sample, without this run's or its operator's figures: "
        + "; ".join(oos.changes)
        + "."
    )


# -- statistics ---------------------------------------------------------------------------------


def stats(errors: Sequence[float], covered: Sequence[bool]) -> dict[str, Any]:
    """Mean and median absolute error (%) and how often the interval holds the figure."""
    absolute = [abs(e) for e in errors]
    return {
        "n": len(errors),
        "mean_ape_pct": statistics.fmean(absolute) if absolute else None,
        "median_ape_pct": statistics.median(absolute) if absolute else None,
        "n_covered": sum(covered),
    }


def group_stats(
    rows: Sequence[dict[str, Any]], error: str, covered: str, oos_error: str, oos_covered: str
) -> dict[str, Any]:
    """In-sample and out-of-sample statistics of rows: the in-sample over every row, the
    out-of-sample over those with an out-of-sample figure."""
    oos = [r for r in rows if r[oos_error] is not None]
    return {
        "in_sample": stats([r[error] for r in rows], [r[covered] == "yes" for r in rows]),
        "out_of_sample": stats([r[oos_error] for r in oos], [r[oos_covered] == "yes" for r in oos]),
    }


def stats_row(label: str, s: dict[str, Any], marks: list[str]) -> dict[str, Any]:
    ins, out = s["in_sample"], s["out_of_sample"]
    return {
        "label": label,
        "marks": marks,
        "runs": ins["n"],
        "runs_oos": out["n"],
        "median_error": ins["median_ape_pct"],
        "median_error_oos": out["median_ape_pct"],
        "mean_error": ins["mean_ape_pct"],
        "mean_error_oos": out["mean_ape_pct"],
        "coverage": f"{ins['n_covered']}/{ins['n']}" if ins["n"] else None,
        "coverage_oos": f"{out['n_covered']}/{out['n']}" if out["n"] else None,
    }


STATS_COLUMNS = [
    "group", "runs", "median_error", "median_error_oos", "mean_error", "mean_error_oos",
    "coverage", "coverage_oos",
]  # fmt: skip
STATS_LATEX = {
    "column": ["group", "runs", "median_error", "median_error_oos", "coverage_oos"],
    "text": STATS_COLUMNS,
    "page": STATS_COLUMNS,
}


def stats_table(
    name: str, caption: str, label: str, rows: list[dict[str, Any]], notes: Footnotes
) -> Table:
    return Table(
        name=name,
        caption=caption,
        label=label,
        columns=STATS_COLUMNS,
        precision=3,
        rows=rows,
        footnotes=notes.as_list(),
        latex_columns=STATS_LATEX,
    )


def with_stats(table: Table, part: Table) -> Table:
    table.parts.append(part)
    return table


# -- validation: emissions against published figures ---------------------------------------------


def excluded_because(reported: Any) -> str | None:
    """Why a run's published figure cannot be set against a location-based estimate, if so."""
    if reported is None:
        return "no published figure"
    if reported.basis == "market":
        return "the published figure is market-based (net of renewable purchases)"
    if reported.basis != "location":
        return "the published figure does not say whether it is location- or market-based"
    return None


def covered(low: float | None, value: float | None, high: float | None) -> str | None:
    if low is None or value is None or high is None:
        return None
    return "yes" if low <= value <= high else "no"


def validation_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Each run from public inputs only (its hardware, device-hours, site and year), by every
    method, against its published figure on the basis the report used (PUE in or out); in-sample
    and out-of-sample, with statistics per class of the report's method."""
    check_derivations(None, uncertainty)
    notes = Footnotes()
    rows = [validation_row(row, uncertainty, notes) for row in spec["rows"]]
    compared = [r for r in rows if r["comparable"]]
    # each method over the runs it could estimate (the calculator has no figure for a run known
    # by its measured energy)
    errors = {
        method: [r[f"{method}_error_pct"] for r in compared if r[f"{method}_error_pct"] is not None]
        for method in ("calculator", "tdp")
    }
    mape = {method: core.mean_absolute_percent_error(e) for method, e in errors.items()}
    median = {
        method: statistics.median(abs(x) for x in e) if e else None for method, e in errors.items()
    }
    n_covered = sum(r["covered"] == "yes" for r in compared)
    by_class, part = class_statistics(name, compared)
    overall = group_stats(compared, "tdp_error_pct", "covered", "tdp_oos_error_pct", "covered_oos")
    out = overall["out_of_sample"]
    summary = {
        "mape_pct": mape,
        "median_ape_pct": median,
        "n_compared": len(compared),
        "n_covered": n_covered,
        "tdp": overall,
        "by_class": by_class,
        "in_sample_only": [
            {"model": r["model"], "reason": r["in_sample_only"]}
            for r in compared
            if r["in_sample_only"]
        ],
        "excluded": [
            {"model": r["model"], "reason": r["excluded_because"]}
            for r in rows
            if not r["comparable"]
        ],
    }
    footer = {
        "label": f"Mean absolute error ({len(compared)} runs)"
        if out["n"] == len(compared)
        else f"Mean absolute error ({len(compared)} runs; {out['n']} out of sample)",
        "values": {
            "calculator_error": mape["calculator"],
            "tdp_error": mape["tdp"],
            "covered": f"{n_covered}/{len(compared)}",
            "tdp_oos_error": out["mean_ape_pct"],
            "covered_oos": f"{out['n_covered']}/{out['n']}",
        },
    }
    return with_stats(from_spec(spec, name, rows, notes, summary, footer), part)


CLASS_ORDER = [*METHOD_CLASSES, UNCLASSIFIED]


def class_statistics(name: str, compared: list[dict[str, Any]]) -> tuple[dict, Table]:
    """Per class of report (and for every class but the operator formula, and all), the
    in-sample and out-of-sample statistics: as JSON and as the table that follows the rows."""
    notes = Footnotes()
    by_class: dict[str, Any] = {}
    rows = []
    args = ("tdp_error_pct", "covered", "tdp_oos_error_pct", "covered_oos")
    for cls in CLASS_ORDER:
        members = [r for r in compared if r["method_class"] == cls]
        if not members:
            continue
        by_class[cls] = group_stats(members, *args) | {"tests": class_tests(cls)}
        label = class_label(cls).capitalize()
        text = f"{label}: {class_tests(cls)}."
        rows.append(stats_row(label, by_class[cls], [notes.mark(text)]))
    independent = [r for r in compared if r["method_class"] in METHOD_CLASSES]
    independent = [
        r for r in independent if r["method_class"] not in ("operator_formula", "unknown")
    ]
    if independent and len(independent) < len(compared):
        by_class["not_operator_formula"] = group_stats(independent, *args)
        text = (
            "Runs whose report was classified and not made with the operator's own TDP formula:"
            " the comparisons that test more than carbonspec's grid and PUE data."
        )
        rows.append(
            stats_row("All but operator formula", by_class["not_operator_formula"],
                      [notes.mark(text)])
        )  # fmt: skip
    method = notes.mark(
        "In-sample: carbonspec's defaults as one estimate uses them. Out of sample: every default"
        " derived from the row's own run or from its operator's other runs re-derived without"
        " them, and a PUE read from the report being compared (or its operator's) replaced by"
        " the operator's own disclosure; a row for which nothing independent is left (a default"
        " derived only from its operator's runs, a PUE with no independent figure) counts as"
        " in-sample only and is left out of the out-of-sample columns."
    )
    rows.append(stats_row("All compared", group_stats(compared, *args), [method]))
    part = stats_table(
        f"{name}_by_class",
        "The same comparison by how each report computed its figure: absolute error of the TDP"
        " method and how often the interval holds the published figure, in-sample and out of"
        " sample",
        f"tab:{name}-by-class",
        rows,
        notes,
    )
    return by_class, part


def leaves_out_pue(reported: Reported | None) -> bool:
    return reported is not None and reported.pue_included is False


def run_on_reports_basis(key: str, reported: Reported | None, uncertainty: Uncertainty) -> Run:
    """The run by the tdp method on its report's own basis: without PUE (PUE 1) for a published
    figure that leaves PUE out (BLOOM's 24.7 t), so that like is compared with like."""
    pue = 1.0 if leaves_out_pue(reported) else None
    return run_for(key, {}, Method.tdp, "auto", uncertainty, pue)


def validation_row(row: dict[str, Any], uncertainty: Uncertainty, notes: Footnotes) -> dict:
    key = row["model"]
    model = catalog.load("model", key)
    reported = model.reported
    cls = method_class(key, reported)
    kind = device_hours_kind(key, model)
    without_pue = leaves_out_pue(reported)
    tdp_run = run_on_reports_basis(key, reported, uncertainty)
    check_device_power(tdp_run.hardware_key, tdp_run.hardware)
    tdp = estimate(tdp_run)
    # the calculator folds a site's PUE into its intensity; not when the report leaves PUE out
    calc_row = {"region_values": {"pue": None, "pue_years": []}} if without_pue else {}
    measured = tdp.get("energy_basis") == "measured"
    # the calculator multiplies power by device-hours: a run known by its measured energy has
    # nothing to give it
    calc = (
        None
        if measured
        else estimate(run_for(key, calc_row, Method.calculator, "calculator", uncertainty))
    )
    oos = out_of_sample(tdp_run, compute_used=tdp["device_hours_basis"] == "compute")
    away = None if oos.in_sample else estimate(oos.run)
    excluded = row.get("exclude") or excluded_because(reported)
    marks = [notes.mark(text) for text in row.get("notes", [])]
    if without_pue:
        marks.append(notes.mark("The published figure excludes PUE; so do these estimates."))
    if measured:
        marks.append(
            notes.mark(
                f"Estimated from the run's measured energy, {tdp['comparison_basis']};"
                " no calculator figure (it needs device-hours)."
            )
        )
    elif kind != "published":
        marks.append(notes.mark(f"Device-hours not published ({kind}): {hours_reason(model)}"))
    comparable = not excluded
    if excluded:
        marks.append(notes.mark(f"Not compared: {excluded}. Shown, left out of the means."))
    elif oos_note(oos):
        marks.append(notes.mark(oos_note(oos)))  # type: ignore[arg-type]
    published = reported.emissions_t if reported is not None else None
    low, high = tdp["emissions_t_low"], tdp["emissions_t_high"]
    oos_t = away["emissions_t"] if away else None
    oos_low = away["emissions_t_low"] if away else None
    oos_high = away["emissions_t_high"] if away else None
    return {
        **tdp,
        "label": row.get("label", tdp["model_name"]),
        **hardware_cell(tdp_run, None),
        "marks": marks,
        "method_class": cls,
        "method_class_label": class_label(cls),
        "method_class_source": reported.method_class_source if reported else None,
        "device_hours_kind": kind,
        "comparable": comparable,
        "excluded_because": excluded,
        "calculator_t": calc["emissions_t"] if calc else None,
        "tdp_t": tdp["emissions_t"],
        "calculator_error_pct": calc["error_pct"] if calc and comparable else None,
        "tdp_error_pct": tdp["error_pct"] if comparable else None,
        "error_pct": tdp["error_pct"] if comparable else None,
        "interval": (low, high),
        "covered": covered(low, published, high) if comparable else None,
        "tdp_oos_t": oos_t,
        "tdp_oos_interval": (oos_low, oos_high) if away else None,
        "tdp_oos_error_pct": away["error_pct"] if away and comparable else None,
        "covered_oos": covered(oos_low, published, oos_high) if comparable else None,
        "oos_pue": away["pue"] if away else None,
        "oos_power_w": away["power_w"] if away else None,
        "oos_used": oos.used,
        "left_out_of": oos.left_out_of,
        "in_sample_only": oos.in_sample,
    }


def hours_reason(model: Model) -> str:
    text = (model.device_hours_kind_source or "").strip()
    return text if text.endswith(".") else f"{text}."


# -- device-hours from compute ------------------------------------------------------------------


def compute_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Device-hours predicted from compute (6 x active parameters x tokens, the device's peak,
    the default MFU) against every published figure, in-sample and with the MFU derived without
    the row's own run; then each run's emissions so estimated against its published emissions,
    for runs that publish no device-hours too."""
    compute = catalog.load_fast("compute", "default")
    check_derivations(compute, uncertainty)
    notes = Footnotes()
    rows = [compute_row(row, uncertainty, notes) for row in spec["rows"]]
    counted = [r for r in rows if r["counted"]]
    observed = [*compute.mfu_observations, *compute.whole_run_factor_observations]
    in_mfu = {o.run for o in observed if o.run}
    # the operators behind those figures: a run of one of them is in-sample too
    mfu_operators = set().union(
        *(operators_of(o.run) if o.run else derivations.operators(o.organization) for o in observed)
    )
    args = ("device_hours_error_pct", "covered", "device_hours_oos_error_pct", "covered_oos")
    overall = group_stats(counted, *args)
    inside = [r for r in counted if in_derivation(r["model"], in_mfu, mfu_operators)]
    outside = [r for r in counted if not in_derivation(r["model"], in_mfu, mfu_operators)]
    groups = {
        "in_mfu_derivation": group_stats(inside, *args),
        "others": group_stats(outside, *args),
    }
    # emissions so estimated, for rows counted or without published device-hours
    emissions = [r for r in rows if r["error_pct"] is not None and not r["excluded"]]
    by_class = {
        cls: error_stats(members)
        for cls in CLASS_ORDER
        if (members := [r for r in emissions if r["method_class"] == cls])
    }
    ins = overall["in_sample"]
    summary = {
        "n_compared": ins["n"],
        "median_ape_pct": ins["median_ape_pct"],
        "mape_pct": ins["mean_ape_pct"],
        "n_covered": ins["n_covered"],
        "device_hours": overall | {"groups": groups},
        "emissions_by_class": by_class,
        "mfu_runs": sorted(in_mfu),
        "mfu_operators": sorted(mfu_operators),
        "excluded": [
            {"model": r["model"], "reason": r["not_counted_because"]}
            for r in rows
            if not r["counted"]
        ],
    }
    out = overall["out_of_sample"]
    footer = {
        "label": f"Median absolute error ({ins['n']} runs)",
        "values": {
            "device_hours_error": ins["median_ape_pct"],
            "covered": f"{ins['n_covered']}/{ins['n']}",
            "device_hours_oos_error": out["median_ape_pct"],
            "covered_oos": f"{out['n_covered']}/{out['n']}",
        },
    }
    part_notes = Footnotes()
    mark = part_notes.mark(
        "Runs whose own published MFU or whole-run utilisation, or one of their operator's"
        " other runs', is among those the default MFU is derived from"
        f" ({', '.join(r['model'] for r in inside)}; operators"
        f" {', '.join(sorted(mfu_operators))}): in-sample, their errors are small by"
        " construction."
    )
    method = part_notes.mark(
        "Out of sample: the MFU, its range and the whole-run factor re-derived without the"
        " row's own run and its operator's other runs (conf/compute/default.yaml lists the"
        " observations and the rule)."
    )
    part = stats_table(
        f"{name}_by_group",
        "Device-hours from compute: absolute error and how often the predicted range holds the"
        " published figure, in-sample and out of sample",
        f"tab:{name}-by-group",
        [
            stats_row(
                "Runs (or operators) in the MFU derivation", groups["in_mfu_derivation"], [mark]
            ),
            stats_row("Other runs", groups["others"], []),
            stats_row("All counted", overall, [method]),
        ],
        part_notes,
    )
    return with_stats(from_spec(spec, name, rows, notes, summary, footer), part)


def in_derivation(model_key: str, runs: set[str], ops: set[str]) -> bool:
    """Whether a row's run, or a run of its operator, is among a derivation's observations."""
    return model_key in runs or bool(operators_of(model_key) & ops)


def error_stats(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Emission errors of the compute table's rows (no interval is compared there)."""
    oos = [r["error_oos_pct"] for r in rows if r["error_oos_pct"] is not None]
    return {
        "in_sample": stats([r["error_pct"] for r in rows], []),
        "out_of_sample": stats(oos, []),
    }


def compute_row(row: dict[str, Any], uncertainty: Uncertainty, notes: Footnotes) -> dict:
    key = row["model"]
    facts = catalog.load("model", key)
    reported = facts.reported
    cls = method_class(key, reported)
    kind = device_hours_kind(key, facts)
    run = run_on_reports_basis(key, reported, uncertainty)
    try:
        figure = core.device_hours_of(facts.device_hours, facts.devices, facts.hours)
    except core.NotEstimable:
        figure = None
    published = figure if kind == "published" else None
    # from compute alone: no published device-hours, and no measured energy either
    hours_unknown = replace(run.model, device_hours=None, devices=None, hours=None, energy_kwh=None)
    planned = replace(run, model=hours_unknown)
    result = estimate(planned)
    oos = out_of_sample(planned, compute_used=True, interval_used=False)
    # device-hours out of sample need only the MFU: a PUE (or a device's power) in-sample stops
    # the emissions only
    hours_away = None if "compute.mfu" in oos.in_sample_for else estimate(oos.run)
    away = None if oos.in_sample else hours_away
    low, predicted, high = (
        result["device_hours_low"],
        result["device_hours"],
        result["device_hours_high"],
    )
    excluded = row.get("exclude")
    marks = [notes.mark(text) for text in row.get("notes", [])]
    if excluded:
        marks.append(notes.mark(f"Not counted: {excluded}."))
    if figure is not None and kind != "published":
        marks.append(
            notes.mark(
                f"Device-hours not published ({kind}), so shown apart and not counted:"
                f" {hours_reason(facts)}"
            )
        )
    note = oos_note(oos)
    if oos.in_sample and "compute.mfu" not in oos.in_sample_for:
        # the device-hours are out of sample all the same: only the emissions are not
        moved = oos_note(replace(oos, reasons=[])) if oos.changes else None
        note = f"{moved + ' ' if moved else ''}Emissions out of sample: none; {oos.in_sample}."
    if note:
        marks.append(notes.mark(note))
    comparable = not excluded_because(reported)
    error = core.percent_error(predicted, published) if published else None
    hour_keys = ("device_hours_low", "device_hours", "device_hours_high")
    oos_low, oos_hours, oos_high = (
        tuple(hours_away[k] for k in hour_keys) if hours_away else (None, None, None)
    )
    counted = bool(published) and not excluded
    result |= {
        "label": row.get("label", facts.name),
        **hardware_cell(run, None),
        "marks": marks,
        "method_class": cls if reported is not None else None,
        "method_class_label": class_label(cls) if reported is not None else None,
        "device_hours_kind": kind if figure is not None else None,
        "published_device_hours": published,
        "derived_device_hours": figure if kind != "published" else None,
        "predicted_device_hours": predicted,
        "device_hours_interval": (low, high),
        "device_hours_error_pct": error,
        "covered": covered(low, published, high) if published else None,
        "predicted_device_hours_oos": oos_hours,
        "device_hours_oos_interval": (oos_low, oos_high),
        "device_hours_oos_error_pct": core.percent_error(oos_hours, published)
        if published and oos_hours is not None
        else None,
        "covered_oos": covered(oos_low, published, oos_high) if published else None,
        "error_pct": result["error_pct"] if comparable else None,
        "error_oos_pct": away["error_pct"] if away and comparable else None,
        "oos_used": oos.used,
        "left_out_of": oos.left_out_of,
        "in_sample_only": oos.in_sample,
        "counted": counted,
        "excluded": bool(excluded),
        "not_counted_because": excluded
        or (f"device-hours {kind}, not published" if figure is not None else None)
        or "no published device-hours",
    }
    return result


# -- embodied carbon and water -------------------------------------------------------------------

STUDY_INPUTS = "study's inputs"
OWN_INPUTS = "own inputs"


def footprint_table(spec: dict[str, Any], name: str, uncertainty: Uncertainty) -> Table:
    """Runs whose embodied carbon or water was published, estimated with carbonspec's defaults
    from public inputs, on each study's stated assumptions; a comparison whose inputs are the
    study's own reproduces its arithmetic and is counted apart. And what an operational-only
    estimate misses of each footprint."""
    notes = Footnotes()
    rows = [footprint_row(row, uncertainty, notes) for row in spec["rows"]]
    checks = [
        (r, k) for r in rows for k in REPRODUCIBLE if r[f"{k}_error_pct"] is not None
    ]  # fmt: skip
    summary = {
        "n_checks": len(checks),
        "errors_pct": {f"{r['model']}:{k}": r[f"{k}_error_pct"] for r, k in checks},
        "covered": sum(r[f"{k}_covered"] is True for r, k in checks),
        "reproduces_arithmetic": sorted(
            f"{r['model']}:{k}" for r, k in checks if r[f"{k}_compared_on"] == STUDY_INPUTS
        ),
        "independent": sorted(
            f"{r['model']}:{k}" for r, k in checks if r[f"{k}_compared_on"] == OWN_INPUTS
        ),
        "out_of_sample_errors_pct": {
            f"{r['model']}:{k}": r[f"{k}_oos_error_pct"]
            for r, k in checks
            if r[f"{k}_oos_error_pct"] is not None
        },
        "in_sample_only": sorted(
            f"{r['model']}:{k}" for r, k in checks if r[f"{k}_oos_error_pct"] is None
        ),
    }
    return from_spec(spec, name, rows, notes, summary, None)


def footprint_row(row: dict[str, Any], uncertainty: Uncertainty, notes: Footnotes) -> dict:
    run = run_for(row["model"], {}, Method.tdp, "auto", uncertainty)
    unknown = [k for k in row.get("reproduces", []) if k not in REPRODUCIBLE]
    if unknown:
        raise catalog.ConfigError(
            f"invalid table row '{row['model']}'.reproduces: {', '.join(unknown)};"
            f" valid: {', '.join(REPRODUCIBLE)}"
        )
    marks = [notes.mark(text) for text in row.get("notes", [])]
    if row.get("study_wue") is not None:
        wue = core.require_number("study_wue", row["study_wue"], 0.0, 20.0, "between 0 and 20")
        # one entry serves every year asked for (the nearest-year rule falls back to it); it is
        # dated the run's year where known, else the latest year of the site's grid series
        years = [e.year for e in run.region.grid_years]
        year = run.model.training_year or (max(years) if years else bounds.DATA_YEAR.high)
        source = row.get("study_wue_source") or "the study's stated assumption"
        region = replace(run.region, wue_years=[YearValue(year, wue, source)])
        run = replace(run, region=region)
        marks.append(notes.mark(f"Compared on the study's stated on-site WUE, {wue:g} L/kWh."))
    result = estimate(run)
    oos = out_of_sample(run, compute_used=result["device_hours_basis"] == "compute")
    away = estimate(oos.run)
    published = run.model.published_footprint
    if published is not None:
        marks.append(notes.mark(f"Published: {published.source}. {published.assumptions}"))
        # embodied carbon needs no PUE: a PUE from the study itself stops only the water
        if oos.changes or (oos.in_sample and published.water_l is not None):
            marks.append(notes.mark(oos_note(oos)))  # type: ignore[arg-type]
    result |= {
        "label": row.get("label", run.model.name),
        **hardware_cell(run, None),
        "marks": marks,
        "published_embodied_t": published.embodied_t if published else None,
        "published_water_onsite_l": published.water_onsite_l if published else None,
        "published_water_l": published.water_l if published else None,
        "missed_pct": 100 * result["embodied_emissions_t"] / result["total_emissions_t"],
        "oos_used": oos.used,
        "left_out_of": oos.left_out_of,
        "in_sample_only": oos.in_sample,
    }
    for key, low, central, high, target in (
        ("embodied", "embodied_emissions_t_low", "embodied_emissions_t",
         "embodied_emissions_t_high", "published_embodied_t"),
        ("water", "water_l_low", "water_l", "water_l_high", "published_water_l"),
    ):  # fmt: skip
        pub = result[target]
        result[f"{key}_error_pct"] = core.percent_error(result[central], pub) if pub else None
        result[f"{key}_covered"] = (result[low] <= pub <= result[high]) if pub else None
        # embodied carbon needs the device-hours only (the MFU where they come from compute)
        embodied_ok = key == "embodied" and "compute.mfu" not in oos.in_sample_for
        out = away if embodied_ok or not oos.in_sample else None
        result[f"{key}_oos_error_pct"] = (
            core.percent_error(out[central], pub) if pub and out else None
        )
        result[f"{key}_oos_covered"] = (out[low] <= pub <= out[high]) if pub and out else None
        same = key in row.get("reproduces", [])
        result[f"{key}_compared_on"] = (STUDY_INPUTS if same else OWN_INPUTS) if pub else None
    if any(result[f"{k}_compared_on"] == STUDY_INPUTS for k in REPRODUCIBLE):
        marks.append(
            notes.mark(
                "Study's inputs: carbonspec's figure is made from the study's own inputs, so it"
                " reproduces the study's arithmetic; it does not validate carbonspec's defaults."
            )
        )
    return result
