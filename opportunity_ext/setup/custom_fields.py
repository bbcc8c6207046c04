"""Custom fields this app adds to ERPNext doctypes.

One dict, keyed by doctype: applied on install and after every migrate, deleted on
uninstall. Changing a field here and migrating updates every site.
"""

from opportunity_ext.constants import (
	FORECAST_CATEGORIES,
	OPEN_FORECAST_CATEGORIES,
	PURCHASE_PROCESS_GROUP,
	PURCHASE_PROCESS_INDIVIDUAL,
	WON_STATUS,
)

OPPORTUNITY_FIELDS = [
	{
		"fieldname": "selling_price_list",
		"label": "Price List",
		"fieldtype": "Link",
		"options": "Price List",
		"insert_after": "currency",
		"description": "Item rates default from this selling price list.",
	},
	{
		"fieldname": "forecast_category",
		"label": "Forecast Category",
		"fieldtype": "Select",
		"options": "\n" + "\n".join(FORECAST_CATEGORIES),
		"insert_after": "probability",
		"in_standard_filter": 1,
		"no_copy": 1,
		"description": "From the sales stage; Closed once won, Omitted once lost. The owner may pick another while it is open.",
	},
	{
		"fieldname": "weighted_amount",
		"label": "Weighted Amount",
		"fieldtype": "Currency",
		"options": "currency",
		"insert_after": "opportunity_amount",
		"read_only": 1,
		"no_copy": 1,
		"description": "Opportunity amount × probability.",
	},
	{
		"fieldname": "base_weighted_amount",
		"label": "Weighted Amount (Company Currency)",
		"fieldtype": "Currency",
		"options": "Company:company:default_currency",
		"insert_after": "base_opportunity_amount",
		"read_only": 1,
		"no_copy": 1,
	},
	{
		"fieldname": "balance_section",
		"label": "Opportunity Balance",
		"fieldtype": "Section Break",
		"insert_after": "base_weighted_amount",
		"depends_on": "eval:!doc.__islocal",
	},
	{
		"fieldname": "balance_html",
		"label": "Balance",
		"fieldtype": "HTML",
		"insert_after": "balance_section",
	},
	{
		"fieldname": "sales_documents_section",
		"label": "Quotations, Orders and Invoices",
		"fieldtype": "Section Break",
		"insert_after": "balance_html",
		"collapsible": 1,
	},
	{
		"fieldname": "sales_documents_html",
		"label": "Quotations, Orders and Invoices",
		"fieldtype": "HTML",
		"insert_after": "sales_documents_section",
	},
	{
		"fieldname": "purchase_process_section",
		"label": "Purchase Process",
		"fieldtype": "Section Break",
		"insert_after": "sales_documents_html",
	},
	{
		"fieldname": "purchase_process",
		"label": "Purchase Process",
		"fieldtype": "Select",
		"options": f"\n{PURCHASE_PROCESS_INDIVIDUAL}\n{PURCHASE_PROCESS_GROUP}",
		"insert_after": "purchase_process_section",
		"description": "How the customer decides: one person, or a buying committee.",
	},
	{
		"fieldname": "buying_committee",
		"label": "Buying Committee",
		"fieldtype": "Table",
		"options": "Opportunity Buying Committee Member",
		"insert_after": "purchase_process",
		"depends_on": f'eval:doc.purchase_process=="{PURCHASE_PROCESS_GROUP}"',
	},
	{
		"fieldname": "competitor_section",
		"label": "Competitors",
		"fieldtype": "Section Break",
		"insert_after": "buying_committee",
		"collapsible": 1,
		"collapsible_depends_on": "eval:(doc.competitor_details || []).length",
	},
	{
		"fieldname": "competitor_details",
		"label": "Competitor Details",
		"fieldtype": "Table",
		"options": "Opportunity Competitor",
		"insert_after": "competitor_section",
	},
	{
		"fieldname": "won_detail_section",
		"label": "Won Reasons",
		"fieldtype": "Section Break",
		"insert_after": "competitors",
		"depends_on": f'eval:doc.status==="{WON_STATUS}"',
	},
	{
		"fieldname": "won_reasons",
		"label": "Won Reasons",
		"fieldtype": "Table MultiSelect",
		"options": "Opportunity Won Reason Detail",
		"insert_after": "won_detail_section",
		"read_only": 1,
		"no_copy": 1,
	},
	{
		"fieldname": "column_break_won",
		"fieldtype": "Column Break",
		"insert_after": "won_reasons",
	},
	{
		"fieldname": "won_detailed_reason",
		"label": "Detailed Won Reason",
		"fieldtype": "Small Text",
		"insert_after": "column_break_won",
		"read_only": 1,
		"no_copy": 1,
	},
	{
		"fieldname": "won_without_reasons",
		"label": "Won Without Reasons",
		"fieldtype": "Check",
		"insert_after": "won_detailed_reason",
		"read_only": 1,
		"no_copy": 1,
		"in_standard_filter": 1,
		"description": "Won by a Sales Order before the won reasons were given: use Declare Won to give them.",
	},
	{
		"fieldname": "follow_up_section",
		"label": "Follow-up",
		"fieldtype": "Section Break",
		"insert_after": "competitor_details",
	},
	{
		"fieldname": "next_contact_date",
		"label": "Next Contact Date",
		"fieldtype": "Datetime",
		"insert_after": "follow_up_section",
		"no_copy": 1,
		"search_index": 1,
		"description": "A calendar event with a reminder is made for the person below.",
	},
	{
		"fieldname": "column_break_follow_up",
		"fieldtype": "Column Break",
		"insert_after": "next_contact_date",
	},
	{
		"fieldname": "next_contact_by",
		"label": "Next Contact By",
		"fieldtype": "Link",
		"options": "User",
		"insert_after": "column_break_follow_up",
		"no_copy": 1,
		"mandatory_depends_on": "eval:doc.next_contact_date",
	},
	{
		"fieldname": "follow_up_event",
		"label": "Follow-up Event",
		"fieldtype": "Link",
		"options": "Event",
		"insert_after": "next_contact_by",
		"read_only": 1,
		"no_copy": 1,
		"depends_on": "eval:doc.follow_up_event",
	},
	{
		"fieldname": "auto_close_warned_on",
		"label": "Auto-close Warning Sent On",
		"fieldtype": "Datetime",
		"insert_after": "follow_up_event",
		"read_only": 1,
		"no_copy": 1,
		"hidden": 1,
	},
	{
		"fieldname": "stage_entered_on",
		"label": "In Stage Since",
		"fieldtype": "Datetime",
		"insert_after": "sales_stage",
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
	},
	{
		"fieldname": "is_stalled",
		"label": "Stalled",
		"fieldtype": "Check",
		"insert_after": "stage_entered_on",
		"read_only": 1,
		"no_copy": 1,
		"in_standard_filter": 1,
		"search_index": 1,
		"description": "Open and in its stage longer than the stage's Stalled After (Days).",
	},
	{
		"fieldname": "won_date",
		"label": "Won Date",
		"fieldtype": "Date",
		"insert_after": "transaction_date",
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"depends_on": "eval:doc.won_date",
	},
	{
		"fieldname": "lost_date",
		"label": "Lost Date",
		"fieldtype": "Date",
		"insert_after": "won_date",
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"depends_on": "eval:doc.lost_date",
	},
	{
		"fieldname": "days_to_close",
		"label": "Days to Close",
		"fieldtype": "Int",
		"insert_after": "lost_date",
		"read_only": 1,
		"no_copy": 1,
		"depends_on": "eval:doc.won_date || doc.lost_date",
		"description": "Won or lost date minus the opportunity date.",
	},
]

# Duplicates (duplicates/find.py, merge.py): the match keys of an open opportunity, read
# from their indexes; the flag the list filters on; the opportunity a merged one went into.
DUPLICATE_FIELDS = [
	{
		"fieldname": "merged_into",
		"label": "Merged Into",
		"fieldtype": "Link",
		"options": "Opportunity",
		"insert_after": "status",
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"depends_on": "eval:doc.merged_into",
		"description": "Closed as a duplicate of this opportunity: see its Opportunity Merge Log.",
	},
	{
		"fieldname": "has_possible_duplicates",
		"label": "Possible Duplicates",
		"fieldtype": "Check",
		"insert_after": "merged_into",
		"read_only": 1,
		"no_copy": 1,
		"search_index": 1,
		"in_standard_filter": 1,
		"depends_on": "eval:doc.has_possible_duplicates",
		"description": "Another open opportunity looks like the same deal (same party, contact e-mail, phone, or company domain with a similar title or items).",
	},
	*(
		{
			"fieldname": fieldname,
			"label": label,
			"fieldtype": "Data",
			"insert_after": "has_possible_duplicates",
			"hidden": 1,
			"read_only": 1,
			"no_copy": 1,
			"search_index": 1,
			"print_hide": 1,
			"report_hide": 1,
		}
		for fieldname, label in (
			("dedupe_domain", "Duplicate Key: E-mail Domain"),
			("dedupe_phone", "Duplicate Key: Phone"),
			("dedupe_email", "Duplicate Key: E-mail"),
			("dedupe_party", "Duplicate Key: Party"),
		)
	),
]

SALES_STAGE_FIELDS = [
	{
		"fieldname": "default_probability",
		"label": "Default Probability (%)",
		"fieldtype": "Percent",
		"insert_after": "stage_name",
		"description": "An opportunity entering this stage takes this probability.",
	},
	{
		"fieldname": "default_forecast_category",
		"label": "Default Forecast Category",
		"fieldtype": "Select",
		"options": "\n" + "\n".join(OPEN_FORECAST_CATEGORIES),
		"insert_after": "default_probability",
		"description": "An opportunity entering this stage takes this forecast category (Pipeline when empty).",
	},
	{
		"fieldname": "stalled_after_days",
		"label": "Stalled After (Days)",
		"fieldtype": "Int",
		"insert_after": "default_forecast_category",
		"description": "An open opportunity in this stage longer than this is stalled (0: never).",
	},
]


def opportunity_link(insert_after: str) -> dict:
	"""The voucher's opportunity: what its balance counts for (see links.py)."""
	return {
		"fieldname": "opportunity",
		"label": "Opportunity",
		"fieldtype": "Link",
		"options": "Opportunity",
		"insert_after": insert_after,
		"search_index": 1,
		"allow_on_submit": 0,
		"in_standard_filter": 1,
		"print_hide": 1,
		"description": "Counts in this opportunity's balance.",
	}


# Carried from the opportunity by get_mapped_doc: same fieldnames on both doctypes.
QUOTATION_FIELDS = [
	{
		"fieldname": "opportunity_owner",
		"label": "Opportunity Owner",
		"fieldtype": "Link",
		"options": "User",
		"insert_after": "opportunity",
		"description": "The salesperson responsible: printed as the customer's contact.",
	},
	{
		"fieldname": "sales_stage",
		"label": "Sales Stage",
		"fieldtype": "Link",
		"options": "Sales Stage",
		"insert_after": "opportunity_owner",
		"print_hide": 1,
	},
	{
		"fieldname": "purchase_process",
		"label": "Purchase Process",
		"fieldtype": "Select",
		"options": f"\n{PURCHASE_PROCESS_INDIVIDUAL}\n{PURCHASE_PROCESS_GROUP}",
		"insert_after": "sales_stage",
		"print_hide": 1,
	},
]


def party_links() -> list[dict]:
	"""Hidden Link fields kept in step with the Dynamic Link party, so that User Permissions
	on Customer, Lead and Prospect apply (permissions/party.py). Named so that no ERPNext
	doctype mapped from Opportunity or Quotation has them (Sales Order has `customer`)."""
	return [
		{
			"fieldname": fieldname,
			"label": label,
			"fieldtype": "Link",
			"options": options,
			"insert_after": "party_name",
			"hidden": 1,
			"read_only": 1,
			"print_hide": 1,
			"report_hide": 1,
			"search_index": 1,
		}
		for fieldname, label, options in (
			("party_customer", "Customer (User Permissions)", "Customer"),
			("party_lead", "Lead (User Permissions)", "Lead"),
			("party_prospect", "Prospect (User Permissions)", "Prospect"),
		)
	]


CUSTOM_FIELDS = {
	"Quotation": QUOTATION_FIELDS + party_links(),
	"Opportunity": OPPORTUNITY_FIELDS + party_links(),
	"Sales Stage": SALES_STAGE_FIELDS,
	"Sales Order": [opportunity_link("customer_name")],
	"Sales Invoice": [opportunity_link("customer_name")],
	"Payment Entry": [opportunity_link("party_name")],
	"Journal Entry": [opportunity_link("company")],
}
CUSTOM_FIELDS["Opportunity"] = CUSTOM_FIELDS["Opportunity"] + DUPLICATE_FIELDS

# Learned win probability (win_model/): beside the user's Probability, with its factors
WIN_PROBABILITY_FIELDS = [
	{
		"fieldname": "learned_win_probability",
		"label": "Learned Win Probability",
		"fieldtype": "Percent",
		"insert_after": "forecast_category",
		"read_only": 1,
		"no_copy": 1,
		"depends_on": "eval:doc.learned_win_probability",
		"description": "Learned from this company's closed opportunities, as they stood at each stage (see the Win Model report).",
	},
	{
		"fieldname": "use_learned_probability",
		"label": "Probability Follows Learned",
		"fieldtype": "Check",
		"default": "1",
		"insert_after": "learned_win_probability",
		"depends_on": "eval:doc.learned_win_probability",
		"description": "When Opportunity Settings lets the learned probability drive Probability. Typing another probability unticks it; tick it to return to the learned one.",
	},
	{
		"fieldname": "win_factors",
		"label": "Win Factors",
		"fieldtype": "Small Text",
		"insert_after": "use_learned_probability",
		"read_only": 1,
		"hidden": 1,
		"no_copy": 1,
		"print_hide": 1,
		"report_hide": 1,
	},
	{
		"fieldname": "win_factors_html",
		"label": "Why This Probability",
		"fieldtype": "HTML",
		"insert_after": "win_factors",
		"depends_on": "eval:doc.learned_win_probability",
	},
]
CUSTOM_FIELDS["Opportunity"] = CUSTOM_FIELDS["Opportunity"] + WIN_PROBABILITY_FIELDS
