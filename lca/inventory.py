"""From measured energy and cited parameters to a life-cycle inventory.

Pure functions, no Brightway: the inventory is a plain record that can be
checked by hand, written to Brightway (``lca.bw.foreground``), evaluated by the
project's vectorised engine (``lca.engine``) and shown in the report. Amounts
are per functional unit (all items over the study's period).

Structure (each name below is a provider, i.e. one shared activity):

* ``it_electricity``: 1 kWh at the IT equipment draws PUE kWh from the grid;
* ``measured::<method>``: 1 kWh as a measurement method reports it is 1 kWh at the
  IT equipment, with the method's uncertainty. Every stage measured the same way
  shares that one error draw: an estimate that is 2x too high is 2x too high for
  every variant, so comparisons between variants are not blurred by it;
* ``training_run``: one training run as measured (shared by every ML variant);
* ``server_hour`` / ``gpu_hour``: one hour of the whole server (GPU), i.e. its
  embodied impacts / its hours of use over its lifetime;
* ``clerk_hour`` / ``engineer_hour``: one hour of a person's work, with their
  devices' electricity and embodied share, and the office if the boundary says so;
* ``office_hour``: the office building per occupied workplace hour;
* ``manual_item``: one item done the reference way (time per item x clerk hours),
  shared by the reference and by the residual work of every ML variant;
* ``development``: building the model once (engineers' hours).

A stage's ``variable_share`` says which part of it grows with the number of
items (for the break-even analysis): inference, residual work and the inference
hours of the server do; training, compression and development do not.
"""

from __future__ import annotations

import math

from lca.background import HEAT_KEY, device_activity, grid_activity, grid_impacts, grid_override, heat_activity
from lca.hardware import Device, hardware_table
from lca.records import (
    BackgroundActivity,
    EnergyRecord,
    Provider,
    ProviderUse,
    ScenarioInventory,
    StageFlow,
    StudyInventory,
    VariantBenchmark,
)
from lca.reference_data import Parameter
from lca.study import Study, resolve
from lca.uncertainty import NO_UNCERTAINTY, Uncertainty

IT_ELECTRICITY = "it_electricity"
CLERK_HOUR = "clerk_hour"
ENGINEER_HOUR = "engineer_hour"
OFFICE_HOUR = "office_hour"
MANUAL_ITEM = "manual_item"
TRAINING_RUN = "training_run"
DATA_PREPARATION = "data_preparation_run"
DEVELOPMENT = "development"
SERVER_HOUR = "server_hour"
GPU_HOUR = "gpu_hour"
REFERENCE = "reference"

# Stage names, in report order.
STAGE_DATA = "data preparation"
STAGE_TRAINING = "training"
STAGE_COMPRESSION = "compression"
STAGE_INFERENCE = "inference"
STAGE_EMBODIED = "embodied hardware"
STAGE_EMBODIED_GPU = "embodied hardware (GPU)"
STAGE_DEVELOPMENT = "development"
STAGE_RESIDUAL = "residual human work"
STAGE_HUMAN = "human work"
STAGE_ORDER = (
    STAGE_DATA,
    STAGE_TRAINING,
    STAGE_COMPRESSION,
    STAGE_INFERENCE,
    STAGE_EMBODIED,
    STAGE_EMBODIED_GPU,
    STAGE_DEVELOPMENT,
    STAGE_RESIDUAL,
    STAGE_HUMAN,
)


def measured_provider_name(record: EnergyRecord) -> str:
    return f"measured::{record.method}"


def build_inventory(
    study: Study,
    run_id: str,
    training: EnergyRecord,
    compression: dict[str, EnergyRecord],
    benchmarks: dict[str, VariantBenchmark],
    data_preparation: EnergyRecord | None = None,
) -> StudyInventory:
    missing = [name for name in study.variant_names() if name not in benchmarks]
    if missing:
        raise ValueError(f"no benchmark for variant(s) {missing}")
    absent = [name for name in study.variant_names()[1:] if name not in compression]
    if absent:
        raise ValueError(f"variant(s) {absent} have no compression energy record")
    records = [training, *compression.values(), *(b.energy for b in benchmarks.values())]
    if data_preparation is not None:
        records.append(data_preparation)
    builder = _Builder(study, records)
    if data_preparation is None:
        builder.notes.append(
            "Data preparation was not measured in this run (no energy record): its energy is not counted."
        )
    scenarios = [
        builder.ml_scenario(name, training, compression.get(name), benchmarks[name], data_preparation)
        for name in study.variant_names()
    ]
    scenarios.append(builder.reference_scenario())
    grid = builder.grid
    climate = grid.flow("climate")
    return StudyInventory(
        study=study.name,
        run_id=run_id,
        country=study.deployment.country,
        grid_kg_co2e_per_kwh=climate.total,
        grid_uncertainty=climate.uncertainty,
        grid_source=climate.source,
        functional_unit=study.functional_unit.description,
        items=study.functional_unit.items,
        providers=builder.providers(),
        scenarios=scenarios,
        background=builder.background(),
        boundary=study.lca.system_boundary,
        notes=builder.notes,
    )


def lognormal_product(parts: list[tuple[str, Parameter, str]]) -> tuple[float, Uncertainty]:
    """Value and spread of a product of parameters, each raised to +1 or -1.

    The spread is a lognormal whose log-variance is the sum of the parts'
    (exact for lognormal parts; a non-lognormal part enters with the standard
    deviation of its logarithm, computed from its distribution).
    """
    value, variance, bases = 1.0, 0.0, []
    for label, param, power in parts:
        sign = 1 if power == "+" else -1
        value *= param.value**sign
        variance += _log_sd(param.value, param.uncertainty) ** 2
        bases.append(f"{label} {param.value:g} {param.unit} ({param.source.strip()[:80]})")
    basis = "Product of: " + "; ".join(bases) + ". Spread: log-variances added."
    if variance == 0:
        return value, NO_UNCERTAINTY.model_copy(update={"basis": basis})
    return value, Uncertainty(distribution="lognormal", gsd=math.exp(math.sqrt(variance)), basis=basis)


def _log_sd(value: float, u: Uncertainty) -> float:
    if u.distribution == "none":
        return 0.0
    if u.distribution == "lognormal":
        return math.log(u.gsd)
    if u.distribution == "normal":
        return u.relative_sd  # first order
    # uniform / triangular: standard deviation of ln(x) by quadrature over the quantiles
    from lca.engine import quantile

    probs = [(i + 0.5) / 400 for i in range(400)]
    logs = [math.log(max(quantile(value, u, p), 1e-300)) for p in probs]
    mean = sum(logs) / len(logs)
    return math.sqrt(sum((x - mean) ** 2 for x in logs) / len(logs))


def binomial_uncertainty(fraction: float, n: int) -> Uncertainty:
    """Sampling spread of a share measured on ``n`` test items, as a lognormal of the same relative SD."""
    if fraction <= 0 or n <= 0:
        return NO_UNCERTAINTY
    cv = math.sqrt(fraction * (1 - fraction) / n) / fraction
    if cv == 0:
        return NO_UNCERTAINTY
    gsd = math.exp(math.sqrt(math.log(1 + cv**2)))
    return Uncertainty(
        distribution="lognormal",
        gsd=gsd,
        basis=f"binomial sampling error of a share of {fraction:.4g} measured on {n} test items (relative SD {cv:.2f})",
    )


class _Builder:
    """Collects providers and background activities while the scenarios are built."""

    def __init__(self, study: Study, records: list[EnergyRecord]):
        self.study = study
        self.spec = study.lca
        self.table = hardware_table()
        self.notes: list[str] = []
        self._providers: dict[str, Provider] = {}
        self._background: dict[str, BackgroundActivity] = {}
        self.grid = self._grid()
        self._background[self.grid.key] = self.grid
        self._it_electricity()
        for record in records:
            self._measured(record)
        self._people()

    # --- background --------------------------------------------------------

    def _grid(self) -> BackgroundActivity:
        country = self.study.deployment.country
        override = self.spec.grid_override
        if override is None:
            return grid_activity(grid_impacts(country))
        params = {cat: resolve(ref) for cat, ref in override.given().items()}
        self.notes.append(
            "The study overrides the national grid figures for: " + ", ".join(sorted(params)) + " (see the inventory)."
        )
        return grid_activity(grid_override(country, params), shared=False)

    def _device(self, device_id: str) -> Device:
        device = self.table.device(device_id)
        activity = device_activity(device)
        self._background.setdefault(activity.key, activity)
        return device

    def background(self) -> list[BackgroundActivity]:
        return list(self._background.values())

    def providers(self) -> list[Provider]:
        return list(self._providers.values())

    def _add(self, provider: Provider) -> str:
        self._providers.setdefault(provider.name, provider)
        return provider.name

    # --- providers ---------------------------------------------------------

    def _it_electricity(self) -> None:
        pue = resolve(self.study.deployment.pue)
        self._add(
            Provider(
                name=IT_ELECTRICITY,
                label=f"electricity at the IT equipment, {self.study.deployment.hardware}",
                unit="kilowatt hour",
                electricity_kwh_per_unit=pue.magnitude("dimensionless"),
                uncertainty=pue.uncertainty_in("dimensionless"),
                electricity_group="datacentre PUE",
                comment=f"1 kWh at the machine draws PUE = {pue.value} kWh from the grid. PUE: {pue.source}",
            )
        )

    def _measured(self, record: EnergyRecord) -> str:
        name = measured_provider_name(record)
        existing = self._providers.get(name)
        if existing is not None and existing.uses[0].uncertainty != record.uncertainty:
            raise ValueError(f"energy records measured by {record.method!r} carry different uncertainties")
        return self._add(
            Provider(
                name=name,
                label=f"electricity at the IT equipment as measured by {record.method}",
                unit="kilowatt hour",
                electricity_kwh_per_unit=0.0,
                uncertainty=NO_UNCERTAINTY,
                comment=(
                    f"1 kWh reported by {record.method} is 1 kWh at the machine within the method's error; one error "
                    "draw serves every stage measured this way."
                ),
                uses=[
                    ProviderUse(
                        input=IT_ELECTRICITY,
                        amount=1.0,
                        uncertainty=record.uncertainty,
                        comment=record.uncertainty.basis,
                        group=f"energy measurement ({record.method})",
                    )
                ],
            )
        )

    def _person_hour(self, name: str, label: str, power: Parameter, devices: list[str], role: str) -> None:
        uses = []
        for device_id in devices:
            device = self._device(device_id)
            uses.append(
                ProviderUse(
                    input=f"device::{device.id}",
                    amount=device.per_hour_of_use(),
                    uncertainty=device.lifetime_uncertainty,
                    comment=(
                        f"embodied share per hour of use: 1 / ({device.lifetime_hours:g} h lifetime x "
                        f"{device.use_ratio:g} in use) ({device.source})"
                    ),
                    group=f"lifetime of {device.id}",
                )
            )
        if self.spec.system_boundary == "devices_and_office":
            self._office()
            uses.append(
                ProviderUse(
                    input=OFFICE_HOUR,
                    amount=1.0,
                    uncertainty=NO_UNCERTAINTY,
                    comment="the office workplace for the same hour",
                )
            )
        self._add(
            Provider(
                name=name,
                label=label,
                unit="hour",
                electricity_kwh_per_unit=power.magnitude("kW"),
                uncertainty=power.uncertainty_in("kW"),
                electricity_group=f"power of the {role}' devices",
                comment=f"Devices {', '.join(devices)} at {power.value} {power.unit} in use. Power: {power.source}",
                uses=uses,
            )
        )

    def _office(self) -> None:
        if OFFICE_HOUR in self._providers:
            return
        o = self.spec.office
        area, hours = resolve(o.area_per_workplace), resolve(o.hours_per_year)
        elec, heat, share = resolve(o.electricity_intensity), resolve(o.heat_intensity), resolve(o.share_not_workstations)
        # per occupied workplace hour: intensity [kWh/m2/yr] x area [m2] / hours [h/yr]
        elec_parts = [("electricity", elec, "+"), ("share not workstations", share, "+"), ("area", area, "+"),
                      ("hours", hours, "-")]
        heat_parts = [("heat", heat, "+"), ("area", area, "+"), ("hours", hours, "-")]
        scale_e = elec.magnitude("kWh/m**2/year") / elec.value * area.magnitude("m**2") / area.value
        scale_e /= hours.magnitude("hour/year") / hours.value
        scale_h = heat.magnitude("kWh/m**2/year") / heat.value * area.magnitude("m**2") / area.value
        scale_h /= hours.magnitude("hour/year") / hours.value
        e_value, e_spread = lognormal_product(elec_parts)
        h_value, h_spread = lognormal_product(heat_parts)
        self._background.setdefault(HEAT_KEY, heat_activity())
        self._add(
            Provider(
                name=OFFICE_HOUR,
                label="one occupied office workplace for one hour (building services)",
                unit="hour",
                electricity_kwh_per_unit=e_value * scale_e,
                uncertainty=e_spread,
                electricity_group="office electricity per workplace hour",
                comment=(
                    f"Electricity {elec.value:g} kWh/m2/yr x {share.value:g} (not workstations, counted apart) x "
                    f"{area.value:g} m2 / {hours.value:g} h/yr; heat {heat.value:g} kWh/m2/yr x {area.value:g} m2 / "
                    f"{hours.value:g} h/yr. Sources: {elec.source.strip()}; {area.source.strip()}; {hours.source.strip()}"
                ),
                uses=[
                    ProviderUse(
                        input=HEAT_KEY,
                        amount=h_value * scale_h,
                        uncertainty=h_spread,
                        comment="natural gas heating per workplace hour",
                        group="office heating per workplace hour",
                    )
                ],
            )
        )
        self.notes.append(
            "Office building: operation only (electricity and heating per workplace hour); its construction, "
            "furniture and commuting are outside the boundary, and the heating fuel's upstream chain is cut off."
        )

    def _people(self) -> None:
        hw = self.spec.hardware
        self._person_hour(
            CLERK_HOUR,
            "one hour of a person doing the job the reference way",
            resolve(self.study.reference.device_power),
            hw.workers,
            "workers",
        )
        seconds = resolve(self.study.reference.time_per_item)
        per_item_h = seconds.magnitude("hour")
        self._add(
            Provider(
                name=MANUAL_ITEM,
                label="one item done by a person, the reference way",
                unit="item",
                electricity_kwh_per_unit=0.0,
                uncertainty=NO_UNCERTAINTY,
                comment=f"{seconds.value} {seconds.unit} per item. Time: {seconds.source.strip()}",
                uses=[
                    ProviderUse(
                        input=CLERK_HOUR,
                        amount=per_item_h,
                        uncertainty=seconds.uncertainty_in("hour"),
                        comment=f"{seconds.value} {seconds.unit} per item = {per_item_h:.4g} h",
                        group="time per item (people)",
                    )
                ],
            )
        )
        if self.spec.development_hours is not None:
            self._person_hour(
                ENGINEER_HOUR,
                "one hour of an ML engineer's work",
                resolve(hw.engineer_power),
                hw.engineers,
                "engineers",
            )
            hours = resolve(self.spec.development_hours)
            self._add(
                Provider(
                    name=DEVELOPMENT,
                    label="building the model once (engineers' time)",
                    unit="unit",
                    electricity_kwh_per_unit=0.0,
                    uncertainty=NO_UNCERTAINTY,
                    comment=f"{hours.value} {hours.unit} of engineers' work. {hours.source.strip()}",
                    uses=[
                        ProviderUse(
                            input=ENGINEER_HOUR,
                            amount=hours.magnitude("hour"),
                            uncertainty=hours.uncertainty_in("hour"),
                            comment=hours.description.strip() or "development time",
                            group="development time",
                        )
                    ],
                )
            )
        else:
            self.notes.append(
                "The engineers' development time is not declared (lca.development_hours): it is not counted."
            )

    def _hardware_hour(self, name: str, device_id: str, units: int, label: str) -> Device:
        device = self._device(device_id)
        self._add(
            Provider(
                name=name,
                label=label,
                unit="hour",
                electricity_kwh_per_unit=0.0,
                uncertainty=NO_UNCERTAINTY,
                comment=(
                    f"{units} x {device.label}: embodied impacts allocated by hours of use, 1 / ({device.lifetime_hours:g} h "
                    f"x {device.use_ratio:g}) per hour. {device.source}"
                ),
                uses=[
                    ProviderUse(
                        input=f"device::{device.id}",
                        amount=units * device.per_hour_of_use(),
                        uncertainty=device.lifetime_uncertainty,
                        comment="share of the device per hour of use",
                        group=f"lifetime of {device.id}",
                    )
                ],
            )
        )
        return device

    # --- scenarios -----------------------------------------------------------

    def ml_scenario(
        self,
        variant: str,
        training: EnergyRecord,
        compression: EnergyRecord | None,
        benchmark: VariantBenchmark,
        data_preparation: EnergyRecord | None,
    ) -> ScenarioInventory:
        items = self.study.functional_unit.items
        runs = self.spec.training_runs
        stages: list[StageFlow] = []
        seconds_fixed = 0.0
        if data_preparation is not None:
            stages.append(
                StageFlow(
                    stage=STAGE_DATA,
                    provider=measured_provider_name(data_preparation),
                    amount=data_preparation.energy_kwh * runs.retrainings_per_period,
                    uncertainty=NO_UNCERTAINTY,
                    comment=(
                        f"measured {data_preparation.energy_kwh:.3e} kWh over {data_preparation.duration_s:.1f} s "
                        f"x {runs.retrainings_per_period} model build(s)"
                    ),
                )
            )
            seconds_fixed += data_preparation.duration_s * runs.retrainings_per_period
        self._add(
            Provider(
                name=TRAINING_RUN,
                label="one training run as measured",
                unit="unit",
                electricity_kwh_per_unit=0.0,
                uncertainty=NO_UNCERTAINTY,
                comment=f"measured: {training.energy_kwh:.3e} kWh over {training.duration_s:.1f} s ({training.method})",
                uses=[
                    ProviderUse(
                        input=measured_provider_name(training),
                        amount=training.energy_kwh,
                        uncertainty=NO_UNCERTAINTY,
                        comment="measured energy of one training run",
                    )
                ],
            )
        )
        stages.append(
            StageFlow(
                stage=STAGE_TRAINING,
                provider=TRAINING_RUN,
                amount=float(runs.total),
                uncertainty=NO_UNCERTAINTY,
                comment=(
                    f"{runs.hyperparameter_search} run(s) per build (hyper-parameter search) x "
                    f"{runs.retrainings_per_period} build(s) over the period"
                ),
            )
        )
        seconds_fixed += training.duration_s * runs.total
        if variant != "baseline":
            if compression is None:
                raise ValueError(f"variant {variant!r} has no compression energy record")
            stages.append(
                StageFlow(
                    stage=STAGE_COMPRESSION,
                    provider=measured_provider_name(compression),
                    amount=compression.energy_kwh * runs.retrainings_per_period,
                    uncertainty=NO_UNCERTAINTY,
                    comment=(
                        f"measured {compression.energy_kwh:.3e} kWh over {compression.duration_s:.1f} s "
                        f"({compression.method}) x {runs.retrainings_per_period} build(s)"
                    ),
                )
            )
            seconds_fixed += compression.duration_s * runs.retrainings_per_period
        window = benchmark.energy
        stages.append(
            StageFlow(
                stage=STAGE_INFERENCE,
                provider=measured_provider_name(window),
                amount=benchmark.energy_per_item_kwh * items,
                uncertainty=NO_UNCERTAINTY,
                variable_share=1.0,
                comment=(
                    f"{benchmark.energy_per_item_kwh:.3e} kWh/item measured over {window.items} items "
                    f"in {window.duration_s:.1f} s ({window.method}) x {items} items"
                ),
            )
        )
        stages.extend(self._embodied(benchmark, seconds_fixed, training))
        if self.spec.development_hours is not None:
            stages.append(
                StageFlow(
                    stage=STAGE_DEVELOPMENT,
                    provider=DEVELOPMENT,
                    amount=1.0,
                    uncertainty=NO_UNCERTAINTY,
                    comment="the model is built once; its compression is not counted as extra engineering time",
                )
            )
        routed = benchmark.routed_fraction
        stages.append(
            StageFlow(
                stage=STAGE_RESIDUAL,
                provider=MANUAL_ITEM,
                amount=routed * items,
                uncertainty=binomial_uncertainty(routed, benchmark.n_test_items),
                variable_share=1.0,
                group=f"routed share ({variant})",
                comment=(
                    f"{routed:.4f} of the items are handed to a person (routing rule '{self.study.routing.rule}', "
                    f"measured on {benchmark.n_test_items} test items) x {items} items, done the reference way"
                ),
            )
        )
        return ScenarioInventory(name=variant, label=f"ML: {variant}", is_reference=False, stages=stages)

    def _embodied(self, benchmark: VariantBenchmark, seconds_fixed: float, training: EnergyRecord) -> list[StageFlow]:
        hw = self.spec.hardware
        items = self.study.functional_unit.items
        window = benchmark.energy
        if not window.items:
            raise ValueError(f"the inference window of variant {benchmark.variant!r} counts no items")
        inference_s = window.duration_s / window.items * items
        hours = (seconds_fixed + inference_s) / 3600.0
        variable = inference_s / (seconds_fixed + inference_s) if hours > 0 else 1.0
        server = self._hardware_hour(SERVER_HOUR, hw.server, 1, "one hour of the whole server (embodied share)")
        if hw.server_share is not None:
            share, why = hw.server_share, "the study's server_share"
        elif server.threads:
            threads = max(training.threads, window.threads)
            share, why = min(1.0, threads / server.threads), f"{threads} threads used / {server.threads} of the server"
        else:
            share, why = 1.0, "the whole server"
        stages = [
            StageFlow(
                stage=STAGE_EMBODIED,
                provider=SERVER_HOUR,
                amount=hours * share,
                uncertainty=NO_UNCERTAINTY,
                variable_share=variable,
                comment=(
                    f"{hours:.4g} h of use ({seconds_fixed:.1f} s training/compression/preparation + "
                    f"{inference_s:.1f} s inference at the measured throughput) x share {share:.4g} ({why})"
                ),
            )
        ]
        if hw.gpu:
            self._hardware_hour(GPU_HOUR, hw.gpu, hw.gpus, f"one hour of {hw.gpus} GPU(s) (embodied share)")
            stages.append(
                StageFlow(
                    stage=STAGE_EMBODIED_GPU,
                    provider=GPU_HOUR,
                    amount=hours,
                    uncertainty=NO_UNCERTAINTY,
                    variable_share=variable,
                    comment=f"{hours:.4g} h of use of the GPU(s), wholly allocated to the workload",
                )
            )
        return stages

    def reference_scenario(self) -> ScenarioInventory:
        items = self.study.functional_unit.items
        seconds = resolve(self.study.reference.time_per_item)
        return ScenarioInventory(
            name=REFERENCE,
            label="Reference: done by people",
            is_reference=True,
            stages=[
                StageFlow(
                    stage=STAGE_HUMAN,
                    provider=MANUAL_ITEM,
                    amount=float(items),
                    uncertainty=NO_UNCERTAINTY,
                    variable_share=1.0,
                    comment=f"{items} items x {seconds.value} {seconds.unit} per item. Time: {seconds.source.strip()}",
                )
            ],
        )
