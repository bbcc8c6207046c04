"""Unit tests of the forecast calculators (no site needed)."""

from datetime import date

from opportunity_ext.lifecycle import forecast


def test_period_keys():
	assert forecast.period_key(date(2026, 11, 24), "Month") == "2026-11"
	assert forecast.period_key(date(2026, 11, 24), "Quarter") == "2026-Q4"
	assert forecast.period_key(date(2026, 1, 1), "Quarter") == "2026-Q1"
	assert forecast.quarter_range(date(2026, 11, 24)) == (date(2026, 10, 1), date(2026, 12, 31))


def test_a_target_spread_by_distribution_or_evenly():
	year = (date(2026, 1, 1), date(2026, 12, 31))
	even = forecast.monthly_targets(1200, *year, None)
	assert len(even) == 12 and even[(2026, 5)] == 100
	shaped = forecast.monthly_targets(1000, *year, {"November": 30, "December": 70})
	assert shaped[(2026, 11)] == 300 and shaped[(2026, 12)] == 700 and shaped[(2026, 1)] == 0
	assert forecast.targets_by_period(shaped, "Quarter")["2026-Q4"] == 1000


def test_attainment_and_gap():
	assert forecast.attainment(250, 1000) == 25.0
	assert forecast.attainment(250, 0) is None
	assert forecast.gap_to_target(1000, 250, 300) == 450
	assert forecast.gap_to_target(0, 250, 300) is None
