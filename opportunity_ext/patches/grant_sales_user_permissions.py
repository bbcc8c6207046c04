from opportunity_ext.setup.permissions import grant_permissions


def execute():
	"""Sites that installed the app before the grants existed get them once."""
	grant_permissions()
