"""The hand-made report fixtures of test_report.py, shared with the other report tests."""

from tests.reporting.test_report import inventory, lcia, reports, study, write  # noqa: F401  # pytest fixtures
