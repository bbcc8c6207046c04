"""Unit tests of the pure lifecycle rules (no site needed)."""

from datetime import date

from opportunity_ext.lifecycle import rules as lifecycle

TODAY = date(2026, 11, 24)
OPENED = date(2026, 11, 4)


def dates(status, previous_status=None, won=None, lost=None):
	return lifecycle.closing_dates(status, previous_status, won, lost, TODAY, OPENED)


def test_winning_stamps_today_and_days_to_close():
	assert dates("Converted", "Quotation") == {"won_date": TODAY, "lost_date": None, "days_to_close": 20}


def test_losing_stamps_lost_date():
	assert dates("Lost", "Open") == {"lost_date": TODAY, "won_date": None, "days_to_close": 20}


def test_stamp_is_kept_while_status_stays():
	earlier = date(2026, 11, 10)
	assert dates("Converted", "Converted", won=earlier)["won_date"] == earlier
	assert dates("Converted", "Converted", won=earlier)["days_to_close"] == 6


def test_reopening_clears_dates():
	assert dates("Open", "Lost", lost=date(2026, 11, 10)) == {
		"won_date": None,
		"lost_date": None,
		"days_to_close": 0,
	}


def test_won_after_lost_drops_the_lost_date():
	result = dates("Converted", "Lost", lost=date(2026, 11, 10))
	assert result["lost_date"] is None and result["won_date"] == TODAY


def test_days_to_close_never_negative():
	result = lifecycle.closing_dates("Lost", "Open", None, None, TODAY, date(2026, 12, 1))
	assert result["days_to_close"] == 0


def test_new_opportunity_takes_stage_default_unless_given():
	assert lifecycle.stage_probability(0, None, "Prospecting", None, 10, is_new=True) == 10
	assert lifecycle.stage_probability(100, None, "Prospecting", None, 10, True, field_default=100) == 10
	assert lifecycle.stage_probability(35, None, "Prospecting", None, 10, True, field_default=100) == 35


def test_stage_change_moves_probability():
	assert lifecycle.stage_probability(10, 10, "Proposal", "Prospecting", 60, is_new=False) == 60


def test_user_probability_in_same_save_wins_over_stage():
	assert lifecycle.stage_probability(75, 10, "Proposal", "Prospecting", 60, is_new=False) == 75


def test_user_probability_kept_while_stage_stays():
	assert lifecycle.stage_probability(75, 60, "Proposal", "Proposal", 60, is_new=False) == 75


def test_stage_without_default_leaves_probability():
	assert lifecycle.stage_probability(42, 42, "Proposal", "Prospecting", 0, is_new=False) == 42


def test_weighted_amount():
	assert lifecycle.weighted_amount(2000, 25) == 500
	assert lifecycle.weighted_amount(None, 25) == 0


def test_competitor_from_lost_dialog_gets_a_detail_row():
	to_add, listed = lifecycle.merge_competitors(["Acme"], ["Acme", "Globex"], ["Acme"])
	assert to_add == ["Globex"]
	assert listed == ["Acme", "Globex"]


def test_competitor_removed_from_details_leaves_multiselect():
	to_add, listed = lifecycle.merge_competitors(["Acme"], ["Acme", "Globex"], ["Acme", "Globex"])
	assert to_add == []
	assert listed == ["Acme"]


def test_details_lead_when_multiselect_drops_one():
	to_add, listed = lifecycle.merge_competitors(["Acme", "Globex"], ["Acme"], ["Acme", "Globex"])
	assert to_add == [] and listed == ["Acme", "Globex"]


def test_duplicates():
	assert lifecycle.duplicates(["a", "b", "a", "c", "b", "a"]) == ["a", "b"]
	assert lifecycle.duplicates([]) == []


# --- the opportunity and its quotations ---------------------------------------------------------


def quotation(status, valid_till=None):
	return {"status": status, "valid_till": valid_till}


def test_quotations_decide_the_status():
	later, earlier = date(2026, 12, 24), date(2026, 11, 1)
	derive = lifecycle.status_from_quotations
	assert derive([quotation("Open", later)], TODAY) == "Quotation"
	assert derive([quotation("Open", earlier)], TODAY) is None, "a passed validity counts at once"
	assert derive([quotation("Lost"), quotation("Open", later)], TODAY) == "Quotation"
	assert derive([quotation("Lost"), quotation("Expired")], TODAY) == "Lost"
	assert derive([quotation("Partially Ordered"), quotation("Lost")], TODAY) == "Converted"
	assert derive([], TODAY) is None


def test_only_what_quotations_decide_is_changed():
	resync = lifecycle.resynced_status
	assert resync("Lost", "Quotation", lost_by_quotation=True) == "Quotation", "lost only when the last is"
	assert resync("Lost", "Quotation") == "Lost", "a loss declared by hand stays while a quotation is valid"
	assert resync("Quotation", None) == "Open", "expired: released"
	assert resync("Open", None) == "Open"
	assert resync("Lost", None) == "Lost", "a loss declared on the opportunity stays"
	assert resync("Converted", "Quotation") == "Converted", "a win declared by hand stays"
	assert resync("Closed", "Converted") == "Closed"


def test_won_without_reasons_only_while_they_are_mandatory():
	assert lifecycle.won_without_reasons("Converted", 0, True)
	assert not lifecycle.won_without_reasons("Converted", 1, True)
	assert not lifecycle.won_without_reasons("Converted", 0, False)
	assert not lifecycle.lacks_won_reasons("Converted", "Converted", 0, True), "already won: not a new win"


# --- forecast category ---------------------------------------------------------------------------


def category(
	status="Open", category=None, previous=None, stage=None, previous_stage=None, default=None, new=False
):
	return lifecycle.forecast_category(status, category, previous, stage, previous_stage, default, new)


def test_forecast_category_follows_status_and_stage():
	assert category("Converted", "Commit") == "Closed"
	assert category("Lost", "Commit") == "Omitted"
	assert category("Closed", "Pipeline") == "Omitted"
	assert category(new=True, stage="Negotiation", default="Commit") == "Commit"
	assert category(new=True) == "Pipeline"
	assert category(new=True, category="Best Case", default="Commit") == "Best Case", "picked at creation"
	entering = dict(stage="Negotiation", previous_stage="Qualification", default="Commit")
	assert category(category="Pipeline", previous="Pipeline", **entering) == "Commit"
	assert category(category="Best Case", previous="Pipeline", **entering) == "Best Case", "the owner's pick"
	assert (
		category(category="Closed", previous="Closed", stage="Negotiation", default="Commit") == "Commit"
	), "reopened"


def test_an_override_is_a_pick_the_rule_would_not_make():
	assert lifecycle.overrides_forecast("Commit", "Pipeline", "Pipeline", "Open")
	assert not lifecycle.overrides_forecast("Commit", "Pipeline", "Commit", "Open")
	assert not lifecycle.overrides_forecast("Commit", "Commit", "Pipeline", "Open")


def test_won_is_certain_and_lost_is_nothing():
	assert lifecycle.stage_probability(60, 60, "Proposal", "Proposal", 60, False, status="Converted") == 100
	assert lifecycle.stage_probability(60, 60, "Proposal", "Proposal", 60, False, status="Lost") == 0
	assert lifecycle.stage_probability(0, None, None, None, 0, True, status="Converted") == 100


def test_reopened_deal_takes_its_stage_probability_again():
	reopened = lifecycle.stage_probability(
		0, 0, "Proposal", "Proposal", 60, False, status="Open", previous_status="Lost"
	)
	assert reopened == 60
	reopened = lifecycle.stage_probability(
		100, 100, "Proposal", "Proposal", 60, False, status="Quotation", previous_status="Converted"
	)
	assert reopened == 60
	# the user gave a probability in the same save: theirs
	theirs = lifecycle.stage_probability(
		30, 0, "Proposal", "Proposal", 60, False, status="Open", previous_status="Lost"
	)
	assert theirs == 30


def test_closed_keeps_its_probability():
	kept = lifecycle.stage_probability(
		40, 40, "Proposal", "Proposal", 60, False, status="Closed", previous_status="Open"
	)
	assert kept == 40


def test_stage_defaults_climb_the_funnel():
	values = lifecycle.default_stage_values(8)  # ERPNext's eight stages
	assert [v["default_probability"] for v in values] == [10, 20, 35, 45, 55, 65, 80, 90]
	assert [v["default_forecast_category"] for v in values] == ["Pipeline"] * 3 + ["Best Case"] * 3 + [
		"Commit"
	] * 2
	assert {v["stalled_after_days"] for v in values} == {lifecycle.STALLED_AFTER_DAYS}
	assert lifecycle.default_stage_values(1)[0]["default_probability"] == 10
	assert [v["default_probability"] for v in lifecycle.default_stage_values(2)] == [10, 90]
	assert lifecycle.default_stage_values(0) == []
