"""GET /v1/metrics, parsed by prometheus_client's own text-format parser (never by hand), so
what this client reads is what Prometheus itself would scrape."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator, Mapping

from prometheus_client.metrics_core import Metric
from prometheus_client.parser import text_string_to_metric_families


@dataclass(frozen=True)
class Sample:
    """One sample line: full sample name (with _total, _bucket, ...), labels and value."""

    name: str
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True)
class MetricFamily:
    """One metric family: name as the parser reports it, type (counter, gauge, ...), help text."""

    name: str
    type: str
    documentation: str
    samples: tuple[Sample, ...]


class Metrics:
    """All families of one scrape, looked up by family or sample name."""

    def __init__(self, families: Mapping[str, MetricFamily], text: str) -> None:
        self.families = families
        self.text = text

    @classmethod
    def parse(cls, text: str) -> Metrics:
        families: dict[str, MetricFamily] = {}
        for fam in text_string_to_metric_families(text):
            families[fam.name] = _family(fam)
        return cls(families, text)

    def samples(self) -> Iterator[Sample]:
        for fam in self.families.values():
            yield from fam.samples

    def value(self, name: str, labels: Mapping[str, str] | None = None) -> float | None:
        """The value of sample `name` (as written in the text, e.g. `..._total`) whose labels
        include `labels`; the sum over all matching label sets; None when there is none."""
        want = dict(labels or {})
        found = [s.value for s in self.samples()
                 if s.name == name and all(s.labels.get(k) == v for k, v in want.items())]
        return sum(found) if found else None

    def type_of(self, sample_name: str) -> str | None:
        """The declared type of the family a sample name belongs to."""
        for fam in self.families.values():
            if any(s.name == sample_name for s in fam.samples):
                return fam.type
        return None

    def __contains__(self, sample_name: object) -> bool:
        return any(s.name == sample_name for s in self.samples())


def _family(fam: Metric) -> MetricFamily:
    return MetricFamily(name=fam.name, type=fam.type, documentation=fam.documentation,
                        samples=tuple(Sample(s.name, dict(s.labels), float(s.value))
                                      for s in fam.samples))
