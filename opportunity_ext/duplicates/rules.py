"""Pure rules of the duplicate check: match keys, similarity, the proposed keeper and the
union of child rows. No database here: the site code (find.py, merge.py) feeds them."""

import re
import unicodedata
from email.utils import parseaddr

import phonenumbers
from rapidfuzz import fuzz

# A key shared by this many open opportunities or more does not discriminate (Odoo's
# SEARCH_RESULT_LIMIT): it is dropped.
KEY_LIMIT = 21
# token_sort_ratio (0-100) from which two titles or party names count as similar
SIMILAR_TITLE = 85
# the match keys, strongest first: (stored fieldname, reason code)
KEY_FIELDS = (
	("dedupe_party", "party"),
	("dedupe_email", "email"),
	("dedupe_phone", "phone"),
	("dedupe_domain", "domain"),
)
STRONG_REASONS = frozenset(("party", "email", "phone"))
WEAK_REASONS = frozenset(("domain", "title", "items"))

# Domains whose addresses belong to anyone: the domain says nothing about the company.
FREE_MAIL_DOMAINS = frozenset(
	"""
	aol.com gmail.com googlemail.com hotmail.com hotmail.co.uk hotmail.fr icloud.com live.com
	mac.com me.com msn.com outlook.com yahoo.com yahoo.co.uk yahoo.fr ymail.com mail.com gmx.com
	gmx.de gmx.net web.de proton.me protonmail.com zoho.com yandex.com yandex.ru mail.ru qq.com
	163.com 126.com naver.com rediffmail.com example.com
	""".split()
)
# Words that say nothing about which deal a title is: left out before comparing titles.
COMMON_TITLE_WORDS = frozenset(
	"""
	the a an and of for to in on with from new deal opportunity enquiry inquiry request quote
	quotation order website web query re fw fwd ltd limited inc llc co company corp gmbh plc
	""".split()
)


def normalize_email(value: str | None) -> str | None:
	"""`Name <A.Person@Example.COM >` → `a.person@example.com`; None when not an address."""
	if not value:
		return None
	address = parseaddr(str(value))[1].strip().lower()
	local, _, domain = address.rpartition("@")
	if not local or "." not in domain:
		return None
	return address


def email_domain(email: str | None) -> str | None:
	"""The company's e-mail domain; None for a free-mail domain (anyone's)."""
	email = normalize_email(email)
	if not email:
		return None
	domain = email.rpartition("@")[2]
	return None if domain in FREE_MAIL_DOMAINS else domain


def normalize_phone(value: str | None, region: str | None = None) -> str | None:
	"""E.164 (`+982188776655`) for a number `phonenumbers` understands (national numbers in
	the company's country); else its digits when there are at least 7; else None."""
	if not value:
		return None
	text = str(value).strip()
	try:
		number = phonenumbers.parse(text, (region or "").upper() or None)
		if phonenumbers.is_possible_number(number):
			return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
	except phonenumbers.NumberParseException:
		pass
	digits = re.sub(r"\D", "", text)
	return digits if len(digits) >= 7 else None


def party_key(party_type: str | None, party: str | None) -> str | None:
	"""`Customer:ACME`. A lead that became a customer is keyed as that customer."""
	if not party_type or not party:
		return None
	return f"{party_type}:{party}"


def normalize_title(value: str | None) -> str:
	"""Lower case, accents and punctuation gone, common words left out."""
	text = unicodedata.normalize("NFKD", value or "")
	text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
	words = re.findall(r"\w+", text)
	return " ".join(word for word in words if word not in COMMON_TITLE_WORDS)


def title_key(value: str | None) -> str:
	"""What two titles or party names are compared on: normalized, words sorted."""
	return " ".join(sorted(normalize_title(value).split()))


def similar_keys(a: str, b: str) -> bool:
	"""Two title keys that name the same deal (RapidFuzz's token_sort_ratio on the keys)."""
	return bool(a and b) and fuzz.ratio(a, b) >= SIMILAR_TITLE


def similar(a: str | None, b: str | None) -> bool:
	"""Two titles or party names that name the same deal (common words aside)."""
	return similar_keys(title_key(a), title_key(b))


def match_reasons(
	shared_keys: set[str],
	title: str | None,
	other_title: str | None,
	party_name: str | None,
	other_party_name: str | None,
	items_in_common: int,
) -> list[str]:
	"""Why two opportunities look like one deal, as reason codes ([] when they don't)."""
	similar_names = similar(title, other_title) or (
		"party" not in shared_keys and similar(party_name, other_party_name)
	)
	return reasons_for(shared_keys, similar_names, items_in_common)


def reasons_for(shared_keys: set[str], similar_names: bool, items_in_common: int) -> list[str]:
	"""A shared party, contact e-mail or phone is enough; a shared company domain needs a
	second sign (a similar title or party name, or an item in common), as two people of
	one company may well buy two things. Nothing matches without a shared key."""
	if not shared_keys:
		return []  # candidates only ever come from a shared key
	reasons = [code for _field, code in KEY_FIELDS if code in shared_keys]
	if similar_names:
		reasons.append("title")
	if items_in_common:
		reasons.append("items")
	if not STRONG_REASONS & set(reasons) and len(set(reasons) & WEAK_REASONS) < 2:
		return []
	return reasons


def match_score(reasons: list[str]) -> int:
	"""For ordering the matches: strong reasons first."""
	weights = {"party": 40, "email": 35, "phone": 30, "domain": 15, "title": 10, "items": 10}
	return sum(weights.get(code, 0) for code in reasons)


def keeper_order(opportunity: dict, stage_rank: int) -> tuple:
	"""Sort key, greatest first, of the opportunity proposed to stay: not lost, then the
	later stage, the higher probability, the most recent activity."""
	return (
		opportunity.get("status") != "Lost",
		opportunity.get("status") not in ("Closed",),
		stage_rank,
		float(opportunity.get("probability") or 0),
		str(opportunity.get("modified") or ""),
	)


def is_empty(value) -> bool:
	return value is None or value == "" or (isinstance(value, list) and not value)


def default_choice(kept_value, other_value) -> str:
	"""Which side a field takes unless the user picks: the kept one's, empty ones filled."""
	return "other" if is_empty(kept_value) and not is_empty(other_value) else "kept"


def rows_to_add(kept_rows: list[dict], other_rows: list[dict], key_fields: tuple[str, ...]) -> list[dict]:
	"""The other one's child rows the kept one lacks, compared on `key_fields` (a row
	already there, or repeated in the other one, is not added twice)."""
	seen = {tuple(row.get(field) for field in key_fields) for row in kept_rows}
	added = []
	for row in other_rows:
		key = tuple(row.get(field) for field in key_fields)
		if key in seen or all(is_empty(part) for part in key):
			continue
		seen.add(key)
		added.append(row)
	return added


def clusters(pairs: list[tuple[str, str]]) -> list[list[str]]:
	"""Connected groups of names from matching pairs (union-find), each sorted, largest first."""
	parent: dict[str, str] = {}

	def root(name: str) -> str:
		parent.setdefault(name, name)
		while parent[name] != name:
			parent[name] = parent[parent[name]]
			name = parent[name]
		return name

	for a, b in pairs:
		ra, rb = root(a), root(b)
		if ra != rb:
			parent[max(ra, rb)] = min(ra, rb)
	groups: dict[str, list[str]] = {}
	for name in list(parent):
		groups.setdefault(root(name), []).append(name)
	return sorted((sorted(group) for group in groups.values()), key=lambda g: (-len(g), g[0]))
