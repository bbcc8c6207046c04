"""Babel extractors for translatable strings that Frappe's own extractors don't see
(registered in babel_extractors.csv at the repository root)."""

import json
import re

JINJA_MESSAGE = re.compile(r"""_\(\s*"((?:[^"\\]|\\.)*)"\s*\)""")


def custom_fields(fileobj, *args, **kwargs):
	"""Labels, descriptions and select options of the app's custom fields."""
	from opportunity_ext.setup.custom_fields import CUSTOM_FIELDS

	for doctype, fields in CUSTOM_FIELDS.items():
		for field in fields:
			for key in ("label", "description"):
				if field.get(key):
					yield None, "_", field[key], [f"{key.title()} of field {field['fieldname']} on {doctype}"]
			if field.get("fieldtype") == "Select":
				for option in filter(None, (field.get("options") or "").split("\n")):
					yield None, "_", option, [f"Option of field {field['fieldname']} on {doctype}"]


def _json_record(fileobj, doctype: str, keys: tuple[str, ...], comment: str):
	data = json.load(fileobj)
	if not isinstance(data, dict) or data.get("doctype") != doctype:
		return
	for key in keys:
		if data.get(key):
			yield None, "_", data[key], [comment]


def number_card(fileobj, *args, **kwargs):
	yield from _json_record(fileobj, "Number Card", ("label",), "Label of a number card")


def dashboard_chart(fileobj, *args, **kwargs):
	yield from _json_record(fileobj, "Dashboard Chart", ("chart_name",), "Name of a dashboard chart")


def notification(fileobj, *args, **kwargs):
	"""The `_("...")` messages in a notification's subject template."""
	data = json.load(fileobj)
	if isinstance(data, dict) and data.get("doctype") == "Notification":
		for message in JINJA_MESSAGE.findall(data.get("subject") or ""):
			yield None, "_", message, ["Subject of a notification"]
