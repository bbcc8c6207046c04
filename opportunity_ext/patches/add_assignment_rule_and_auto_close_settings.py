from opportunity_ext.setup.assignment_rule import create_assignment_rule
from opportunity_ext.setup.install import create_default_settings


def execute():
	"""Sites that installed the app before these existed get them once."""
	create_assignment_rule()
	create_default_settings()
