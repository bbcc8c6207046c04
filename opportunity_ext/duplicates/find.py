"""Finding duplicate opportunities.

Every open opportunity carries its match keys in hidden indexed fields (`dedupe_party`,
`dedupe_email`, `dedupe_phone`, `dedupe_domain`), kept on every path that changes it: its
`on_change` runs after a save (form, REST, Data Import, the contact form, incoming e-mail)
and after ERPNext's status updates. Candidates are the open opportunities sharing a key,
read from those indexes; a key shared by `KEY_LIMIT` of them or more is dropped; only the
few candidates are then compared on title, party name and items. `has_possible_duplicates`
keeps the answer for the list's filter, on the opportunity and on its matches.
"""

import frappe
from frappe import _
from frappe.query_builder.functions import Count

from opportunity_ext.constants import OPEN_STATUSES
from opportunity_ext.duplicates import rules

KEY_FIELDNAMES = tuple(field for field, _code in rules.KEY_FIELDS)
FLAG = "has_possible_duplicates"
CANDIDATE_FIELDS = (
	"name",
	"title",
	"customer_name",
	"party_name",
	"opportunity_from",
	"status",
	"sales_stage",
	"probability",
	"opportunity_amount",
	"currency",
	"modified",
	FLAG,
	*KEY_FIELDNAMES,
)


def reason_labels() -> dict[str, str]:
	return {
		"party": _("same party"),
		"email": _("same contact e-mail"),
		"phone": _("same phone number"),
		"domain": _("same company e-mail domain"),
		"title": _("similar title or name"),
	}


def describe(reasons: list[str], items_in_common: int) -> str:
	"""`same contact e-mail; 2 items in common`, in the user's language."""
	labels = reason_labels()
	parts = [labels[code] for code in reasons if code in labels]
	if "items" in reasons:
		parts.append(
			_("1 item in common")
			if items_in_common == 1
			else _("{0} items in common").format(items_in_common)
		)
	return "; ".join(parts)


# --- keys -------------------------------------------------------------------------------------


def is_open(doc) -> bool:
	return doc.get("status") in OPEN_STATUSES and not doc.get("merged_into")


def company_region(company: str | None) -> str | None:
	country = company and frappe.get_cached_value("Company", company, "country")
	return (frappe.get_cached_value("Country", country, "code") or "").upper() or None if country else None


def canonical_party(party_type: str | None, party: str | None) -> str | None:
	"""A lead that became a customer is that customer."""
	if party_type == "Lead" and party:
		customer = frappe.db.get_value("Customer", {"lead_name": party}, "name")
		if customer:
			return rules.party_key("Customer", customer)
	return rules.party_key(party_type, party)


def party_aliases(key: str | None) -> list[str]:
	"""The party key and the keys it was stored under before: a customer's former lead."""
	if not key:
		return []
	aliases = [key]
	party_type, _sep, party = key.partition(":")
	if party_type == "Customer":
		lead = frappe.get_cached_value("Customer", party, "lead_name")
		if lead:
			aliases.append(rules.party_key("Lead", lead))
	return aliases


def keys_for(doc) -> dict:
	"""The match keys the opportunity should carry: none once it is closed."""
	if not is_open(doc):
		return dict.fromkeys(KEY_FIELDNAMES)
	email = rules.normalize_email(doc.get("contact_email"))
	region = company_region(doc.get("company"))
	phone = None
	for field in ("contact_mobile", "phone", "whatsapp"):
		phone = rules.normalize_phone(doc.get(field), region)
		if phone:
			break
	return {
		"dedupe_party": canonical_party(doc.get("opportunity_from"), doc.get("party_name")),
		"dedupe_email": email,
		"dedupe_phone": phone,
		"dedupe_domain": rules.email_domain(email),
	}


# --- candidates and matches -------------------------------------------------------------------


def search_values(keys: dict) -> dict[str, list[str]]:
	values = {field: [keys[field]] if keys.get(field) else [] for field in KEY_FIELDNAMES}
	values["dedupe_party"] = party_aliases(keys.get("dedupe_party"))
	return values


def candidate_rows(keys: dict, exclude: str | None) -> list[dict]:
	"""Open opportunities sharing a key, with what the scoring reads, in one query over the
	keys' indexes (a branch a key); a key shared by KEY_LIMIT opportunities or more (this one
	included) is left out."""
	branches, values = [], {"open": tuple(OPEN_STATUSES), "limit": rules.KEY_LIMIT + 1}
	columns = ", ".join(f"`{field}`" for field in CANDIDATE_FIELDS)
	for number, (field, key_values) in enumerate(search_values(keys).items()):
		if not key_values:
			continue
		values[f"field{number}"] = field
		values[f"values{number}"] = tuple(key_values)
		# the fieldname is one of KEY_FIELDNAMES, never user input
		branches.append(
			f"(select %(field{number})s as matched_key, {columns} from `tabOpportunity` "
			f"where `{field}` in %(values{number})s and `status` in %(open)s limit %(limit)s)"
		)
	if not branches:
		return []
	found: dict[str, list] = {}
	for row in frappe.db.sql(" union all ".join(branches), values, as_dict=True):
		if row.name != exclude:
			found.setdefault(row.matched_key, []).append(row)
	rows = {}
	for field_rows in found.values():
		if len(field_rows) + 1 < rules.KEY_LIMIT:  # shared by KEY_LIMIT with this one: dropped
			for row in field_rows:
				rows.setdefault(row.name, row)
	return [rows[name] for name in sorted(rows)]


def candidate_names(keys: dict, exclude: str | None) -> list[str]:
	return [row.name for row in candidate_rows(keys, exclude)]


def item_codes(names: list[str]) -> dict[str, set[str]]:
	if not names:
		return {}
	item = frappe.qb.DocType("Opportunity Item")
	rows = (
		frappe.qb.from_(item)
		.select(item.parent, item.item_code)
		.where(item.parent.isin(names) & (item.parenttype == "Opportunity"))
		.run()
	)
	codes: dict[str, set[str]] = {}
	for parent, code in rows:
		if code:
			codes.setdefault(parent, set()).add(code)
	return codes


def find_matches(doc, keys: dict | None = None, items: set[str] | None = None) -> list[dict]:
	"""The open opportunities that look like the same deal as `doc` (any user's), best first,
	each with its reason codes."""
	return score_candidates(doc, keys_for(doc) if keys is None else keys, items)[0]


def score_candidates(doc, keys: dict, items: set[str] | None = None) -> tuple[list[dict], list[dict]]:
	"""(matches, every candidate read)."""
	if not any(keys.values()):
		return [], []
	candidates = candidate_rows(keys, exclude=doc.get("name"))
	if not candidates:
		return [], []
	names = [row.name for row in candidates]
	if items is None:
		items = {row.item_code for row in doc.get("items") or [] if row.item_code}
	their_items = item_codes(names) if items else {}
	wanted = search_values(keys)
	matches = []
	for candidate in candidates:
		shared = {
			code
			for field, code in rules.KEY_FIELDS
			if candidate.get(field) and candidate.get(field) in wanted[field]
		}
		in_common = len(items & their_items.get(candidate.name, set()))
		reasons = rules.match_reasons(
			shared,
			doc.get("title"),
			candidate.title,
			doc.get("customer_name") or doc.get("party_name"),
			candidate.customer_name or candidate.party_name,
			in_common,
		)
		if reasons:
			candidate.update(reasons=reasons, items_in_common=in_common, score=rules.match_score(reasons))
			matches.append(candidate)
	matches.sort(key=lambda row: (-row.score, row.name))
	return matches, candidates


def readable_names(names: list[str], user: str | None = None) -> set[str]:
	"""The opportunities among `names` the user may read (role and user permissions, sharing)."""
	if not names:
		return set()
	return set(frappe.get_list("Opportunity", filters={"name": ("in", names)}, pluck="name", user=user))


def possible_duplicates(doc, user: str | None = None) -> list[dict]:
	"""The matches of `doc` the user may read, with why, for the form's note."""
	matches = find_matches(doc, keys=stored_keys(doc))
	visible = readable_names([row.name for row in matches], user=user)
	return [
		{
			"name": row.name,
			"title": row.title,
			"party": row.customer_name or row.party_name,
			"status": row.status,
			"sales_stage": row.sales_stage,
			"opportunity_amount": row.opportunity_amount,
			"currency": row.currency,
			"reasons": row.reasons,
			"why": describe(row.reasons, row.items_in_common),
		}
		for row in matches
		if row.name in visible
	]


def stored_keys(doc) -> dict:
	"""The keys as saved; computed afresh for a new or not yet keyed opportunity."""
	keys = {field: doc.get(field) for field in KEY_FIELDNAMES}
	return keys if any(keys.values()) else keys_for(doc)


@frappe.whitelist()
def get_possible_duplicates(opportunity: str) -> list[dict]:
	doc = frappe.get_doc("Opportunity", opportunity)
	doc.check_permission("read")
	return possible_duplicates(doc)


# --- keeping keys and flags ---------------------------------------------------------------------


def refresh(doc) -> None:
	"""After any change of an opportunity: its keys and flag, and the flags of the
	opportunities it matches or matched. Never stops the save: a failure is logged."""
	try:
		refresh_keys_and_flags(doc)
	except Exception:
		frappe.log_error(
			title="Duplicate check failed", reference_doctype="Opportunity", reference_name=doc.name
		)


def refresh_keys_and_flags(doc, neighbours: bool | None = None) -> None:
	"""`neighbours`: check again the flagged opportunities this one may no longer explain
	(by default when its keys, title, party name or items changed; never on insert)."""
	previous = doc.get_doc_before_save()
	old_keys = {field: (previous or doc).get(field) for field in KEY_FIELDNAMES}
	keys = keys_for(doc)
	matches, candidates = score_candidates(doc, keys)
	values = {**keys, FLAG: int(bool(matches))}
	changed = {field: value for field, value in values.items() if (doc.get(field) or None) != (value or None)}
	if changed:
		frappe.db.set_value("Opportunity", doc.name, changed, update_modified=False)
		doc.update(changed)

	matched = {row.name for row in matches}
	newly_flagged = [row.name for row in matches if not row.get(FLAG)]
	if newly_flagged:
		set_flags(newly_flagged, 1)
	# flagged neighbours this one may have explained before and no longer does: checked again
	old_keys = {field: value for field, value in old_keys.items() if value}
	keys_changed = old_keys != {field: value for field, value in keys.items() if value}
	if neighbours is None:
		neighbours = previous is not None and (keys_changed or compared_fields_changed(previous, doc))
	if not neighbours:
		return
	flagged = {row.name for row in candidates if row.get(FLAG)}
	if old_keys and keys_changed:
		old_names = candidate_names(old_keys, exclude=doc.name)
		if old_names:
			flagged |= set(
				frappe.get_all("Opportunity", filters={"name": ("in", old_names), FLAG: 1}, pluck="name")
			)
	for name in sorted(flagged - matched):
		refresh_flag(name)


def compared_fields_changed(previous, doc) -> bool:
	def items(d):
		return {row.item_code for row in d.get("items") or []}

	return (
		previous.get("title") != doc.get("title")
		or previous.get("customer_name") != doc.get("customer_name")
		or items(previous) != items(doc)
	)


def set_flags(names: list[str], value: int) -> None:
	table = frappe.qb.DocType("Opportunity")
	frappe.qb.update(table).set(table[FLAG], value).where(table.name.isin(names)).run()


def refresh_flag(name: str) -> None:
	doc = frappe.get_doc("Opportunity", name)
	flag = int(bool(find_matches(doc, keys=stored_keys(doc)) if is_open(doc) else []))
	if flag != (doc.get(FLAG) or 0):
		set_flags([name], flag)


def refresh_names(names: list[str]) -> None:
	"""Keys and flags of these opportunities recomputed (after a merge or its undo)."""
	for name in names:
		refresh_keys_and_flags(frappe.get_doc("Opportunity", name), neighbours=True)
