"""The same context as the in-app follow-up notification: its mail twin."""

from opportunity_ext.opportunity_ext.notification.opportunity_follow_up_due.opportunity_follow_up_due import (  # noqa: F401
	get_context,
)
