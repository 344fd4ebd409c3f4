"""A territory's review circuit and its default minimum, read from its data
(docs/decisions/0011-workshop-circuit.md).

The circuit is the territory's ``ReviewStep`` rows in order: the first step proposes (the
service that writes the workshops), the last one validates or refuses, the steps between
give their opinion. A territory with fewer than two steps gets the neutral circuit
« Proposition » → « Validation ».

A proposed workshop waits for one step (``Workshop.review_position``, 1-based in the
circuit):
- proposing puts it before the first step after the proposal, at a meeting whose date is
  given. When that step only gives its opinion (a circuit of three steps or more), its
  opinion is the one of that meeting and the workshop then waits for the next step;
  when it is the last step, the workshop waits for its decision;
- an intermediate step gives its opinion (date, remarks): the workshop waits for the next;
- the last step validates or refuses (date, remarks).
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import FALLBACK_MIN_ATTENDANCE, ReviewStep, WorkshopSettings

DEFAULT_STEP_NAMES = ("Proposition", "Validation")


@dataclass(frozen=True)
class Step:
    position: int  # 1-based rank in the circuit
    name: str


@dataclass(frozen=True)
class Circuit:
    steps: tuple[Step, ...]
    is_default: bool = False

    @property
    def proposal(self) -> Step:
        return self.steps[0]

    @property
    def first_instance(self) -> Step:
        """The step a workshop is proposed to."""
        return self.steps[1]

    @property
    def last(self) -> Step:
        return self.steps[-1]

    @property
    def names(self) -> list[str]:
        return [s.name for s in self.steps]

    def step(self, position: int | None) -> Step:
        """The step at ``position``; a position beyond the circuit (steps removed while a
        workshop was in review) is the last step, one before the second is the second."""
        if position is None or position < 2:
            return self.first_instance
        return self.steps[min(position, len(self.steps)) - 1]

    def is_last(self, step: Step) -> bool:
        return step.position == len(self.steps)

    def after_proposal(self) -> Step:
        """The step a workshop waits for once proposed (see the module's docstring)."""
        first = self.first_instance
        return first if self.is_last(first) else self.steps[first.position]

    def next_after(self, step: Step) -> Step:
        return self.steps[min(step.position, len(self.steps) - 1)]


DEFAULT_CIRCUIT = Circuit(
    steps=tuple(Step(i, name) for i, name in enumerate(DEFAULT_STEP_NAMES, start=1)),
    is_default=True,
)


def circuit_for(territory_id: int | None) -> Circuit:
    names = list(
        ReviewStep.objects.filter(territory_id=territory_id)
        .order_by("position", "pk")
        .values_list("name", flat=True)
    )
    if len(names) < 2:
        return DEFAULT_CIRCUIT
    return Circuit(steps=tuple(Step(i, name) for i, name in enumerate(names, start=1)))


def circuits_for(territory_ids) -> dict[int, Circuit]:
    """Several territories' circuits in one query (a superuser's programme)."""
    found: dict[int, list[str]] = {}
    for territory_id, name in (
        ReviewStep.objects.filter(territory_id__in=set(territory_ids))
        .order_by("territory_id", "position", "pk")
        .values_list("territory_id", "name")
    ):
        found.setdefault(territory_id, []).append(name)
    return {
        tid: (
            Circuit(steps=tuple(Step(i, n) for i, n in enumerate(names, start=1)))
            if len(names) >= 2
            else DEFAULT_CIRCUIT
        )
        for tid, names in found.items()
    } | {tid: DEFAULT_CIRCUIT for tid in set(territory_ids) - set(found)}


def default_min_attendance(territory_id: int | None) -> int:
    """The territory's minimum of registrations when neither the format nor the session
    sets one (``FALLBACK_MIN_ATTENDANCE`` when the territory has not set it)."""
    value = (
        WorkshopSettings.objects.filter(territory_id=territory_id)
        .values_list("default_min_attendance", flat=True)
        .first()
    )
    return FALLBACK_MIN_ATTENDANCE if value is None else value


def min_attendance_for(fmt) -> int:
    """The format's minimum, or its territory's default."""
    if fmt.min_attendance is not None:
        return fmt.min_attendance
    return default_min_attendance(fmt.territory_id)


def stage_label(workshop, circuit: Circuit) -> str:
    """Where the workshop is, in words, with the step a proposed one waits for."""
    if workshop.status == "proposed":
        return f"Proposé — prochaine étape : {circuit.step(workshop.review_position).name}"
    return workshop.get_status_display()
