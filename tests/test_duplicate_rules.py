"""Unit tests of the duplicate check's pure rules (no site needed)."""

from opportunity_ext.duplicates import rules


def test_email_normalized():
	assert rules.normalize_email("  Sara Ahmadi <Sara.Ahmadi@Example.IR> ") == "sara.ahmadi@example.ir"
	assert rules.normalize_email("not an address") is None
	assert rules.normalize_email("x@localhost") is None
	assert rules.normalize_email(None) is None


def test_company_domain_but_not_free_mail():
	assert rules.email_domain("buyer@Acme-Industries.com") == "acme-industries.com"
	assert rules.email_domain("someone@gmail.com") is None
	assert rules.email_domain("someone@Hotmail.com") is None


def test_phone_normalized_from_national_and_international_forms():
	national = rules.normalize_phone("021 8877 6655", "IR")
	assert national == "+982188776655"
	assert rules.normalize_phone("+98 21 8877-6655", "IR") == national
	assert rules.normalize_phone("0098 21 88776655", "IR") == national
	assert rules.normalize_phone("(02) 123 4567", "TH") == rules.normalize_phone("+66 2 123 4567", None)
	assert rules.normalize_phone("12", "IR") is None
	assert rules.normalize_phone("", "IR") is None


def test_similar_titles_ignore_case_order_and_common_words():
	assert rules.similar("Website redesign for Acme", "ACME website re-design")
	assert rules.similar("Acme Trading LLC", "acme trading")
	assert not rules.similar("Website redesign", "Website hosting")
	assert not rules.similar("New deal", "New opportunity")  # nothing left but common words
	assert not rules.similar("Acme Trading", "Beta Trading")


def test_strong_key_is_enough():
	for code in ("party", "email", "phone"):
		assert rules.match_reasons({code}, "A", "B", "X", "Y", 0) == [code]


def test_domain_alone_is_not_enough():
	assert rules.match_reasons({"domain"}, "Website redesign", "Website hosting", "Ann", "Bob", 0) == []
	assert rules.match_reasons({"domain"}, "Server upgrade", "Upgrade the servers", "Ann", "Bob", 0) == [
		"domain",
		"title",
	]
	assert rules.match_reasons({"domain"}, "Laptops", "Printers", "Ann", "Bob", 2) == ["domain", "items"]


def test_nothing_matches_without_a_shared_key():
	assert rules.match_reasons(set(), "Same title", "Same title", "Acme", "Acme", 3) == []


def test_reasons_in_order_with_items():
	assert rules.match_reasons({"email", "party"}, "Laptops", "Laptops", "Acme", "Acme", 2) == [
		"party",
		"email",
		"title",
		"items",
	]


def test_keeper_is_not_lost_then_later_stage_then_probability_then_recent():
	lost = {"status": "Lost", "probability": 90, "modified": "2026-12-01"}
	open_ = {"status": "Open", "probability": 10, "modified": "2026-11-01"}
	assert rules.keeper_order(open_, 1) > rules.keeper_order(lost, 5)
	early = {"status": "Open", "probability": 80, "modified": "2026-12-01"}
	assert rules.keeper_order(open_, 3) > rules.keeper_order(early, 2)
	likely = {"status": "Open", "probability": 60, "modified": "2026-10-01"}
	assert rules.keeper_order(likely, 2) > rules.keeper_order(early | {"probability": 50}, 2)
	newer = {"status": "Open", "probability": 60, "modified": "2026-12-02"}
	assert rules.keeper_order(newer, 2) > rules.keeper_order(likely, 2)


def test_default_choice_fills_empty_fields_from_the_other():
	assert rules.default_choice("kept", "other") == "kept"
	assert rules.default_choice("", "other") == "other"
	assert rules.default_choice(None, None) == "kept"


def test_rows_united_without_repeats():
	kept = [{"item_code": "A", "uom": "Nos"}, {"item_code": "B", "uom": "Nos"}]
	other = [
		{"item_code": "B", "uom": "Nos"},
		{"item_code": "C", "uom": "Nos"},
		{"item_code": "C", "uom": "Nos"},
		{"item_code": None, "uom": None},
	]
	assert rules.rows_to_add(kept, other, ("item_code", "uom")) == [{"item_code": "C", "uom": "Nos"}]


def test_clusters_join_chains():
	assert rules.clusters([("b", "a"), ("c", "b"), ("x", "y")]) == [["a", "b", "c"], ["x", "y"]]
	assert rules.clusters([]) == []
