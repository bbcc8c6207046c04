from opportunity_ext.setup import create_default_settings
from opportunity_ext.setup.assignment_rule import create_assignment_rule


def execute():
	"""Sites that installed the app before these existed get them once."""
	create_assignment_rule()
	create_default_settings()
