"""The shared activities of one study's inventory, collected while its scenarios are built.

Providers and background activities are keyed by name: a scenario that asks for
one already there gets the same one, so every scenario of the study draws on one
set of shared activities (and, in the Monte Carlo, on one draw of each).
"""

from __future__ import annotations

from lca.assessment.background import device_activity
from lca.assessment.hardware import Device, hardware_table
from lca.records import BackgroundActivity, Provider
from lca.study.reference_data import Parameter, ParameterRef, resolve
from lca.study.schema import Study


class InventoryParts:
    def __init__(self, study: Study, links: dict[str, BackgroundActivity] | None = None):
        self.study = study
        # Inventory key -> an activity of the practitioner's own Brightway background that replaces the project's.
        self.links = dict(links or {})
        self.spec = study.lca
        self.table = hardware_table()
        self.notes: list[str] = []
        # The provider the development stage draws on (lca.assessment.inventory.people.add_development), if any.
        self.build_provider: str | None = None
        self._providers: dict[str, Provider] = {}
        self._background: dict[str, BackgroundActivity] = {}
        # Figures used outside their own geography (issue 19): id or label -> its geography, for the report's note.
        self.proxies: dict[str, str] = {}

    def figure(self, ref: ParameterRef, label: str = "") -> Parameter:
        """A cited figure as used in the study's country: a labelled proxy, with a wider spread, where not its own."""
        figure = resolve(ref, self.study.deployment.country)
        if figure.proxy_for is not None and figure.geography is not None:
            self.proxies[ref if isinstance(ref, str) else label or figure.description[:60]] = figure.geography
        return figure

    def proxy_note(self) -> str | None:
        """One note naming the figures that stand in for the study's country (None when every figure is its own)."""
        if not self.proxies:
            return None
        listed = "; ".join(f"{name} ({geo})" for name, geo in sorted(self.proxies.items()))
        return (
            f"Figures from another geography used as proxies for {self.study.deployment.country} "
            f"(their pedigree's geographical score for use elsewhere widens their spread): {listed}."
        )

    def has(self, name: str) -> bool:
        return name in self._providers

    def provider(self, name: str) -> Provider | None:
        return self._providers.get(name)

    def add(self, provider: Provider) -> str:
        self._providers.setdefault(provider.name, provider)
        return provider.name

    def add_background(self, activity: BackgroundActivity) -> BackgroundActivity:
        """The activity, or the study's linked one for the same key (the project's background stays the default)."""
        if activity.key not in self._background and activity.key in self.links:
            activity = self.links[activity.key]
            self.notes.append(f"Background: {activity.comment}")
        return self._background.setdefault(activity.key, activity)

    def device(self, device_id: str) -> Device:
        """A device of the hardware table, with its manufacture added to the background."""
        device = self.table.device(device_id)
        self.add_background(device_activity(device))
        return device

    def providers(self) -> list[Provider]:
        return list(self._providers.values())

    def background(self) -> list[BackgroundActivity]:
        return list(self._background.values())
