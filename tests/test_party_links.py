"""Unit tests of the party links and Frappe's user-permission rule on them (no site needed)."""

from frappe import _dict

from opportunity_ext.permissions.party import links_allowed, links_for

ALLOWED_A = {"Customer": [_dict(doc="A", applicable_for=None)]}
A_FOR_QUOTATIONS = {"Customer": [_dict(doc="A", applicable_for="Quotation")]}


def test_links_follow_the_party():
	assert links_for("Customer", "A") == {"party_customer": "A", "party_lead": None, "party_prospect": None}
	assert links_for("Lead", "L", "C") == {"party_customer": "C", "party_lead": "L", "party_prospect": None}
	assert links_for("Prospect", "P", None) == {
		"party_customer": None,
		"party_lead": None,
		"party_prospect": "P",
	}
	assert set(links_for("Lead", None, "C").values()) == {None}
	assert set(links_for("Supplier", "S").values()) == {None}


def test_allowed_as_frappe_decides_for_a_link_field():
	assert links_allowed(links_for("Customer", "A"), ALLOWED_A, "Opportunity", strict=False)
	assert not links_allowed(links_for("Customer", "B"), ALLOWED_A, "Opportunity", strict=False)
	# the customer a lead became
	assert links_allowed(links_for("Lead", "L", "A"), ALLOWED_A, "Opportunity", strict=True)
	assert not links_allowed(links_for("Lead", "L", "B"), ALLOWED_A, "Opportunity", strict=False)
	# an empty link passes unless user permissions are strict
	assert links_allowed(links_for("Lead", "L", None), ALLOWED_A, "Opportunity", strict=False)
	assert not links_allowed(links_for("Lead", "L", None), ALLOWED_A, "Opportunity", strict=True)


def test_applicable_for_one_doctype():
	assert links_allowed(links_for("Customer", "B"), A_FOR_QUOTATIONS, "Opportunity", strict=True)
	assert not links_allowed(links_for("Customer", "B"), A_FOR_QUOTATIONS, "Quotation", strict=True)


def test_no_user_permissions_no_restriction():
	assert links_allowed(links_for("Customer", "B"), {}, "Opportunity", strict=True)
	assert links_allowed(links_for("Lead", "L"), {"Territory": [_dict(doc="T")]}, "Opportunity", strict=True)
