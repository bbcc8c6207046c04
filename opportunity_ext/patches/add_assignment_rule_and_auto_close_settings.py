from opportunity_ext.assignment import create_assignment_rule
from opportunity_ext.setup import create_default_settings


def execute():
	"""Sites that installed the app before these existed get them once."""
	create_assignment_rule()
	create_default_settings()
