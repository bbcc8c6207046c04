"""Every translatable string of the app has a Persian and a Thai translation, and the
site serves them."""

import re
from pathlib import Path

import frappe
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from frappe.gettext.translate import DEFAULT_KEYWORDS, get_method_map
from frappe.tests.utils import FrappeTestCase

LANGUAGES = ("fa", "th")
PLACEHOLDER = re.compile(r"\{\d*\}")
TAG = re.compile(r"</?[a-z0-9]+")


def app_messages() -> set[tuple[str | None, str]]:
	"""(context, message) of every translatable string in the source, extracted the way
	`bench generate-pot-file` does."""
	app_root = Path(frappe.get_app_path("opportunity_ext")).parent
	# hooks.py holds no navbar items, and Frappe's navbar extractor needs the app inside the bench
	method_map = [
		(pattern, method)
		for pattern, method in get_method_map("opportunity_ext") + get_method_map("frappe")
		if not pattern.endswith("hooks.py")
	]
	keywords = {**DEFAULT_KEYWORDS, "_lt": None}

	def wanted(dirpath) -> bool:
		name = Path(dirpath).name
		return not name.startswith((".", "_")) and name not in ("artifacts", "node_modules")

	messages = set()
	for _filename, _lineno, message, _comments, context in extract_from_dir(
		str(app_root), method_map, directory_filter=wanted, keywords=keywords
	):
		if message:
			messages.add((context, message))
	return messages


def catalog(lang: str) -> dict[tuple[str | None, str], str]:
	path = Path(frappe.get_app_path("opportunity_ext", "locale", f"{lang}.po"))
	with open(path, "rb") as f:
		return {(m.context, m.id): m.string for m in read_po(f) if m.id}


class TestTranslations(FrappeTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.messages = app_messages()

	def test_the_source_has_strings_to_translate(self):
		self.assertGreater(len(self.messages), 150)
		self.assertIn((None, "Purchase Process"), self.messages, "custom field labels are extracted")
		self.assertIn(
			("Opportunity Quotation", "Grand Total"), self.messages, "print format labels, in context"
		)

	def test_every_string_is_translated(self):
		for lang in LANGUAGES:
			translations = catalog(lang)
			untranslated = sorted(
				(context or "", message)
				for context, message in self.messages
				if not translations.get((context, message))
			)
			self.assertEqual(
				untranslated, [], f"untranslated in {lang}.po: run the README's translation steps"
			)

	def test_translations_keep_placeholders_and_markup(self):
		for lang in LANGUAGES:
			for (_context, message), translation in catalog(lang).items():
				self.assertEqual(
					sorted(PLACEHOLDER.findall(message)),
					sorted(PLACEHOLDER.findall(translation)),
					f"{lang}: {message}",
				)
				self.assertEqual(TAG.findall(message), TAG.findall(translation), f"{lang}: {message}")

	def test_site_serves_the_translations(self):
		from frappe.translate import get_full_dict

		for lang, expected in (("fa", "فرآیند خرید"), ("th", "กระบวนการจัดซื้อ")):
			frappe.local.lang_full_dict = None
			self.assertEqual(get_full_dict(lang).get("Purchase Process"), expected)
		self.assertEqual(frappe._("Grand Total", lang="fa", context="Opportunity Quotation"), "جمع کل")
