"""/metrics in Prometheus text format (prometheus-client), on a registry of the app's own.

Per replica: requests and latencies by route, platform API errors (failed sends per platform).
From the database, refreshed in the background (so a scrape never waits on it): checks by
verdict, questions answered / not covered, submissions by state, pending approvals, SLA
breaches, outbox depth and dead letters. Database figures are the same on every replica:
aggregate them with max(), not sum().
"""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from bot.steward import Gauges


class DatabaseFigures(Collector):
    def __init__(self) -> None:
        self.snapshot: Gauges | None = None

    def collect(self) -> Iterator[Metric]:
        g = self.snapshot
        if g is None:
            return
        checks = CounterMetricFamily("steward_checks", "Drafts checked, by verdict (all replicas).",
                                     labels=["verdict"])
        for verdict in ("allow", "review", "block"):
            checks.add_metric([verdict], g.checks_by_verdict.get(verdict, 0))
        yield checks
        questions = CounterMetricFamily("steward_questions", "Policy questions, by outcome (all replicas).",
                                        labels=["outcome"])
        for outcome in ("answered", "not_covered"):
            questions.add_metric([outcome], g.questions.get(outcome, 0))
        yield questions
        subs = GaugeMetricFamily("steward_submissions", "Submissions by state.", labels=["state"])
        for state, n in sorted(g.submissions_by_state.items()):
            subs.add_metric([state], n)
        yield subs
        yield GaugeMetricFamily("steward_pending_approvals", "Submissions waiting for a decision.",
                                value=g.submissions_by_state.get("submitted", 0))
        yield GaugeMetricFamily("steward_sla_breaches", "Submissions still waiting after their SLA escalated.",
                                value=g.sla_breaches)
        depth = GaugeMetricFamily("steward_outbox_depth", "Notifications waiting to be sent, by platform.",
                                  labels=["platform"])
        dead = GaugeMetricFamily("steward_outbox_dead_letters", "Notifications given up on, by platform.",
                                 labels=["platform"])
        for platform, n in sorted(g.outbox_depth.items()):
            depth.add_metric([platform], n)
        for platform, n in sorted(g.dead_letters.items()):
            dead.add_metric([platform], n)
        yield depth
        yield dead


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("steward_http_requests", "HTTP requests, by route, method and status.",
                                ["route", "method", "status"], registry=self.registry)
        self.latency = Histogram("steward_http_request_seconds", "HTTP request latency, by route.",
                                 ["route", "method"], registry=self.registry,
                                 buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
        self.platform_errors = Counter("steward_platform_api_errors", "Failed sends to a chat platform.",
                                       ["platform"], registry=self.registry)
        self.database = DatabaseFigures()
        self.registry.register(self.database)
