from opportunity_ext.setup.kanban import create_kanban_board


def execute():
	create_kanban_board()
