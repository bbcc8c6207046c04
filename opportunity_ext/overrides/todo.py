"""doc_events for Frappe's ToDo (an assignment): the opportunity's owner follows it."""

from opportunity_ext.automation.assignment import sync_owner_to_assignment, validate_todo_reference


def validate(doc, method=None):
	validate_todo_reference(doc)


def on_update(doc, method=None):
	sync_owner_to_assignment(doc)
