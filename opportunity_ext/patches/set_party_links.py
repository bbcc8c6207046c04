from opportunity_ext.permissions.party import backfill
from opportunity_ext.setup.install import apply_customizations


def execute():
	"""Existing opportunities and quotations get the party's link fields, so that User
	Permissions on Customer, Lead and Prospect apply to them (the fields come with the app's
	custom fields, applied first)."""
	apply_customizations()
	backfill()
