"""The Kanban board's columns follow the sales stages until someone changes them by hand."""

from opportunity_ext.setup.kanban import columns_to_write

STAGES = ["Prospecting", "Qualification", "Proposal"]


def active(*names):
	return [[name, "Active"] for name in names]


def test_empty_board_from_install_gets_the_stages():
	assert columns_to_write([], None, STAGES) == active(*STAGES)
	assert columns_to_write([], [], STAGES) == active(*STAGES)


def test_a_stage_added_or_removed_moves_the_columns():
	written = active("Prospecting", "Proposal")
	assert columns_to_write(written, written, STAGES) == active(*STAGES)
	assert columns_to_write(active(*STAGES), active(*STAGES), ["Prospecting"]) == active("Prospecting")


def test_nothing_to_do_when_the_columns_are_the_stages():
	assert columns_to_write(active(*STAGES), active(*STAGES), STAGES) is None


def test_a_board_changed_by_hand_is_left_alone():
	written = active(*STAGES)
	hidden = [["Prospecting", "Active"], ["Qualification", "Archived"], ["Proposal", "Active"]]
	assert columns_to_write(hidden, written, STAGES + ["Negotiation"]) is None
	moved = active("Qualification", "Prospecting", "Proposal")
	assert columns_to_write(moved, written, STAGES + ["Negotiation"]) is None


def test_a_board_from_before_the_app_remembered_it():
	# its columns are the stages, in another order: the app's, put in funnel order
	assert columns_to_write(active("Proposal", "Prospecting", "Qualification"), None, STAGES) == active(
		*STAGES
	)
	# an admin's own column: left alone
	assert columns_to_write(active("Prospecting", "Mine"), None, STAGES) is None
