from opportunity_ext.lifecycle.history.backfill import rebuild_stage_log


def execute():
	"""Sites whose history was recorded before the stage log existed get their stage log from
	that history (a row per opportunity and stage)."""
	rebuild_stage_log()
