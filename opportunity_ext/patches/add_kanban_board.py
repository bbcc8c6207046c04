from opportunity_ext.kanban import create_kanban_board


def execute():
	create_kanban_board()
