from opportunity_ext.permissions.party import backfill
from opportunity_ext.setup.indexes import add_indexes
from opportunity_ext.setup.install import apply_customizations


def execute():
	"""Existing opportunities and quotations get the party's link fields, so that User
	Permissions on Customer, Lead and Prospect apply to them (the fields come with the app's
	custom fields, applied first, and the backfill reads Customer by its lead and prospect
	through the app's indexes, added first too)."""
	apply_customizations()
	add_indexes()
	backfill()
