from opportunity_ext.lifecycle.history.backfill import backfill, rebuild_stage_log
from opportunity_ext.setup.install import apply_customizations


def execute():
	"""Sites that had opportunities before the history existed get it from their Versions
	(the fields it fills come with the app's custom fields, applied first)."""
	apply_customizations()
	backfill()
	rebuild_stage_log()
