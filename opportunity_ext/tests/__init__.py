import frappe


def before_tests():
	"""A site ready for the suite: ERPNext's setup wizard, as ERPNext's own tests expect."""
	from erpnext.setup.utils import before_tests as erpnext_before_tests

	from opportunity_ext.tests.utils import make_exchange_rate

	erpnext_before_tests()
	# ERPNext's test records use an INR company; its tests would fetch this rate online.
	make_exchange_rate("USD", "INR", 83.0)
	frappe.db.commit()
